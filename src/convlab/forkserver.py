"""The template: imports what the notebooks need once, then forks a fresh worker for each student.

Starting a worker costs more than most notebooks: Python, IPython, NumPy and
Matplotlib take about half a second, TensorFlow five. A grading process
therefore starts one template inside its sandbox (:func:`convlab.sandbox.template_command`),
which imports all of that once and then, for each worker asked of it on its
control socket, forks. The template never runs a line of student code; each
fork becomes one student's worker (:mod:`convlab.worker`) only after it has
made itself what a sandbox of its own would be:

* a mount namespace of its own, in which the student's private copy is bound at
  the sandbox's usual place, ``/tmp`` is a fresh tmpfs (holding again what the
  sandbox mounts below /tmp), and the folder holding every student's copy (the
  spool) is unmounted;
* an IPC namespace of its own;
* the grading process's private uid, no capabilities in any set, no way to
  gain any (``no_new_privs``, an empty bounding set), and the worker's
  resource limits;
* its own session, killed with the template.

The rest (no network, its own pids, the read-only environment) is the
template's sandbox, shared with the students before and after it. Students
follow each other in a template, never run side by side: the grader kills
everything of the private uid before it asks for the next worker, as it does
between cold workers. Capabilities the template keeps for this
(``CAP_SYS_ADMIN`` among them) are gone before the student's code runs, and
the child checks that they are, from ``/proc/self/status``, before it says ready.

Control messages are JSON over a ``SOCK_SEQPACKET`` socket (one message each);
a spawn request carries the worker's end of its channel as a file descriptor::

    → {"op": "spawn", "folder": "alice", "uid": 1073749999, "limits": {...}, "processes": 1024}  + fd
    ← {"spawned": 12}
    ← {"exited": 12, "returncode": -11}          (whenever a worker ends)
    → {"op": "kill", "pid": 12}
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import random
import re
import select
import signal
import socket
import sys
import traceback

from convlab import sandbox, worker

#: Where the template's sandbox shows the folder that holds every student's private copy.
SPOOL = "/run/convlab"

_CLONE_NEWNS, _CLONE_NEWIPC = 0x00020000, 0x08000000
_MS_NOSUID, _MS_NODEV, _MS_BIND, _MS_MOVE, _MS_REC, _MS_PRIVATE = 0x2, 0x4, 0x1000, 0x2000, 0x4000, 0x40000
_MNT_DETACH = 2
_PR_SET_PDEATHSIG, _PR_CAPBSET_DROP, _PR_SET_NO_NEW_PRIVS, _PR_CAP_AMBIENT = 1, 24, 38, 47
_PR_CAP_AMBIENT_CLEAR_ALL = 4
_CAPABILITY_VERSION_3 = 0x20080522
_MAX_MESSAGE = 1 << 16

_libc = ctypes.CDLL(None, use_errno=True)


class IsolationFailed(RuntimeError):
    """A forked worker could not make itself a sandbox; it must not run student code."""


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise IsolationFailed(f"{what}: {os.strerror(errno)}")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _own_namespaces(folder: str, workdir: str) -> None:
    """The sandbox's view for one student: their copy at ``workdir``, a fresh /tmp, no spool."""
    _check(_libc.unshare(_CLONE_NEWNS | _CLONE_NEWIPC), "unshare")
    _check(_libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None), "make the mounts private")
    source = os.path.join(SPOOL, folder)
    if os.path.dirname(source) != SPOOL or not os.path.isdir(source):
        raise IsolationFailed(f"no private copy named {folder!r}")
    _check(_libc.mount(source.encode(), workdir.encode(), None, _MS_BIND, None), "bind the private copy")
    _check(_libc.umount2(SPOOL.encode(), _MNT_DETACH), "unmount the spool")
    _fresh_tmp()
    os.chdir(workdir)


def _fresh_tmp() -> None:
    """An empty /tmp of the fork's own, with what the sandbox mounted below /tmp mounted there again.

    The environment itself may live under /tmp (a checkout in /tmp/..., its .venv): the
    sandbox binds it read-only on its /tmp, and a tmpfs laid over /tmp would hide it.
    So the new tmpfs is built where the spool was, those mounts are bound into it as
    they are (read-only stays read-only), and it is then moved over /tmp.
    """
    _check(_libc.mount(b"tmpfs", SPOOL.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, b"mode=1777"), "mount a new /tmp")
    for point in _mounts_below("/tmp"):
        inside = SPOOL + point[len("/tmp"):]
        if os.path.isdir(point):
            os.makedirs(inside, exist_ok=True)
        else:  # a single file shown in place (an overlay): the mount point is a file
            os.makedirs(os.path.dirname(inside), exist_ok=True)
            open(inside, "a").close()
        _check(_libc.mount(point.encode(), inside.encode(), None, _MS_BIND | _MS_REC, None), f"bind {point}")
    _check(_libc.mount(SPOOL.encode(), b"/tmp", None, _MS_MOVE, None), "move the new /tmp in place")


def _mounts_below(folder: str) -> list[str]:
    """The outermost mount points strictly below ``folder`` (a recursive bind of each takes the rest)."""
    points = []
    for line in open("/proc/self/mountinfo").read().splitlines():
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), line.split()[4])  # \040 is a space
        if point.startswith(folder + "/"):
            points.append(point)
    outermost = []
    for point in sorted(set(points)):
        if not any(point.startswith(top + "/") for top in outermost):
            outermost.append(point)
    return outermost


