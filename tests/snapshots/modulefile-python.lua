-- Written by wheelhouse (`wheelhouse module python`): CPython 3.11.7.
-- Regenerate rather than edit; wheelhouse refuses to overwrite a changed file.
help([[
CPython 3.11.7, the Python programming language.

Interpreter: /opt/python/3.11.7/bin/python3.11

After `module load python/3.11.7`, `python` and `python3` are this interpreter. Build environments with it:
    wheelhouse venv ENV && source ENV/bin/activate

Bundled packages:
    pip 24.2
    setuptools 70.0.0
]])
whatis("Description: CPython 3.11.7, the Python programming language")
whatis("Version: 3.11.7")
whatis("Keywords: python, interpreter")

conflict("python")

local root = "/SITE/software/python/3.11.7"
setenv("EBROOTPYTHON", root)
setenv("EBVERSIONPYTHON", "3.11.7")
prepend_path("PATH", pathJoin(root, "bin"))
local dev = "/opt/python/3.11.7"
prepend_path("CPATH", pathJoin(dev, "include"))
prepend_path("LIBRARY_PATH", pathJoin(dev, "lib"))
prepend_path("PKG_CONFIG_PATH", pathJoin(dev, "lib/pkgconfig"))
-- _manylinux.py (stock pip refuses manylinux wheels) and sitecustomize.py (stack modules' EBPYTHONPREFIXES).
prepend_path("PYTHONPATH", "/SITE/python-site")

if convertToCanonical(LmodVersion()) >= convertToCanonical("8.2.8") then
    extensions("pip/24.2,setuptools/70.0.0")
end
