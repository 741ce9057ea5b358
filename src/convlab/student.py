"""The grader's handle on one student's code: start the worker, run the notebook, call functions.

Everything the hidden checks know about a student comes through
:meth:`Student.call`. Time limits are enforced here, from outside the worker:
a call that runs too long or a worker that dies fails the check that made the
call, and the next call starts a fresh worker that replays the notebook's cells
(without the ones that hung or killed it), so one bad function costs only its
own points.
"""

from __future__ import annotations

import os
import select
import signal
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from convlab import launch, sandbox, wire

#: A reply larger than this is refused (an array bigger than any exercise needs).
MAX_REPLY_BYTES = 256 * 2**20


class StudentError(AssertionError):
    """The student's code failed in a way that fails the check; the message says how."""


class WorkerLost(Exception):
    """The worker hung, died or broke the protocol; the message says which, for the student."""

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


@dataclass
class CellRun:
    """What happened to one code cell of the notebook."""

    index: int
    outputs: list = field(default_factory=list)
    error: dict | None = None
    lost: str | None = None  # why the worker was lost while running it (timeout, crash)


def _signal_name(returncode: int) -> str:
    """How a worker ended; a sandbox's init (bwrap, docker) reports a death by signal N as exit code 128 + N."""
    if returncode is not None and (returncode < 0 or 128 < returncode <= 128 + 64):
        number = -returncode if returncode < 0 else returncode - 128
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        hints = {"SIGSEGV": " (a segmentation fault: memory read out of bounds, e.g. by as_strided)",
                 "SIGKILL": " (killed: too much memory or time)", "SIGABRT": " (aborted)"}
        return f"{name}{hints.get(name, '')}"
    return f"exit code {returncode}"


class Worker:
    """One running worker process (cold, or forked from a template) and the protocol to it."""

    def __init__(self, process: launch.ColdProcess | launch.WarmProcess):
        self.process = process
        self._buffer = b""
        self._next_id = 1
        self.called: set[str] = set()  # functions this process has run (imports they do are paid)

    @classmethod
    def start(cls, sandbox_kind: str, workdir: Path, limits: sandbox.Limits,
              overlays: dict[str, Path] | None = None, template: launch.Template | None = None) -> "Worker":
        """Forked from ``template`` where it can, else started cold."""
        warm = template.spawn(workdir, limits) if template is not None else None
        return cls(warm or launch.ColdProcess(sandbox_kind, workdir, limits, overlays))

    def request(self, message: dict, timeout: float, doing: str) -> dict:
        message = dict(message, id=self._next_id)
        self._next_id += 1
        try:
            self.process.send(wire.dumps(message))
        except (BrokenPipeError, OSError):
            raise WorkerLost(self._death(doing)) from None
        return self._read_reply(message["id"], timeout, doing)

    def wait_ready(self, timeout: float) -> None:
        reply = self._read_reply(0, timeout, "starting Python")
        if reply.get("isolation"):  # a fork that could not isolate itself ran nothing of the student's
            raise launch.TemplateUnavailable(f"a forked worker could not isolate itself: {reply['isolation']}")

    def _read_reply(self, expected_id: int, timeout: float, doing: str) -> dict:
        deadline = time.monotonic() + timeout
        fd = self.process.fileno()
        while True:
            newline = self._buffer.find(b"\n")
            if newline >= 0:
                line, self._buffer = self._buffer[:newline], self._buffer[newline + 1:]
                try:
                    reply = wire.loads(line)
                except (ValueError, wire.WireError):
                    self.kill()
                    raise WorkerLost(f"the worker sent a malformed reply while {doing}") from None
                if reply.get("id") != expected_id:
                    self.kill()
                    raise WorkerLost(f"the worker sent an unexpected reply while {doing}")
                return reply
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise WorkerLost(f"timed out after {timeout:g} s while {doing} (an endless loop?)", timed_out=True)
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise WorkerLost(self._death(doing))
            self._buffer += chunk
            if len(self._buffer) > MAX_REPLY_BYTES:
                self.kill()
                raise WorkerLost(f"the reply while {doing} was larger than {MAX_REPLY_BYTES >> 20} MB")

    def _death(self, doing: str) -> str:
        code = self.process.returncode(timeout=5)
        if code is None:
            self.kill()
            code = self.process.returncode(timeout=0)
        return f"the Python process died while {doing}: {_signal_name(code)}"

    @property
    def forked(self) -> bool:
        return isinstance(self.process, launch.WarmProcess)

    def alive(self) -> bool:
        return self.process.alive()

    def kill(self) -> None:
        """Kill the worker and everything it started."""
        self.process.kill()


