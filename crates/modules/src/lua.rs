//! Lua modulefiles for Lmod: one per Python interpreter, one per package stack.
//!
//! The variables are the ones the cluster's EasyBuild modules set, because every tool on the
//! cluster (ours included, through `site-config`) reads those: `EBROOTPYTHON`,
//! `EBVERSIONPYTHON`, and for a stack `EBROOT<NAME>`, `EBVERSION<NAME>` and the
//! `EBPYTHONPREFIXES` list that `sitecustomize.py` turns into `sys.path` entries.

use std::fmt::Write;
use std::path::PathBuf;

/// Lmod learnt `extensions()` in 8.2.8; older Lmods would fail on the call, so modulefiles ask.
const EXTENSIONS_GUARD: &str =
    "if convertToCanonical(LmodVersion()) >= convertToCanonical(\"8.2.8\") then";

/// A Lua string literal for any text (quotes, backslashes and newlines escaped).
pub fn lua_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\{}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Lua long string (`[==[ ... ]==]`) whose level is chosen so the text cannot close it.
fn lua_long_string(text: &str) -> String {
    let mut level = 0;
    loop {
        let close = format!("]{}]", "=".repeat(level));
        if !text.contains(&close) {
            let eq = "=".repeat(level);
            return format!("[{eq}[\n{text}]{eq}]");
        }
        level += 1;
    }
}

fn path_text(path: &std::path::Path) -> String {
    path.to_string_lossy().into_owned()
}

/// The EasyBuild spelling of a module name in variable names: upper case, `-` as `MINUS`,
/// anything else not alphanumeric as `_` (`scipy-stack` → `SCIPYMINUSSTACK`).
pub fn easybuild_var_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        match c {
            '-' => out.push_str("MINUS"),
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_uppercase()),
            _ => out.push('_'),
        }
    }
    out
}

/// One Python interpreter as a module (`python/3.11.7`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PythonModule {
    /// Full version, `3.11.7`: the module's version and `EBVERSIONPYTHON`.
    pub version: String,
    /// `CPython`, `PyPy`: shown by `module whatis` and `module help`.
    pub implementation: String,
    /// `EBROOTPYTHON`; its `bin/` goes first on `PATH` and holds `python`.
    pub root: PathBuf,
    /// The real installation prefix, for `CPATH`, `LIBRARY_PATH` and `PKG_CONFIG_PATH`
    /// (none when that is the system's `/usr`, which compilers search anyway).
    pub dev_prefix: Option<PathBuf>,
    /// The interpreter the module runs, for the help text.
    pub executable: PathBuf,
    /// The directory holding `_manylinux.py` and `sitecustomize.py`, put on `PYTHONPATH`.
    pub site_dir: Option<PathBuf>,
    /// What the interpreter bundles (`pip`, `setuptools`, ...): Lmod extensions, so
    /// `module spider pip` finds the Pythons.
    pub bundled: Vec<(String, String)>,
}

impl PythonModule {
    /// The modulefile's path below a MODULEPATH directory.
    pub fn file_name(&self) -> PathBuf {
        PathBuf::from(format!("python/{}.lua", self.version))
    }

