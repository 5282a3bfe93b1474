-- Written by wheelhouse (`wheelhouse stack build`): scipy-stack/2024a.
-- Regenerate rather than edit; wheelhouse refuses to overwrite a changed file.
help([[
scipy-stack/2024a: Python packages for Python 3.10, 3.11, installed together in one prefix.
Load a Python first, then this module:
    module load python/3.11 scipy-stack/2024a
A virtual environment made afterwards sees these packages; a package installed in the environment takes precedence over the stack's copy.

Packages:
    numpy 1.26.4+computecanada
    scipy 1.13.1+computecanada
]])
whatis("Description: scipy-stack 2024a: Python packages for Python 3.10, 3.11")
whatis("Version: 2024a")
whatis("Packages: numpy 1.26.4+computecanada, scipy 1.13.1+computecanada")

conflict("scipy-stack")
-- The Pythons this stack was built for: loads the newest of them when none is.
depends_on(between("python", "3.10", "<3.12"))
local built_for = { ["3.10"] = true, ["3.11"] = true }
local loaded = (os.getenv("EBVERSIONPYTHON") or ""):match("^(%d+%.%d+)")
if mode() == "load" and loaded and not built_for[loaded] then
    LmodError("scipy-stack/2024a is built for Python 3.10, 3.11, but Python ", loaded, " is loaded. Load one it is built for first, for example:\n    module load python/3.11 scipy-stack/2024a\n")
end

local root = "/SITE/software/scipy-stack/2024a"
setenv("EBROOTSCIPYMINUSSTACK", root)
setenv("EBVERSIONSCIPYMINUSSTACK", "2024a")
-- sitecustomize.py appends root/lib/pythonX.Y/site-packages after the environment's own.
prepend_path("EBPYTHONPREFIXES", root)
-- Each script in root/bin runs its copy for the Python loaded when it runs.
prepend_path("PATH", pathJoin(root, "bin"))

if convertToCanonical(LmodVersion()) >= convertToCanonical("8.2.8") then
    extensions("numpy/1.26.4+computecanada,scipy/1.13.1+computecanada")
end
