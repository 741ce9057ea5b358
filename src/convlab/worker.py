"""The untrusted side: runs one student's notebook and answers calls into it.

Started by :mod:`convlab.sandbox` inside the sandbox, one process per student,
or forked for one student from a template that has already imported what the
notebooks need (:mod:`convlab.forkserver`). It reads requests (one JSON line
each) on the channel it was given (stdin, or the template's socket) and answers
on the same; everything the student's code prints goes elsewhere, so a stray
``print`` cannot break the protocol. Nothing
here is trusted by the grader: a student who rewrites this process can only
change the answers of their own functions, which the grader compares with
values it computes itself. What the process can keep working, it keeps: the
builtins a cell replaced are put back when it ends (the worker's own code uses
them), and a process the student's code forked that comes back to the request
loop exits instead of answering, so only the worker itself ever replies.

Requests::

    {"id": 1, "op": "run_cell", "source": "..."}
    {"id": 2, "op": "call", "name": "conv2d", "args": [...], "kwargs": {...}}
    {"id": 3, "op": "call", "name": "build_lenet", "args": [], "kwargs": {}, "keep": true}
    {"id": 4, "op": "method", "handle": "h1", "method": "predict", "args": [...], "kwargs": {}}
    {"id": 5, "op": "attribute", "handle": "h2", "name": "history"}
    {"id": 6, "op": "describe_model", "handle": "h1"}
    {"id": 7, "op": "model_from_json", "architecture": "...", "weights": [...]}
"""

from __future__ import annotations

import builtins
import os
import sys
import traceback
import types
from contextlib import contextmanager

#: Output kept per cell; more is cut with a note (a cell printing 100 MB must not sink the grader).
MAX_CELL_OUTPUT = 200_000