class Student:
    """A student's notebook, executed in a sandboxed worker, with calls into it."""

    def __init__(self, student_id: str, workdir: Path, cells: list[str], *, sandbox_kind: str,
                 cell_timeout: float = 20.0, call_timeout: float = 5.0, first_call_timeout: float = 30.0,
                 start_timeout: float = 60.0, limits: sandbox.Limits = sandbox.Limits(),
                 overlays: dict[str, Path] | None = None, template: launch.Template | None = None):
        self.id = student_id
        self.workdir = workdir
        self.cells = cells
        self.sandbox_kind = sandbox_kind
        self.cell_timeout = cell_timeout
        self.call_timeout = call_timeout
        self.first_call_timeout = first_call_timeout
        self.start_timeout = start_timeout
        self.limits = limits
        self.overlays = overlays or {}
        self.template = template  # the grading process's, when workers may be forked from one
        self.cell_runs: list[CellRun] = []
        self.mutated: list = []
        #: The notebook's names the checks used (functions called, variables read): which exercises they grade.
        self.functions_called: set[str] = set()
        self.raised_message: str | None = None
        self._worker: Worker | None = None
        self._bad_cells: set[int] = set()
        self._hung: set[str] = set()  # functions that already ran out of time once
        self._generation = 0  # which worker process this is: handles do not outlive theirs
        self._time_limit: float | None = None

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        """Run the whole notebook once, recording each cell's outputs for the feedback."""
        self.cell_runs = self._run_cells(record=True)

    def _run_cells(self, record: bool) -> list[CellRun]:
        runs = []
        self._worker = self._spawn()
        for index, source in enumerate(self.cells):
            if index in self._bad_cells:
                continue
            run = CellRun(index)
            try:
                reply = self._worker.request({"op": "run_cell", "source": source}, self.cell_timeout,
                                             f"running cell {index + 1}")
                run.outputs = reply.get("outputs", []) if record else []
                run.error = reply.get("error")
            except WorkerLost as lost:
                run.lost = str(lost)
                self._bad_cells.add(index)
                self._worker = self._spawn()
                # Replay what ran before the bad cell so later cells see the same state.
                for earlier in runs:
                    if earlier.lost is None:
                        self._replay(earlier.index)
            runs.append(run)
        return runs

    def _replay(self, index: int) -> None:
        try:
            self._worker.request({"op": "run_cell", "source": self.cells[index]}, self.cell_timeout,
                                 f"running cell {index + 1} again")
        except WorkerLost:
            self._bad_cells.add(index)
            self._worker = self._spawn()

    def _spawn(self) -> Worker:
        if self._worker is not None:  # what a lost worker left must not eat the next one's process budget
            self._worker.kill()
            self._worker = None
        self._generation += 1
        if self.template is not None and not self.template.broken:
            worker = self._ready_worker(self.template)
            if worker is not None:
                return worker
        return self._ready_worker(None)

    def _ready_worker(self, template: launch.Template | None) -> Worker | None:
        """A worker that has said ready; None when a fork of ``template`` failed before it did."""
        worker = Worker.start(self.sandbox_kind, self.workdir, self.limits, self.overlays, template)
        try:
            worker.wait_ready(self.start_timeout)
            return worker
        except (WorkerLost, launch.TemplateUnavailable) as error:
            worker.kill()
            if worker.forked:  # nothing of the student's ran before ready: the template is at fault
                template.disable(f"a forked worker failed to start: {error}")
                return None
            # e.g. a file in the submission shadows a module Python needs
            raise StudentError(f"Python could not start in your submission folder: {error}") from None

    def close(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._worker = None

    @property
    def forked(self) -> bool:
        """Whether the live worker was forked from a template (else it started cold)."""
        return self._worker is not None and self._worker.forked

    # -- what checks use ---------------------------------------------------------
    @contextmanager
    def time_limit(self, seconds: float):
        """Calls made inside get ``seconds`` each: training a network needs more than a function."""
        self._time_limit = seconds
        try:
            yield
        finally:
            self._time_limit = None

    def _timeout(self, name: str) -> float:
        """A function's first call in a process may import a library (Keras takes ~5 s), so it
        gets longer, unless the function already hung once: an endless loop is not paid twice."""
        if self._time_limit is not None:
            return self._time_limit
        if name in self._ensure_worker().called or name in self._hung:
            return self.call_timeout
        return max(self.first_call_timeout, self.call_timeout)

    def _ensure_worker(self) -> Worker:
        """The live worker; after a crash or timeout, a fresh one that has replayed the notebook."""
        if self._worker is None or not self._worker.alive():
            self._run_cells(record=False)
        return self._worker

    def _request(self, message: dict, name: str, timeout: float) -> dict:
        self._ensure_worker()
        try:
            return self._worker.request(message, timeout, f"running {name}")
        except WorkerLost as lost:
            self._worker = None
            if lost.timed_out:
                self._hung.add(name)
            raise StudentError(f"{name}: {lost}") from None

    def _op(self, label: str, op: str, args=(), kwargs=None, **fields) -> dict:
        """One request to the worker about ``label`` (a function, a model), with its time limit."""
        timeout = self._timeout(label)  # first: it starts a fresh worker if the last one was lost
        kwargs = kwargs or {}
        message = {"op": op, **fields, "args": [self._encode(a) for a in args],
                   "kwargs": {k: self._encode(v) for k, v in kwargs.items()}}
        self._worker.called.add(label)
        reply = self._request(message, label, timeout)
        self.mutated = [] if reply.get("error") else _changed({**dict(enumerate(args)), **kwargs}, reply.get("changed"))
        return reply

    def _call(self, name: str, args, kwargs, keep: bool = False) -> dict:
        self.functions_called.add(name)
        return self._op(name, "call", args, kwargs, name=name, keep=keep)

    def _key(self, handle: wire.Handle) -> str:
        """The worker's name for a kept object, if the worker that keeps it is still this one."""
        if handle.worker != self._generation:
            raise StudentError(f"{handle.what} was lost when your notebook's Python process was restarted "
                               "(after a crash or a timeout in an earlier check)")
        return handle.key

    def _encode(self, value):
        if isinstance(value, wire.Handle):
            self._key(value)
        return wire.encode(value)

    def keep(self, name: str, *args, **kwargs) -> wire.Handle:
        """Call ``name`` and keep what it returns in the worker (a Keras model, a History):
        the handle can be passed back as an argument or used with :meth:`method`."""
        reply = self._call(name, args, kwargs, keep=True)
        if reply.get("error"):
            raise StudentError(_describe_error(name, reply["error"]))
        return wire.Handle(str(reply["handle"]), self._generation, f"the result of {name}", str(reply.get("what", ""))[:200])

    def method(self, handle: wire.Handle, method: str, *args, **kwargs):
        """``kept.method(*args, **kwargs)`` in the worker, e.g. the student's ``model.predict(x)``."""
        self._ensure_worker()
        label = f"{method}() on {handle.what}"
        return self._plain(label, self._op(label, "method", args, kwargs, handle=self._key(handle), method=method))

    def attribute(self, handle: wire.Handle, name: str):
        """An attribute of a kept object as plain data, e.g. a History's ``history`` dict; a dotted
        name follows attributes (``"optimizer.iterations"`` of a trained model)."""
        self._ensure_worker()
        label = f"{name} of {handle.what}"
        return self._plain(label, self._op(label, "attribute", handle=self._key(handle), name=name))

    def describe_model(self, handle: wire.Handle) -> dict:
        """A kept Keras model as plain data (:func:`convlab.model_probe.describe`)."""
        self._ensure_worker()
        return self._plain(handle.what, self._op(handle.what, "describe_model", handle=self._key(handle)))

    def model_from_json(self, architecture: str, weights: list) -> wire.Handle:
        """A model the grader specifies, built in the worker, to hand to the student's functions."""
        reply = self._op("the course's model", "model_from_json", architecture=architecture,
                         weights=[wire.encode(w) for w in weights])
        if reply.get("error"):  # the grader's own model failed: that is not the student's fault
            raise RuntimeError(f"building the grader's model in the worker failed: {reply['error']}")
        return wire.Handle(str(reply["handle"]), self._generation, "the course's model")

    def _plain(self, name: str, reply: dict):
        error = reply.get("error")
        if error:
            raise StudentError(_describe_error(name, error))
        try:
            return wire.decode(reply.get("value"))
        except (wire.WireError, ValueError, TypeError) as exc:
            raise StudentError(f"{name} returned something that cannot be graded: {exc}") from None

    def value(self, name: str):
        """A global variable of the student's notebook (data they wrote), as plain data."""
        self.functions_called.add(name)
        reply = self._request({"op": "value", "name": name}, name, self.call_timeout)
        if reply.get("error"):
            raise StudentError(_describe_error(name, reply["error"]))
        try:
            return wire.decode(reply.get("value"))
        except (wire.WireError, ValueError, TypeError) as exc:
            raise StudentError(f"{name} holds something that cannot be graded: {exc}") from None

    def call(self, name: str, *args, **kwargs):
        """Call the student's ``name(*args, **kwargs)``; return its result as plain data."""
        return self._plain(name, self._call(name, args, kwargs))

    def raises(self, name: str, *args, **kwargs) -> str | None:
        """The name of the exception ``name(*args, **kwargs)`` raised, or None if it returned.

        The exception's message is kept in ``raised_message`` (checks may ask that it names
        the culprit, e.g. the layer of a stack that cannot be built)."""
        reply = self._call(name, args, kwargs)
        error = reply.get("error")
        if error and error.get("type") in ("MissingFunction", "NotCallable"):
            raise StudentError(_describe_error(name, error))
        self.raised_message = str(error.get("message", "")) if error else None
        return str(error["type"]) if error else None

    def __repr__(self) -> str:
        return f"Student({self.id!r})"


def _changed(sent: dict, reported) -> list:
    """The array arguments (positions, keyword names) that a call changed in place, in the order
    they were sent: those the worker names in ``reported`` (its comparison with its own copy),
    read only for the arrays the grader sent."""
    names = {str(item) for item in reported} if isinstance(reported, list) else set()
    return [key for key, original in sent.items() if type(original) is np.ndarray and str(key) in names]


def _describe_error(name: str, error: dict) -> str:
    kind, message = str(error.get("type", "Error")), str(error.get("message", ""))
    if kind in ("MissingFunction", "MissingVariable", "NotCallable", "BadReturn", "BadModel"):
        return message[:500]
    if kind == "NotImplementedError":
        return f"{name} is not implemented yet (it raises NotImplementedError)"
    where = f" at {error['where']}" if error.get("where") else ""
    return f"{name} raised {kind}: {message[:300]}{where}"
