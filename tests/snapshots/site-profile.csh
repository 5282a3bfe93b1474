# Written by wheelhouse site init. Sets what the cluster's base module sets, for the site
# in /SITE:  source /SITE/profile.csh   (sh/bash/zsh: . /SITE/profile.sh)
# This node's CPU level, from the flags of /proc/cpuinfo (x86-64-v4, x86-64-v3, generic).
setenv RSNT_ARCH `sh '/SITE/libexec/cpu-level.sh'`
if ( "$RSNT_ARCH" == "" ) setenv RSNT_ARCH generic
setenv EBVERSIONGENTOO 2023
setenv WHEELHOUSE '/SITE/wheelhouse'
setenv PIP_CONFIG_FILE '/SITE/pip/pip-'"$RSNT_ARCH"'.conf'
setenv PYTHON_DIRS '/SITE/software/python'
if ( $?MODULEPATH ) then
    if ( ":${MODULEPATH}:" !~ *:/SITE/modules:* ) setenv MODULEPATH '/SITE/modules'":${MODULEPATH}"
else
    setenv MODULEPATH '/SITE/modules'
endif
# Lmod's `module` command, when this shell does not have it yet.
if ( ! $?LMOD_CMD ) then
    if ( -f /usr/share/lmod/lmod/init/csh ) then
        source /usr/share/lmod/lmod/init/csh
    else if ( -f /opt/lmod/lmod/init/csh ) then
        source /opt/lmod/lmod/init/csh
    endif
endif