def _drop_privileges(uid: int) -> None:
    """Become ``uid`` with no capability in any set and no way to gain one."""
    if uid < sandbox.PRIVATE_UID_BASE:  # a worker runs as the grading process's private uid, never another
        raise IsolationFailed(f"uid {uid} is not a private uid")
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    for cap in range(last + 1):
        _check(_libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0), "drop the bounding set")
    _libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # clears the permitted and effective sets
    _check(_libc.capset(ctypes.byref(_CapHeader(_CAPABILITY_VERSION_3, 0)), (_CapData * 2)()), "clear capabilities")
    _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set no_new_privs")
    verify_dropped(uid)


def verify_dropped(uid: int) -> None:
    """Raise unless this process is ``uid`` with every capability set empty and no_new_privs set."""
    status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
    kept = {key: status[key].strip() for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")
            if int(status[key], 16)}
    if kept or status["NoNewPrivs"].strip() != "1" or int(status["Uid"].split()[0]) != uid:
        raise IsolationFailed(f"privileges left after dropping them: {kept or status['Uid'].strip()}")


def _reseed() -> None:
    """Every fork starts from the template's random state; students must not share draws."""
    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def _close_inherited(control: socket.socket, keep: int) -> None:
    """Close every descriptor the template had but the worker's channel (and stdio, redirected later)."""
    os.close(control.detach())
    for fd in map(int, os.listdir("/proc/self/fd")):
        if fd > 2 and fd != keep:
            try:
                os.close(fd)
            except OSError:  # the listing's own descriptor, closed meanwhile
                pass


def _become_worker(template, control: socket.socket, channel: int, request: dict) -> None:
    """In the fork: isolate, drop privileges, then serve the student (never returns)."""
    code = 0
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _close_inherited(control, channel)
        os.setsid()
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        _own_namespaces(str(request["folder"]), sandbox.SANDBOX_WORKDIR)
        sandbox.Limits(**request["limits"]).apply(request.get("processes"))
        _drop_privileges(int(request["uid"]))
        for folder in template.tmp_folders:  # what the imports made in /tmp (e.g. MPLCONFIGDIR), empty
            os.makedirs(folder, exist_ok=True)
        _reseed()
        sys.path[0] = os.getcwd()  # as `python -m convlab.worker` started in the copy has it
        requests, replies = worker.private_channel(channel, channel)
        os.close(channel)
    except BaseException:
        # Nothing of the student's has run: say why on the channel, as the grader expects a reply.
        message = traceback.format_exc(limit=3)[-1000:]
        os.write(channel, json.dumps({"id": 0, "ready": False, "isolation": message}).encode() + b"\n")
        os._exit(70)
    try:
        worker.serve(template.worker, requests, replies)
    except BaseException:
        code = 1
    os._exit(code)


class Template:
    """The template process's state: the worker object every fork starts from, and its children."""

    def __init__(self, control: socket.socket, preload: list[str]):
        self.control = control
        self.worker = worker.Worker()
        self.failed = self.worker.preload(preload)
        _draw_a_figure()
        self.tmp_folders = sorted(root for root, _, _ in os.walk("/tmp") if root != "/tmp")
        self.children: set[int] = set()

    def send(self, message: dict) -> None:
        self.control.send(json.dumps(message).encode())

    def serve(self) -> None:
        # What the template holds stays out of the forks' garbage collections: collecting
        # would write to every page of it, and each fork would copy them all.
        gc.freeze()
        self.send({"ready": True, "modules": sorted({name.split(".")[0] for name in sys.modules}),
                   "threads": len(os.listdir("/proc/self/task")), "failed": self.failed})
        # A worker's death wakes the loop at once: the grader waits for its exit status.
        wake, woken = os.pipe()
        os.set_blocking(woken, False)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.set_wakeup_fd(woken)
        while True:
            readable, _, _ = select.select([self.control, wake], [], [], 1.0)
            if wake in readable:
                os.read(wake, 1024)
            self._reap()
            if self.control not in readable:
                continue
            data, fds, _, _ = socket.recv_fds(self.control, _MAX_MESSAGE, 1)
            if not data:  # the grader is gone: so are its students
                for pid in self.children:
                    _kill(pid)
                return
            request = json.loads(data)
            if request.get("op") == "spawn" and fds:
                pid = os.fork()
                if pid == 0:
                    _become_worker(self, self.control, fds[0], request)
                os.close(fds[0])
                self.children.add(pid)
                self.send({"spawned": pid})
            elif request.get("op") == "kill":
                _kill(int(request["pid"]))
            for fd in fds if request.get("op") != "spawn" else fds[1:]:
                os.close(fd)

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.children.discard(pid)
            self.send({"exited": pid, "returncode": os.waitstatus_to_exitcode(status)})


def _draw_a_figure() -> None:
    """Draw and save one figure as the inline backend does, when Matplotlib is preloaded.

    A process's first figure loads fonts, builds the mathtext parser and the PNG writer:
    a quarter of a second that every fork would pay again for the notebook's first plot.
    """
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    from IPython.core.pylabtools import print_figure

    figure, axes = plt.subplots(1, 2)
    axes[0].plot([0.0, 1.0], [1.0, 0.0], label=r"$(f * g)(t)$")
    axes[0].stem([1.0, -1.0])
    axes[0].legend()
    axes[1].imshow([[0.0, 1.0], [1.0, 0.0]], cmap="gray")
    axes[1].set_title("warm-up")
    figure.tight_layout()
    print_figure(figure, "png", bbox_inches="tight")
    plt.close(figure)


def _kill(pid: int) -> None:
    """The worker's session (its own processes; the grader kills the rest by uid)."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description="convlab's template process (started by the grader)")
    parser.add_argument("--control", type=int, required=True, help="fd of the control socket")
    parser.add_argument("--preload", default="", help="modules to import, comma-separated")
    args = parser.parse_args()
    control = socket.socket(fileno=args.control)
    os.set_inheritable(control.fileno(), False)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    Template(control, [m for m in args.preload.split(",") if m]).serve()


if __name__ == "__main__":
    main()
