"""Runs PEP 517/660 hooks of a build backend, for wheelhouse's build frontend.

Usage: python hooks.py CONTROL_DIR, in the project's source directory. For each line read
from stdin (the hook's name), reads CONTROL_DIR/input.json ({"backend", "backend_path",
"hook", "kwargs", "log"}), runs the hook with its output (and its compilers') going to the
file "log", writes CONTROL_DIR/output.json ({"return": value}, {"unsupported": true} when the
backend lacks an optional hook, or {"error": kind, "detail": text}) and answers the line
"done" on the stdout it was started with. After a failed hook, or at the end of stdin, it
exits. Several hooks of one build share this process (the backend imported once); the
working directory and environment variables are put back after each, the process state
PEP 517 lets a backend change (it asks for a fresh process per hook; this is one per build).
"""
import importlib
import json
import os
import sys
import traceback

# Hooks a backend may leave out; the frontend then does what PEP 517/660 say instead.
OPTIONAL = {
    "get_requires_for_build_wheel",
    "get_requires_for_build_editable",
    "prepare_metadata_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "build_editable",
}


def write(control, answer):
    path = os.path.join(control, "output.json")
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        json.dump(answer, out)
    os.replace(path + ".tmp", path)


def inside(path, root):
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root + os.sep)


def load_backend(spec, backend_path):
    module_name, _, object_path = spec.partition(":")
    roots = [os.path.abspath(p) for p in backend_path]
    for root in roots:
        if not inside(root, os.getcwd()):
            raise BackendError("backend-path %r is outside the source tree" % root)
    # PEP 517: the source directory itself is not importable unless backend-path says so.
    sys.path[:0] = roots
    try:
        backend = importlib.import_module(module_name)
    except ImportError as error:
        # The last line says what is missing; importlib's frames say nothing more.
        reason = "".join(traceback.format_exception_only(type(error), error)).strip()
        raise BackendError("cannot import the build backend %r: %s" % (module_name, reason))
    if roots:
        where = getattr(backend, "__file__", None) or ""
        if not any(inside(where, root) for root in roots):
            raise BackendError(
                "%r was imported from %s, not from backend-path %s" % (module_name, where, roots)
            )
    for attribute in filter(None, object_path.split(".")):
        backend = getattr(backend, attribute)
    return backend


class BackendError(Exception):
    pass


def run_hook(control, request, backends):
    hook_name = request["hook"]
    key = (request["backend"], tuple(request["backend_path"]))
    try:
        if key not in backends:
            backends[key] = load_backend(request["backend"], request["backend_path"])
        backend = backends[key]
    except BackendError as error:
        sys.stderr.write(str(error) + "\n")
        write(control, {"error": "backend_unavailable", "detail": str(error)})
        return 1
    hook = getattr(backend, hook_name, None)
    if hook is None:
        if hook_name in OPTIONAL:
            write(control, {"unsupported": True})
            return 0
        detail = "the backend has no %s hook" % hook_name
        write(control, {"error": "hook_missing", "detail": detail})
        return 1
    try:
        value = hook(**request["kwargs"])
    except SystemExit as error:
        # How setup.py scripts and distutils report errors: the message is the error, and a
        # traceback through setuptools' internals would push the compiler's lines out of view.
        if error.code not in (None, 0):
            sys.stderr.write("%s\n" % (error.code,))
        write(control, {"error": "hook_failed", "detail": str(error.code)})
        return 1
    except Exception as error:
        traceback.print_exc()
        write(control, {"error": "hook_failed", "detail": "%s: %s" % (type(error).__name__, error)})
        return 1
    write(control, {"return": value})
    return 0


def redirect_output(path):
    """Points fds 1 and 2 (inherited by the backend's compilers) at the hook's log."""
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def main(control):
    # The requests and answers travel on private descriptors: fd 0 becomes /dev/null (a
    # backend's subprocess must not read our requests) and fd 1 the log.
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    # sys.path is left as hooks leave it: backends add to it when imported (setuptools its
    # vendored packages), and stay imported.
    cwd, environ = os.getcwd(), dict(os.environ)
    backends = {}
    for line in requests:
        if not line.strip():
            continue
        with open(os.path.join(control, "input.json"), encoding="utf-8") as source:
            request = json.load(source)
        redirect_output(request["log"])
        status = run_hook(control, request, backends)
        sys.stdout.flush()
        sys.stderr.flush()
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(environ)
        answers.write("done\n")
        answers.flush()
        if status != 0:
            return status
    return 0


if __name__ == "__main__":
    # Without waiting for threads a backend may have left running.
    code = main(sys.argv[1])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
