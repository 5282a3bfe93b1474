# Asked of a target interpreter once per command. Prints one JSON object; stdlib only, runs on
# every Python 3 the cluster has. PYTHONPATH is deliberately honoured (no -I): packages that a
# module puts there are part of what the interpreter sees.
import importlib.util, json, os, platform, site, sys, sysconfig

def venv_paths(prefix):
    vars = {"base": prefix, "platbase": prefix, "installed_base": prefix,
            "installed_platbase": prefix}
    schemes = sysconfig.get_scheme_names()
    scheme = "venv" if "venv" in schemes else "posix_prefix"
    return sysconfig.get_paths(scheme=scheme, vars=vars)

impl = sys.implementation
iv = impl.version
impl_version = "%d.%d.%d" % (iv.major, iv.minor, iv.micro)
if iv.releaselevel != "final":
    impl_version += iv.releaselevel[0] + str(iv.serial)
try:
    libc = os.confstr("CS_GNU_LIBC_VERSION")
except (AttributeError, ValueError, OSError):
    libc = None
target = sys.argv[1] if len(sys.argv) > 1 else sys.prefix
print(json.dumps({
    "executable": sys.executable,
    "base_executable": getattr(sys, "_base_executable", sys.executable),
    "prefix": sys.prefix,
    "base_prefix": getattr(sys, "base_prefix", sys.prefix),
    "version": list(sys.version_info[:3]),
    "implementation": impl.name,
    "soabi": sysconfig.get_config_var("SOABI"),
    "cache_tag": impl.cache_tag,
    "pyc_magic": importlib.util.MAGIC_NUMBER.hex(),
    "platform": sysconfig.get_platform(),
    "libc": libc,
    "sys_path": sys.path,
    "pythonpath": os.environ.get("PYTHONPATH", ""),
    # Absent from sys.path until it exists; a kept answer is checked against it.
    "user_site": site.getusersitepackages() if site.ENABLE_USER_SITE else None,
    "paths": venv_paths(target) if target != sys.prefix else sysconfig.get_paths(),
    "markers": {
        "implementation_name": impl.name,
        "implementation_version": impl_version,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_python_implementation": platform.python_implementation(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    },
}))
