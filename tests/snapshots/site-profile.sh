# Written by wheelhouse site init. Sets what the cluster's base module sets, for the site
# in /SITE:  . /SITE/profile.sh   (csh/tcsh: source /SITE/profile.csh)
# This node's CPU level, from the flags of /proc/cpuinfo (x86-64-v4, x86-64-v3, generic).
RSNT_ARCH=$(sh '/SITE/libexec/cpu-level.sh')
[ -n "$RSNT_ARCH" ] || RSNT_ARCH=generic
export RSNT_ARCH
export EBVERSIONGENTOO=2023
export WHEELHOUSE='/SITE/wheelhouse'
export PIP_CONFIG_FILE='/SITE/pip/pip-'"$RSNT_ARCH"'.conf'
export PYTHON_DIRS='/SITE/software/python'
case ":${MODULEPATH:-}:" in
    *':/SITE/modules:'*) ;;
    *) MODULEPATH='/SITE/modules'"${MODULEPATH:+:$MODULEPATH}"; export MODULEPATH ;;
esac
# Lmod's `module` command, when this shell does not have it yet.
if ! command -v module >/dev/null 2>&1; then
    for __wheelhouse_init in "${LMOD_PKG:-/nonexistent}/init/profile" /usr/share/lmod/lmod/init/profile \
        /opt/lmod/lmod/init/profile /usr/local/lmod/lmod/init/profile; do
        if [ -f "$__wheelhouse_init" ]; then . "$__wheelhouse_init"; break; fi
    done
    unset __wheelhouse_init
fi
