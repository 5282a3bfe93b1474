//! Script files: `#!python` rewriting for `.data/scripts`, and launchers for entry points.

use std::path::Path;

/// The first line that runs `python`, as pip's launcher maker writes it: a plain shebang
/// when the kernel can take it (at most 127 bytes, no spaces), else the `/bin/sh` trampoline
/// (the kernel truncates long shebangs and splits them on spaces, which deep node-local paths
/// easily break). The path is quoted in the trampoline only when it has spaces.
pub fn shebang(python: &Path) -> String {
    let text = python.display().to_string();
    if text.len() + 3 <= 127 && !text.contains(' ') {
        format!("#!{text}\n")
    } else {
        let quoted = if text.contains(' ') {
            format!("\"{text}\"")
        } else {
            text
        };
        format!("#!/bin/sh\n'''exec' {quoted} \"$0\" \"$@\"\n' '''\n")
    }
}

/// Rewrites a first line starting `#!python` (`#!pythonw`, `#!python3 -E` too: the whole
/// line goes, as pip replaces it) to the environment's interpreter; `None` when the script
/// has another first line (kept byte for byte). Long paths get the trampoline where pip
/// would write a shebang the kernel cannot run.
pub fn rewrite_shebang(content: &[u8], python: &Path) -> Option<Vec<u8>> {
    if !content.starts_with(b"#!python") {
        return None;
    }
    let end = content
        .iter()
        .position(|&b| b == b'\n')
        .map(|p| p + 1)
        .unwrap_or(content.len());
    let mut out = shebang(python).into_bytes();
    out.extend_from_slice(&content[end..]);
    Some(out)
}

/// A console or GUI script that imports `module` and calls `object`, byte for byte the
/// launcher pip 26 writes (its template imports no `re`, so scripts start faster).
pub fn entry_point_script(python: &Path, module: &str, object: &str) -> String {
    let (import, call) = match object.split_once('.') {
        _ if object.is_empty() => (format!("import {module}"), module.to_string()),
        Some((head, _)) => (format!("from {module} import {head}"), object.to_string()),
        None => (format!("from {module} import {object}"), object.to_string()),
    };
    format!(
        "{}import sys\n{import}\nif __name__ == '__main__':\n    \
         sys.argv[0] = sys.argv[0].removesuffix('.exe')\n    sys.exit({call}())\n",
        shebang(python)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_python_shebangs() {
        let py = Path::new("/env/bin/python");
        assert_eq!(
            rewrite_shebang(b"#!python\nprint(1)\n", py).unwrap(),
            b"#!/env/bin/python\nprint(1)\n"
        );
        assert_eq!(
            rewrite_shebang(b"#!python3 -E\nx\n", py).unwrap(),
            b"#!/env/bin/python\nx\n"
        );
        assert!(rewrite_shebang(b"#!/bin/sh\necho\n", py).is_none());
        let long = Path::new("/a very/long path/bin/python");
        assert!(shebang(long).starts_with("#!/bin/sh\n'''exec' \"/a very"));
        let deep = format!("/{}/bin/python", "d".repeat(130));
        assert!(shebang(Path::new(&deep)).starts_with(&format!("#!/bin/sh\n'''exec' /{}", "d")));
    }

    #[test]
    fn entry_point_is_pips_launcher() {
        let s = entry_point_script(Path::new("/e/bin/python"), "numpy.f2py.f2py2e", "main");
        assert_eq!(
            s,
            "#!/e/bin/python\nimport sys\nfrom numpy.f2py.f2py2e import main\n\
             if __name__ == '__main__':\n    sys.argv[0] = sys.argv[0].removesuffix('.exe')\n    \
             sys.exit(main())\n"
        );
        let s = entry_point_script(Path::new("/e/bin/python"), "pkg", "cli.run");
        assert!(s.contains("from pkg import cli\n") && s.contains("sys.exit(cli.run())"));
    }
}
