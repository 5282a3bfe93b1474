//! The two files the Python modules put on `PYTHONPATH`.
//!
//! `_manylinux.py` is the hook pip (through `packaging.tags`) imports to ask whether
//! manylinux wheels run here (PEP 513, 571, 599, 600). Answering no for every tag makes even
//! stock pip take only the site's own builds, whose libraries match the cluster's software
//! stack. `sitecustomize.py` runs at every interpreter start-up and appends the
//! `site-packages` of each prefix in `EBPYTHONPREFIXES` (set by stack modules), *after* the
//! virtualenv's own, so a package installed in the environment wins and one stack prefix
//! serves several Python versions.

/// Name of the `_manylinux.py` file.
pub const MANYLINUX_FILE: &str = "_manylinux.py";
/// Name of the `sitecustomize.py` file.
pub const SITECUSTOMIZE_FILE: &str = "sitecustomize.py";

/// `_manylinux.py`: no manylinux tag is compatible.
pub const MANYLINUX_PY: &str = r#"# Written by wheelhouse. pip asks this module whether manylinux wheels run here (PEP 513,
# 571, 599, 600). They do not count as compatible on this site: its wheelhouse holds builds
# made against the cluster's own libraries, so pip installs those instead.
manylinux1_compatible = False
manylinux2010_compatible = False
manylinux2014_compatible = False


def manylinux_compatible(tag_major, tag_minor, tag_arch):
    return False
"#;

/// `sitecustomize.py`: the stack prefixes of `EBPYTHONPREFIXES`, after the environment's own.
pub const SITECUSTOMIZE_PY: &str = r#"# Written by wheelhouse. Stack modules (scipy-stack/2024a, ...) prepend their prefix to
# EBPYTHONPREFIXES; each prefix holds lib/pythonX.Y/site-packages for the Pythons it serves.
# They are added after this interpreter's (or the virtual environment's) own site-packages,
# so a package installed in the environment takes precedence over the stack's copy.
def _add_stack_prefixes():
    import os
    import site
    import sys

    relative = os.path.join("lib", "python%d.%d" % sys.version_info[:2], "site-packages")
    for prefix in os.environ.get("EBPYTHONPREFIXES", "").split(os.pathsep):
        if not prefix:
            continue
        path = os.path.join(prefix, relative)
        if path not in sys.path and os.path.isdir(path):
            site.addsitedir(path)


_add_stack_prefixes()
del _add_stack_prefixes
"#;
