# Written by wheelhouse. Stack modules (scipy-stack/2024a, ...) prepend their prefix to
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