    /// The modulefile text.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "-- Written by wheelhouse (`wheelhouse module python`): {} {}.\n\
             -- Regenerate rather than edit; wheelhouse refuses to overwrite a changed file.",
            self.implementation, self.version
        );
        let mut help = format!(
            "{impl} {v}, the Python programming language.\n\n\
             Interpreter: {exe}\n\n\
             After `module load python/{v}`, `python` and `python3` are this interpreter. Build \
             environments with it:\n    wheelhouse venv ENV && source ENV/bin/activate\n",
            impl = self.implementation,
            v = self.version,
            exe = self.executable.display()
        );
        if !self.bundled.is_empty() {
            help.push_str("\nBundled packages:\n");
            for (name, version) in &self.bundled {
                let _ = writeln!(help, "    {name} {version}");
            }
        }
        help_and_whatis(
            &mut s,
            &help,
            &[
                format!(
                    "Description: {} {}, the Python programming language",
                    self.implementation, self.version
                ),
                format!("Version: {}", self.version),
                "Keywords: python, interpreter".into(),
            ],
        );
        let _ = writeln!(s, "\nconflict(\"python\")\n");
        let _ = writeln!(s, "local root = {}", lua_string(&path_text(&self.root)));
        let _ = writeln!(s, "setenv(\"EBROOTPYTHON\", root)");
        let _ = writeln!(
            s,
            "setenv(\"EBVERSIONPYTHON\", {})",
            lua_string(&self.version)
        );
        let _ = writeln!(s, "prepend_path(\"PATH\", pathJoin(root, \"bin\"))");
        if let Some(dev) = &self.dev_prefix {
            let _ = writeln!(s, "local dev = {}", lua_string(&path_text(dev)));
            let _ = writeln!(s, "prepend_path(\"CPATH\", pathJoin(dev, \"include\"))");
            let _ = writeln!(s, "prepend_path(\"LIBRARY_PATH\", pathJoin(dev, \"lib\"))");
            let _ = writeln!(
                s,
                "prepend_path(\"PKG_CONFIG_PATH\", pathJoin(dev, \"lib/pkgconfig\"))"
            );
        }
        if let Some(site_dir) = &self.site_dir {
            let _ = writeln!(
                s,
                "-- _manylinux.py (stock pip refuses manylinux wheels) and sitecustomize.py \
                 (stack modules' EBPYTHONPREFIXES)."
            );
            let _ = writeln!(
                s,
                "prepend_path(\"PYTHONPATH\", {})",
                lua_string(&path_text(site_dir))
            );
        }
        if !self.bundled.is_empty() {
            let list: Vec<String> = self
                .bundled
                .iter()
                .map(|(n, v)| format!("{n}/{v}"))
                .collect();
            let _ = writeln!(s, "\n{EXTENSIONS_GUARD}");
            let _ = writeln!(s, "    extensions({})", lua_string(&list.join(",")));
            let _ = writeln!(s, "end");
        }
        s
    }
}

/// The `python/.modulerc.lua` naming the default version (what `module load python` loads).
pub fn python_default_rc(default_version: &str) -> String {
    format!(
        "-- Written by wheelhouse: the version `module load python` loads.\n\
         module_version({}, \"default\")\n",
        lua_string(&format!("python/{default_version}"))
    )
}

/// A package stack as a module (`scipy-stack/2024a`): one prefix holding
/// `lib/pythonX.Y/site-packages` for each Python it was built for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackModule {
    pub name: String,
    pub version: String,
    /// The prefix put on `EBPYTHONPREFIXES` (the final location, not the build directory).
    pub prefix: PathBuf,
    /// `major.minor` of each Python built for, ascending.
    pub pythons: Vec<wheel_name::PythonVersion>,
    /// `(name, version)` of every package, sorted by name.
    pub packages: Vec<(String, String)>,
}

impl StackModule {
    /// The modulefile's path below a MODULEPATH directory.
    pub fn file_name(&self) -> PathBuf {
        PathBuf::from(format!("{}/{}.lua", self.name, self.version))
    }

