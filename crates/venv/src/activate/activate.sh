# Source this file from bash, zsh or sh: `source @ENV@/bin/activate`.
# `deactivate` undoes it.

deactivate () {
    if [ -n "${_OLD_VIRTUAL_PATH:-}" ]; then
        PATH="${_OLD_VIRTUAL_PATH}"
        export PATH
        unset _OLD_VIRTUAL_PATH
    fi
    if [ -n "${_OLD_VIRTUAL_PYTHONHOME:-}" ]; then
        PYTHONHOME="${_OLD_VIRTUAL_PYTHONHOME}"
        export PYTHONHOME
        unset _OLD_VIRTUAL_PYTHONHOME
    fi
    if [ -n "${_OLD_VIRTUAL_PS1+set}" ]; then
        PS1="${_OLD_VIRTUAL_PS1}"
        export PS1
        unset _OLD_VIRTUAL_PS1
    fi
    unset VIRTUAL_ENV VIRTUAL_ENV_PROMPT
    # Forget remembered command locations so `python` is looked up again.
    hash -r 2>/dev/null
    if [ "${1:-}" != "nondestructive" ]; then
        unset -f deactivate
    fi
}

deactivate nondestructive

VIRTUAL_ENV=@ENV_QUOTED@
export VIRTUAL_ENV
VIRTUAL_ENV_PROMPT=@PROMPT_QUOTED@
export VIRTUAL_ENV_PROMPT

_OLD_VIRTUAL_PATH="$PATH"
PATH="$VIRTUAL_ENV/bin:$PATH"
export PATH

if [ -n "${PYTHONHOME:-}" ]; then
    _OLD_VIRTUAL_PYTHONHOME="$PYTHONHOME"
    unset PYTHONHOME
fi

if [ -z "${VIRTUAL_ENV_DISABLE_PROMPT:-}" ]; then
    _OLD_VIRTUAL_PS1="${PS1:-}"
    PS1="(${VIRTUAL_ENV_PROMPT}) ${PS1:-}"
    export PS1
fi

hash -r 2>/dev/null
