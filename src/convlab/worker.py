"""The untrusted side: runs one student's notebook and answers calls into it.

Started by :mod:`convlab.sandbox` inside the sandbox, one process per student.
It reads requests (one JSON line each) on the pipe it was given as stdin and
answers on the pipe it was given as stdout; everything the student's code
prints goes elsewhere, so a stray ``print`` cannot break the protocol. Nothing
here is trusted by the grader: a student who rewrites this process can only
change the answers of their own functions, which the grader compares with
values it computes itself.

Requests::

    {"id": 1, "op": "run_cell", "source": "..."}
    {"id": 2, "op": "call", "name": "conv2d", "args": [...], "kwargs": {...}}
"""

from __future__ import annotations

import os
import sys
import traceback
import types

#: Output kept per cell; more is cut with a note (a cell printing 100 MB must not sink the grader).
MAX_CELL_OUTPUT = 200_000


def _private_channel():
    """Move the protocol pipes off fds 0/1/2 so the student's code cannot write on them by accident."""
    requests = os.fdopen(os.dup(0), "rb", buffering=0)
    replies = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDWR)
    log = os.open("worker.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(devnull, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.stdin = open(os.devnull)
    sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
    sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
    return requests, replies


def _otter_stub() -> types.ModuleType:
    """``import otter`` inside grading: public checks are not the grade, the hidden checks are.

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


class Worker:
    def __init__(self):
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.utils.capture import capture_output

        self._capture_output = capture_output
        self.shell = InteractiveShell.instance()
        self.shell.colors = "NoColor"
        sys.modules["otter"] = _otter_stub()

    # -- cells -----------------------------------------------------------------
    def run_cell(self, source: str) -> dict:
        with self._capture_output(display=True) as captured:
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
    def call(self, name: str, args: list, kwargs: dict) -> dict:
        import numpy as np

        from convlab import wire

        function = self.shell.user_ns.get(name)
        if function is None:
            return {"error": {"type": "MissingFunction", "message": f"there is no function named {name!r} in the notebook", "where": ""}}
        if not callable(function):
            return {"error": {"type": "NotCallable", "message": f"{name!r} is {wire.describe(function)}, not a function", "where": ""}}
        args = [wire.decode(a) for a in args]
        kwargs = {k: wire.decode(v) for k, v in kwargs.items()}
        originals = {i: a.copy() for i, a in enumerate(args) if isinstance(a, np.ndarray)}
        originals.update({k: v.copy() for k, v in kwargs.items() if isinstance(v, np.ndarray)})
        try:
            with self._capture_output(display=True):
                value = function(*args, **kwargs)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt are the student's too
            return {"error": _error(exc)}
        current = {**dict(enumerate(args)), **kwargs}
        mutated = [key for key, before in originals.items()
                   if not (current[key].shape == before.shape
                           and np.array_equal(current[key], before, equal_nan=True))]
        try:
            encoded = wire.encode(value)
        except wire.WireError as exc:
            return {"error": {"type": "BadReturn", "message": f"{name} {exc}", "where": ""}}
        return {"value": encoded, "mutated": mutated}

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
        if op == "run_cell":
            return self.run_cell(str(request["source"]))
        if op == "value":
            return self.value(str(request["name"]))
        if op == "call":
            return self.call(str(request["name"]), list(request.get("args", [])), dict(request.get("kwargs", {})))
        return {"error": {"type": "ProtocolError", "message": f"unknown op {op!r}", "where": ""}}


def main() -> None:
    requests, replies = _private_channel()
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    from convlab import wire

    worker = Worker()
    replies.write(wire.dumps({"id": 0, "ready": True}))
    for line in requests:
        request = wire.loads(line)
        reply = worker.handle(request)
        reply["id"] = request.get("id")
        replies.write(wire.dumps(reply))


if __name__ == "__main__":
    main()