    /// The modulefile text.
    pub fn render(&self) -> String {
        let pythons: Vec<String> = self.pythons.iter().map(|p| p.to_string()).collect();
        let pythons_text = pythons.join(", ");
        let packages_line: Vec<String> = self
            .packages
            .iter()
            .map(|(n, v)| format!("{n} {v}"))
            .collect();
        let mut s = String::new();
        let _ = writeln!(
            s,
            "-- Written by wheelhouse (`wheelhouse stack build`): {}/{}.\n\
             -- Regenerate rather than edit; wheelhouse refuses to overwrite a changed file.",
            self.name, self.version
        );
        let mut help = format!(
            "{}/{}: Python packages for Python {pythons_text}, installed together in one \
             prefix.\nLoad a Python first, then this module:\n    module load python/{} {}/{}\n\
             A virtual environment made afterwards sees these packages; a package installed \
             in the environment takes precedence over the stack's copy.\n\nPackages:\n",
            self.name,
            self.version,
            pythons.last().map(String::as_str).unwrap_or("3"),
            self.name,
            self.version
        );
        for (name, version) in &self.packages {
            let _ = writeln!(help, "    {name} {version}");
        }
        help_and_whatis(
            &mut s,
            &help,
            &[
                format!(
                    "Description: {} {}: Python packages for Python {pythons_text}",
                    self.name, self.version
                ),
                format!("Version: {}", self.version),
                format!("Packages: {}", packages_line.join(", ")),
            ],
        );
        let _ = writeln!(s, "\nconflict({})", lua_string(&self.name));
        if let (Some(low), Some(high)) = (self.pythons.first(), self.pythons.last()) {
            let above = format!("{}.{}", high.major, high.minor + 1);
            let _ = writeln!(
                s,
                "-- The Pythons this stack was built for: loads the newest of them when none is."
            );
            let _ = writeln!(
                s,
                "depends_on(between(\"python\", {}, {}))",
                lua_string(&low.to_string()),
                lua_string(&format!("<{above}"))
            );
            // `between` is a range; a stack built for 3.9 and 3.11 has no 3.10 directory, so
            // the loaded version is checked against the exact list.
            let table: Vec<String> = pythons
                .iter()
                .map(|p| format!("[{}] = true", lua_string(p)))
                .collect();
            let _ = writeln!(s, "local built_for = {{ {} }}", table.join(", "));
            let _ = writeln!(
                s,
                "local loaded = (os.getenv(\"EBVERSIONPYTHON\") or \"\"):match(\"^(%d+%.%d+)\")"
            );
            let _ = writeln!(
                s,
                "if mode() == \"load\" and loaded and not built_for[loaded] then"
            );
            let _ = writeln!(
                s,
                "    LmodError({}, loaded, {})",
                lua_string(&format!(
                    "{}/{} is built for Python {pythons_text}, but Python ",
                    self.name, self.version
                )),
                lua_string(&format!(
                    " is loaded. Load one it is built for first, for example:\n    module load \
                     python/{} {}/{}\n",
                    pythons.last().unwrap(),
                    self.name,
                    self.version
                ))
            );
            let _ = writeln!(s, "end");
        }
        let var = easybuild_var_name(&self.name);
        let _ = writeln!(s, "\nlocal root = {}", lua_string(&path_text(&self.prefix)));
        let _ = writeln!(s, "setenv(\"EBROOT{var}\", root)");
        let _ = writeln!(
            s,
            "setenv(\"EBVERSION{var}\", {})",
            lua_string(&self.version)
        );
        let _ = writeln!(
            s,
            "-- sitecustomize.py appends root/lib/pythonX.Y/site-packages after the \
             environment's own."
        );
        let _ = writeln!(s, "prepend_path(\"EBPYTHONPREFIXES\", root)");
        let _ = writeln!(
            s,
            "-- Each script in root/bin runs its copy for the Python loaded when it runs."
        );
        let _ = writeln!(s, "prepend_path(\"PATH\", pathJoin(root, \"bin\"))");
        if !self.packages.is_empty() {
            let list: Vec<String> = self
                .packages
                .iter()
                .map(|(n, v)| format!("{n}/{v}"))
                .collect();
            let _ = writeln!(s, "\n{EXTENSIONS_GUARD}");
            let _ = writeln!(s, "    extensions({})", lua_string(&list.join(",")));
            let _ = writeln!(s, "end");
        }
        s
    }
}

/// `module help` text and the `module whatis` lines (what `module spider` shows).
fn help_and_whatis(s: &mut String, help: &str, whatis: &[String]) {
    let _ = writeln!(s, "help({})", lua_long_string(help));
    for line in whatis {
        let _ = writeln!(s, "whatis({})", lua_string(line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(lua_string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(lua_long_string("x ]] y"), "[=[\nx ]] y]=]");
    }

    #[test]
    fn easybuild_names() {
        assert_eq!(easybuild_var_name("scipy-stack"), "SCIPYMINUSSTACK");
        assert_eq!(easybuild_var_name("python"), "PYTHON");
    }
}
