"""How a worker process comes to be and how it ends: cold in a sandbox of its own, or forked from a template.

A cold worker is one sandbox and one fresh Python per worker
(:func:`convlab.sandbox.worker_command`). A warm one is forked by the grading
process's template (:mod:`convlab.forkserver`), which has imported the
notebooks' libraries once; it isolates itself as a cold worker is isolated
before any student code runs. Both give :class:`convlab.student.Worker` the same
handle: a channel to read and write, whether the process lives, how it ended,
and a kill that leaves nothing of it behind.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from convlab import sandbox

#: File endings by which a file in a submission folder is an importable module.
_MODULE_SUFFIXES = (".py", ".pyc", ".pyw", ".so", ".pyd")


class ColdProcess:
    """A worker in a sandbox of its own, talking over its stdin and stdout."""

    def __init__(self, kind: str, workdir: Path, limits: sandbox.Limits, overlays: dict[str, Path] | None):
        argv, env, cwd = sandbox.worker_command(kind, workdir, overlays, limits)
        self.uid = sandbox.private_uid() if kind == "bwrap" else None
        self.process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, cwd=cwd, start_new_session=True,
            preexec_fn=functools.partial(limits.apply, sandbox.process_limit(kind, limits)))
        self.reaper = sandbox.container_reaper(argv)

    def fileno(self) -> int:
        return self.process.stdout.fileno()

    def send(self, data: bytes) -> None:
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def alive(self) -> bool:
        return self.process.poll() is None

    def returncode(self, timeout: float) -> int | None:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """The worker and everything it started (its session; bwrap takes the namespace down,
        a private uid's processes are killed by uid, a container is removed by name)."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        sandbox.remove_container(self.process.args)
        sandbox.stop_reaper(self.reaper)
        self.returncode(10)
        sandbox.kill_private_processes(self.uid)
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass


class WarmProcess:
    """A worker forked by the template, talking over a socket of its own."""

    def __init__(self, template: "Template", pid: int, channel: socket.socket, uid: int):
        self.template, self.pid, self.channel, self.uid = template, pid, channel, uid

    def fileno(self) -> int:
        return self.channel.fileno()

    def send(self, data: bytes) -> None:
        self.channel.sendall(data)

    def alive(self) -> bool:
        return self.template.returncode(self.pid, 0) is None

    def returncode(self, timeout: float) -> int | None:
        return self.template.returncode(self.pid, timeout)

    def kill(self) -> None:
        """The fork's session through the template, then every process of the private uid."""
        self.template.kill(self.pid)
        sandbox.kill_private_processes(self.uid)
        self.template.returncode(self.pid, 5)
        self.channel.close()


class TemplateUnavailable(Exception):
    """The template could not start or has died: workers start cold, and the run says why once."""


class Template:
    """The grading process's template: started on its first worker, forking one per worker after.

    ``spool`` is the folder that holds the students' private copies (one folder each);
    ``preload`` the modules the notebooks import (:func:`notebook_imports`).
    """

    def __init__(self, spool: Path, preload: list[str], overlays: dict[str, Path] | None = None,
                 start_timeout: float = 120.0):
        self.spool = spool.resolve()
        self.preload = preload
        self.overlays = overlays or {}
        self.start_timeout = start_timeout
        self.uid = sandbox.private_uid()
        self.modules: set[str] = set()
        self.broken: str | None = None
        self._control: socket.socket | None = None
        self._process: subprocess.Popen | None = None
        self._exited: dict[int, int] = {}

    # -- life -------------------------------------------------------------------------
    def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        argv = sandbox.template_command(self.spool, theirs.fileno(), self.preload, self.overlays)
        self._process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         pass_fds=[theirs.fileno()], env={}, start_new_session=True,
                                         preexec_fn=sandbox.die_with_parent)
        theirs.close()
        self._control = ours
        ready = self._reply("ready", self.start_timeout)
        self.modules = set(ready.get("modules", []))
        if ready.get("failed"):
            print(f"convlab: the template could not import {', '.join(ready['failed'])}; "
                  "the notebooks import them themselves", file=sys.stderr)

    def close(self) -> None:
        if self._process is not None:
            self._control.close()
            self._control = None
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
            sandbox.kill_private_processes(self.uid)
            self._process = None

    # -- workers ----------------------------------------------------------------------
    def spawn(self, workdir: Path, limits: sandbox.Limits) -> WarmProcess | None:
        """A warm worker for ``workdir``, or None where it must start cold: a folder outside the
        spool, or one whose files shadow a module the template has imported (in a fresh Python
        those files would be imported instead: the student's notebook must meet them)."""
        if self.broken or workdir.resolve().parent != self.spool:
            return None
        try:
            if self._process is None:
                self._start()
            if self._shadows(workdir):
                return None
            sandbox.hand_over(workdir, self.uid)
            ours, theirs = socket.socketpair()
            request = {"op": "spawn", "folder": workdir.name, "uid": self.uid, "limits": dataclasses.asdict(limits),
                       "processes": sandbox.process_limit("bwrap", limits)}
            try:
                socket.send_fds(self._control, [json.dumps(request).encode()], [theirs.fileno()])
            finally:
                theirs.close()
            pid = self._reply("spawned", 30)["spawned"]
        except Exception as error:  # its socket gone with it, or a fault of the template's: grading goes on cold
            self.disable(str(error) if isinstance(error, TemplateUnavailable) else
                         f"the template process failed ({type(error).__name__}: {error}; {self._ended()})")
            return None
        return WarmProcess(self, int(pid), ours, self.uid)

    def _shadows(self, workdir: Path) -> bool:
        try:
            names = os.listdir(workdir)
        except OSError:
            return True
        for name in names:
            path = workdir / name
            if path.is_dir() or name.endswith(_MODULE_SUFFIXES):
                if name.split(".")[0] in self.modules:
                    return True
        return False

    def disable(self, why: str) -> None:
        """Start every later worker cold, and say why once."""
        if not self.broken:
            self.broken = why
            print(f"convlab: workers start cold from now on: {why}", file=sys.stderr)
            self.close()

    def kill(self, pid: int) -> None:
        if self._control is not None and self._exited.get(pid) is None:
            try:
                self._control.send(json.dumps({"op": "kill", "pid": pid}).encode())
            except OSError:
                pass

    def returncode(self, pid: int, timeout: float) -> int | None:
        """How worker ``pid`` ended, waiting up to ``timeout`` s for it; None while it runs."""
        deadline = time.monotonic() + timeout
        while pid not in self._exited:
            try:
                if self._read(deadline) is None:
                    break
            except TemplateUnavailable:  # its forks die with it: this one is lost
                self._exited[pid] = -signal.SIGKILL
        return self._exited.get(pid)

    def _reply(self, key: str, timeout: float) -> dict:
        """The next control message holding ``key`` (exits are recorded on the way)."""
        deadline = time.monotonic() + timeout
        while True:
            message = self._read(deadline)
            if message is None:
                raise TemplateUnavailable(f"the template did not answer within {timeout:g} s")
            if key in message:
                return message

    def _read(self, deadline: float) -> dict | None:
        """One control message, or None at the deadline; an exit is recorded as it passes."""
        if self._control is None:
            raise TemplateUnavailable("the template is closed")
        ready, _, _ = select.select([self._control], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return None
        data = self._control.recv(1 << 16)
        if not data:
            raise TemplateUnavailable(f"the template process ended ({self._ended()})")
        message = json.loads(data)
        if "exited" in message:
            self._exited[int(message["exited"])] = int(message["returncode"])
        return message

    def _ended(self) -> str:
        code = self._process.poll() if self._process else None
        return "still running" if code is None else f"exit code {code}"


#: Python 3.11's ast.parse can fail with "SystemError: AST constructor recursion depth mismatch"
#: when two threads parse at once (CPython gh-106905); graders that grade several runs in threads
#: of one process (the test suite does) parse one notebook at a time.
_PARSING = threading.Lock()


def notebook_imports(notebook) -> list[str]:
    """The modules an instructor's notebook imports (``import a.b``, ``from c import d``), in order.

    The template imports them before any student's notebook does. Read from ``source/``,
    which the instructor wrote; the public checks' modules are left out (grading stubs them).
    """
    import ast

    from convlab.worker import PUBLIC_CHECK_MODULES

    found: list[str] = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            with _PARSING:
                tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics and the like: nothing to import from there
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found += [name for name in names if name.split(".")[0] != "otter"
                      and name not in PUBLIC_CHECK_MODULES and name not in found]
    return found
