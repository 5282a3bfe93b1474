-- Written by wheelhouse: the version `module load python` loads.
module_version("python/3.11.7", "default")
