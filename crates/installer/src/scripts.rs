//! Script files: `#!python` rewriting for `.data/scripts`, and launchers for entry points.

use std::path::Path;

/// The first line that runs `python`: a plain shebang when the kernel can take it, else the
/// `/bin/sh` trampoline pip also uses (the kernel truncates shebangs at 127 bytes and splits
/// on spaces, which deep node-local paths easily break).
pub fn shebang(python: &Path) -> String {
    let text = python.display().to_string();
    if text.len() <= 125 && !text.contains([' ', '\t']) {
        format!("#!{text}\n")
    } else {
        format!("#!/bin/sh\n'''exec' \"{text}\" \"$0\" \"$@\"\n' '''\n")
    }
}

/// Rewrites a `#!python` / `#!pythonw` first line to the environment's interpreter; `None`
/// when the script has another first line (kept byte for byte).
pub fn rewrite_shebang(content: &[u8], python: &Path) -> Option<Vec<u8>> {
    let rest = content.strip_prefix(b"#!python")?;
    let rest = rest.strip_prefix(b"w").unwrap_or(rest);
    let end = rest
        .iter()
        .position(|&b| b == b'\n')
        .map(|p| p + 1)
        .unwrap_or(rest.len());
    let args = String::from_utf8_lossy(&rest[..end]);
    if !args.trim().is_empty() && !args.starts_with([' ', '\t']) {
        return None; // `#!python3.11-config` or similar: not ours to touch.
    }
    let mut out = shebang(python).into_bytes();
    out.extend_from_slice(&rest[end..]);
    Some(out)
}

/// A console or GUI script that imports `module` and calls `object`.
pub fn entry_point_script(python: &Path, module: &str, object: &str) -> String {
    let (import, call) = match object.split_once('.') {
        _ if object.is_empty() => (format!("import {module}"), module.to_string()),
        Some((head, _)) => (format!("from {module} import {head}"), object.to_string()),
        None => (format!("from {module} import {object}"), object.to_string()),
    };
    format!(
        "{}# -*- coding: utf-8 -*-\nimport re\nimport sys\n{import}\nif __name__ == \"__main__\":\n    \
         sys.argv[0] = re.sub(r\"(-script\\.pyw|\\.exe)?$\", \"\", sys.argv[0])\n    \
         sys.exit({call}())\n",
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
        assert!(rewrite_shebang(b"#!/bin/sh\necho\n", py).is_none());
        let long = Path::new("/a very/long path/bin/python");
        assert!(shebang(long).starts_with("#!/bin/sh\n"));
    }

    #[test]
    fn entry_point_calls_the_object() {
        let s = entry_point_script(Path::new("/e/bin/python"), "numpy.f2py.f2py2e", "main");
        assert!(s.contains("from numpy.f2py.f2py2e import main\n"));
        assert!(s.contains("sys.exit(main())"));
        let s = entry_point_script(Path::new("/e/bin/python"), "pkg", "cli.run");
        assert!(s.contains("from pkg import cli\n") && s.contains("sys.exit(cli.run())"));
    }
}
