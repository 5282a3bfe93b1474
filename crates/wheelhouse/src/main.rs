//! `wheelhouse`: the whole command line is the library (`wheelhouse_cli`, `src/lib.rs`); this
//! file only hands it the arguments and exits with its code, and, for the commands that change
//! environments, turns huge pages off before the first allocation.
fn main() {
    std::process::exit(wheelhouse_cli::run_wheelhouse(
        std::env::args_os().collect(),
    ));
}

/// Runs before `main`, before the allocator's first allocation: the runtime's own start-up
/// allocates, and mimalloc's arena is made with `MADV_HUGEPAGE`, so by the time `main` could
/// turn huge pages off (`wheelhouse_cli::small_pages`), three 2 MiB pages had been zeroed
/// whole (0.3 ms of every start). glibc calls `.init_array` functions with `argc`, `argv` and
/// `envp`; only the first argument is read here.
extern "C" fn small_pages_before_main(
    argc: libc::c_int,
    argv: *const *const libc::c_char,
    _envp: *const *const libc::c_char,
) {
    if argc < 2 || argv.is_null() {
        return;
    }
    // SAFETY: glibc hands `.init_array` functions the process's argv: `argc` pointers to
    // NUL-terminated strings.
    let first = unsafe {
        let arg = *argv.add(1);
        if arg.is_null() {
            return;
        }
        std::ffi::CStr::from_ptr(arg)
    };
    if wheelhouse_cli::wants_small_pages(first.to_bytes()) {
        wheelhouse_cli::small_pages();
    }
}

#[used]
#[link_section = ".init_array"]
static SMALL_PAGES_BEFORE_MAIN: extern "C" fn(
    libc::c_int,
    *const *const libc::c_char,
    *const *const libc::c_char,
) = small_pages_before_main;
