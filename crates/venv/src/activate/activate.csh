# Source this file from csh or tcsh: `source @ENV@/bin/activate.csh`.
# `deactivate` undoes it.

alias deactivate 'test $?_OLD_VIRTUAL_PATH != 0 && setenv PATH "$_OLD_VIRTUAL_PATH:q" && unset _OLD_VIRTUAL_PATH; rehash; test $?_OLD_VIRTUAL_PROMPT != 0 && set prompt="$_OLD_VIRTUAL_PROMPT:q" && unset _OLD_VIRTUAL_PROMPT; unsetenv VIRTUAL_ENV; unsetenv VIRTUAL_ENV_PROMPT; test "\!:*" != "nondestructive" && unalias deactivate'

deactivate nondestructive

setenv VIRTUAL_ENV @ENV_QUOTED@
setenv VIRTUAL_ENV_PROMPT @PROMPT_QUOTED@

set _OLD_VIRTUAL_PATH="$PATH:q"
setenv PATH "$VIRTUAL_ENV:q/bin:$PATH:q"

if ( $?prompt ) then
    set _OLD_VIRTUAL_PROMPT="$prompt:q"
    if ( ! $?VIRTUAL_ENV_DISABLE_PROMPT ) then
        set prompt = "($VIRTUAL_ENV_PROMPT:q) $prompt:q"
    endif
endif

rehash