def private_channel(requests_fd: int = 0, replies_fd: int = 1):
    """Move the protocol off fds 0/1/2 so the student's code cannot write on it by accident.

    Requests are read through a buffer: a line of training data is megabytes, and an
    unbuffered reader takes it a byte per system call.
    """
    requests = os.fdopen(os.dup(requests_fd), "rb")
    replies = os.fdopen(os.dup(replies_fd), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDWR)
    log = os.open("worker.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(devnull, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.stdin = open(os.devnull)
    sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
    sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
    return requests, replies


#: What the notebooks import for their public checks: otter, and convlab's Notebook over it.
PUBLIC_CHECK_MODULES = ("otter", "convlab.public_checks")


def _otter_stub() -> types.ModuleType:
    """``import otter`` (and convlab's ``Notebook``) inside grading: public checks are not the
    grade, the hidden checks are.

    Running otter here would only slow grading down and let its output be
    mistaken for the grade.
    """
    module = types.ModuleType("otter")

    class Notebook:
        def __init__(self, *args, **kwargs):
            pass

        def check(self, question, *args, **kwargs):
            return None

        def check_all(self, *args, **kwargs):
            return None

        def export(self, *args, **kwargs):
            return None

    module.Notebook = Notebook
    return module


def _error(exc: BaseException) -> dict:
    tb = traceback.extract_tb(exc.__traceback__)
    where = ""
    for frame in reversed(tb):
        if frame.filename.startswith("<ipython-input") or frame.filename.startswith("/tmp/ipykernel") \
                or "ipykernel" in frame.filename or frame.filename.startswith("<"):
            where = f"line {frame.lineno}: {frame.line}" if frame.line else f"line {frame.lineno}"
            break
    return {"type": type(exc).__name__, "message": str(exc)[:2000], "where": where}


def _fingerprint(array) -> tuple:
    """What an array holds, to see whether a call changed it: shape, dtype and bytes (C-level
    methods of the array itself, which a student's cell cannot replace)."""
    return array.shape, array.dtype.str, array.tobytes()


class Worker:
    def __init__(self):
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.utils.capture import capture_output
        from traitlets.config import Config

        self._capture_output = capture_output
        self._builtins = dict(vars(builtins))
        # History in memory: no file and no thread that saves it (a forked worker must not
        # share either with the template it came from, or with the student before it).
        config = Config()
        config.HistoryManager.hist_file = ":memory:"
        self.shell = InteractiveShell.instance(config=config)
        self.shell.colors = "NoColor"
        stub = _otter_stub()
        for name in PUBLIC_CHECK_MODULES:
            sys.modules[name] = stub
        self.kept: dict[str, object] = {}  # objects the grader holds handles to

    def preload(self, modules: list[str]) -> list[str]:
        """Import ``modules`` ahead of the student's notebook (a template does, once for many
        students); returns those that failed to import, which the notebook will then import itself."""
        import importlib

        failed = []
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # a module the notebook names but this environment lacks
                failed.append(name)
        return failed

    @contextmanager
    def _student_code(self):
        """Run the student's code, capturing what it prints; then put back any builtin it replaced."""
        try:
            with self._capture_output(display=True) as captured:
                yield captured
        finally:
            current = vars(builtins)
            for name, original in self._builtins.items():
                if current.get(name) is not original:
                    current[name] = original

    # -- cells -----------------------------------------------------------------
    def run_cell(self, source: str) -> dict:
        with self._student_code() as captured:
            result = self.shell.run_cell(source, store_history=True, silent=False)
        outputs = []
        budget = MAX_CELL_OUTPUT
        for name, text in (("stdout", captured.stdout), ("stderr", captured.stderr)):
            if text:
                if len(text) > budget:
                    text = text[:budget] + f"\n[output cut: the cell printed {len(text):,} characters]\n"
                budget = max(budget - len(text), 0)
                outputs.append({"output_type": "stream", "name": name, "text": text})
        for output in captured.outputs:
            data = {k: v for k, v in output.data.items() if isinstance(v, str) and len(v) < budget}
            budget -= sum(len(v) for v in data.values())
            if data:
                outputs.append({"output_type": "display_data", "data": data, "metadata": {}})
        error = result.error_before_exec or result.error_in_exec
        return {"outputs": outputs, "error": _error(error) if error else None}

    # -- calls -----------------------------------------------------------------
    def _resolve(self, value):
        from convlab import wire

        if isinstance(value, wire.Handle):
            if value.key not in self.kept:
                raise LookupError(f"no object {value.key!r} is kept in this worker")
            return self.kept[value.key]
        return value

    def _invoke(self, function, name: str, args: list, kwargs: dict, keep: bool) -> dict:
        """Call ``function`` on decoded arguments; answer plain data, or a handle when ``keep``.

        Every array argument is compared with the worker's own copy of it, taken before the
        call, byte for byte (``changed``: their positions and keyword names), so a function
        that changes its caller's array is seen whatever the call and even when the student's
        code has replaced numpy's comparisons; only their names go back, never the arrays
        (a training set is megabytes).
        """
        import numpy as np

        from convlab import wire

        try:
            args = [self._resolve(wire.decode(a)) for a in args]
            kwargs = {k: self._resolve(wire.decode(v)) for k, v in kwargs.items()}
        except LookupError as exc:
            return {"error": {"type": "LostHandle", "message": str(exc), "where": ""}}
        arrays = {str(key): value for key, value in {**dict(enumerate(args)), **kwargs}.items()
                  if type(value) is np.ndarray}
        before = {key: _fingerprint(array) for key, array in arrays.items()}
        try:
            with self._student_code():
                value = function(*args, **kwargs)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt are the student's too
            return {"error": _error(exc)}
        changed = [key for key, array in arrays.items() if _fingerprint(array) != before[key]]
        if keep:
            key = f"h{len(self.kept) + 1}"
            self.kept[key] = value
            return {"handle": key, "what": wire.describe(value), "changed": changed}
        try:
            encoded = wire.encode(value)
        except wire.WireError as exc:
            return {"error": {"type": "BadReturn", "message": f"{name} {exc}", "where": ""}}
        return {"value": encoded, "changed": changed}

    def call(self, name: str, args: list, kwargs: dict, keep: bool = False) -> dict:
        from convlab import wire

        function = self.shell.user_ns.get(name)
        if function is None:
            return {"error": {"type": "MissingFunction", "message": f"there is no function named {name!r} in the notebook", "where": ""}}
        if not callable(function):
            return {"error": {"type": "NotCallable", "message": f"{name!r} is {wire.describe(function)}, not a function", "where": ""}}
        return self._invoke(function, name, args, kwargs, keep)

    def method(self, handle: str, method: str, args: list, kwargs: dict, keep: bool = False) -> dict:
        """``kept_object.method(*args, **kwargs)``, e.g. ``model.predict(x)`` on the student's model."""
        from convlab import wire

        try:
            function = getattr(self._resolve(wire.Handle(handle)), method)
        except (LookupError, AttributeError) as exc:
            return {"error": {"type": type(exc).__name__, "message": str(exc)[:500], "where": ""}}
        return self._invoke(function, method, args, kwargs, keep)

    def attribute(self, handle: str, name: str) -> dict:
        """An attribute of a kept object as plain data, e.g. ``History.history``; a dotted name
        follows attributes, e.g. a trained model's ``optimizer.iterations``."""
        import functools

        from convlab import wire

        try:
            return {"value": wire.encode(functools.reduce(getattr, name.split("."),
                                                          self._resolve(wire.Handle(handle))))}
        except (LookupError, AttributeError) as exc:
            return {"error": {"type": type(exc).__name__, "message": str(exc)[:500], "where": ""}}
        except wire.WireError as exc:
            return {"error": {"type": "BadReturn", "message": f"{name} {exc}", "where": ""}}

    def describe_model(self, handle: str) -> dict:
        """A kept Keras model as plain data (:mod:`convlab.model_probe`)."""
        from convlab import model_probe, wire

        try:
            return {"value": wire.encode(model_probe.describe(self._resolve(wire.Handle(handle))))}
        except Exception as exc:  # the student's model may break the probe in any way
            return {"error": {"type": "BadModel", "message": f"{type(exc).__name__}: {str(exc)[:500]}", "where": ""}}

    def model_from_json(self, architecture: str, weights: list) -> dict:
        """A model the grader describes (Keras JSON, no custom code) with its weights, kept here.

        Lets a check give a student's function a known-good model, so that e.g.
        ``train_lenet`` is graded even when the student's ``build_lenet`` is broken.
        """
        from convlab import model_probe, wire

        try:
            model = model_probe.from_json(architecture, [wire.decode(w) for w in weights])
        except Exception as exc:  # the grader's own model: a bug there must not look like the student's
            return {"error": {"type": "GraderModel", "message": f"{type(exc).__name__}: {str(exc)[:500]}", "where": ""}}
        key = f"h{len(self.kept) + 1}"
        self.kept[key] = model
        return {"handle": key, "what": wire.describe(model)}

    def value(self, name: str) -> dict:
        """A global variable of the notebook (data the student wrote), as plain data."""
        from convlab import wire

        if name not in self.shell.user_ns:
            return {"error": {"type": "MissingVariable", "message": f"there is no variable named {name!r} in the notebook", "where": ""}}
        try:
            return {"value": wire.encode(self.shell.user_ns[name])}
        except wire.WireError as exc:
            return {"error": {"type": "BadReturn", "message": f"{name} holds {exc.args[0].removeprefix('returned ')}", "where": ""}}

    def handle(self, request: dict) -> dict:
        op = request.get("op")
        args, kwargs = list(request.get("args", [])), dict(request.get("kwargs", {}))
        keep = bool(request.get("keep"))
        if op == "run_cell":
            return self.run_cell(str(request["source"]))
        if op == "value":
            return self.value(str(request["name"]))
        if op == "call":
            return self.call(str(request["name"]), args, kwargs, keep)
        if op == "method":
            return self.method(str(request["handle"]), str(request["method"]), args, kwargs, keep)
        if op == "attribute":
            return self.attribute(str(request["handle"]), str(request["name"]))
        if op == "describe_model":
            return self.describe_model(str(request["handle"]))
        if op == "model_from_json":
            return self.model_from_json(str(request["architecture"]), list(request.get("weights", [])))
        return {"error": {"type": "ProtocolError", "message": f"unknown op {op!r}", "where": ""}}


def serve(worker: Worker, requests, replies) -> None:
    """Say ready, then answer requests until the grader closes the channel."""
    from convlab import wire

    owner = os.getpid()
    replies.write(wire.dumps({"id": 0, "ready": True}))
    for line in requests:
        request = wire.loads(line)
        reply = worker.handle(request)
        if os.getpid() != owner:  # a child the student's code forked: it must not answer too
            os._exit(0)
        reply["id"] = request.get("id")
        replies.write(wire.dumps(reply))


def main() -> None:
    requests, replies = private_channel()
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    serve(Worker(), requests, replies)


if __name__ == "__main__":
    main()
