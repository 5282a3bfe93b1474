-- Written by wheelhouse (`wheelhouse module python`): PyPy 3.9.16.
-- Regenerate rather than edit; wheelhouse refuses to overwrite a changed file.
help([[
PyPy 3.9.16, the Python programming language.

Interpreter: /usr/bin/pypy3.9

After `module load python/3.9.16`, `python` and `python3` are this interpreter. Build environments with it:
    wheelhouse venv ENV && source ENV/bin/activate
]])
whatis("Description: PyPy 3.9.16, the Python programming language")
whatis("Version: 3.9.16")
whatis("Keywords: python, interpreter")

conflict("python")

local root = "/SITE/software/python/3.9.16"
setenv("EBROOTPYTHON", root)
setenv("EBVERSIONPYTHON", "3.9.16")
prepend_path("PATH", pathJoin(root, "bin"))
-- _manylinux.py (stock pip refuses manylinux wheels) and sitecustomize.py (stack modules' EBPYTHONPREFIXES).
prepend_path("PYTHONPATH", "/SITE/python-site")
