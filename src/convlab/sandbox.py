"""How a worker process is started: inside bubblewrap, or (loudly) without isolation.

The sandbox sees the Python environment read-only, the convlab package
read-only, and one writable folder: the private copy of one student's
submission. It has no network, no view of other processes, no capabilities and
runs as uid 65534; ``grader_tests/``, the gradebook and the other students'
folders are simply not mounted. Resource limits apply in both modes.
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import convlab

#: Where the student's folder appears inside the sandbox.
SANDBOX_HOME = "/home/student"
SANDBOX_WORKDIR = f"{SANDBOX_HOME}/submission"

NOT_ISOLATED_WARNING = (
    "WARNING: bubblewrap (bwrap) is not available: student code runs in a plain subprocess "
    "with resource limits only. It is NOT isolated from this machine; use --sandbox bwrap "
    "(apt-get install bubblewrap) or docker for real grading."
)


@dataclass(frozen=True)
class Limits:
    """Resource limits for one worker; generous for numpy, tight enough to stop a bomb."""

    memory_bytes: int = 4 * 2**30
    file_bytes: int = 256 * 2**20
    open_files: int = 512
    cpu_seconds: int = 900

    def apply(self) -> None:
        """Run in the child between fork and exec (``preexec_fn``)."""
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_bytes, self.file_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))
        resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_seconds, self.cpu_seconds))


def bwrap_available() -> bool:
    return sys.platform.startswith("linux") and shutil.which("bwrap") is not None


def choose(requested: str | None) -> str:
    """The sandbox to use: the requested one, else bwrap where it exists, else none."""
    if requested in (None, "auto"):
        return "bwrap" if bwrap_available() else "none"
    if requested == "bwrap" and not bwrap_available():
        raise RuntimeError("--sandbox bwrap asked for, but bwrap is not installed (apt-get install bubblewrap)")
    if requested not in ("bwrap", "none"):
        raise ValueError(f"unknown sandbox {requested!r}: choose bwrap or none")
    return requested


def _worker_env(home: str) -> dict[str, str]:
    env = {
        "HOME": home,
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MPLCONFIGDIR": "/tmp/matplotlib" if home == SANDBOX_HOME else str(Path(home) / ".matplotlib"),
        "IPYTHONDIR": "/tmp/ipython" if home == SANDBOX_HOME else str(Path(home) / ".ipython"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        # Several workers share the cores: one thread each keeps them from fighting.
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    # Some OpenBLAS builds compute wrong results on some CPUs without these.
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def _readonly_roots() -> list[str]:
    """The folders the worker needs to read: the interpreter, the environment, convlab itself."""
    package_root = Path(convlab.__file__).resolve().parent.parent
    if (package_root / "grader_tests").exists():
        raise RuntimeError(f"convlab is imported from {package_root}, which holds grader_tests/: "
                           "mounting it would show the hidden checks to students; install the package")
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(package_root),
             str(Path(sys.executable).resolve().parent.parent)}
    return sorted(r for r in roots if not r.startswith("/usr/"))


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib64", "lib32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ("ld.so.cache", "localtime", "nsswitch.conf", "passwd", "group"):
        if (Path("/etc") / name).exists():
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    return args


def _gpu_binds() -> list[str]:
    """NVIDIA device files, when this machine has them, so training can use the GPU."""
    args = []
    for device in sorted(Path("/dev").glob("nvidia*")):
        args += ["--dev-bind", str(device), str(device)]
    if Path("/proc/driver/nvidia").exists():
        args += ["--ro-bind", "/proc/driver/nvidia", "/proc/driver/nvidia"]
    return args


def worker_command(kind: str, workdir: Path) -> tuple[list[str], dict[str, str], Path | None]:
    """The argv, environment and cwd that start a worker for ``workdir``."""
    python = [sys.executable, "-m", "convlab.worker"]
    if kind == "none":
        return python, _worker_env(str(workdir)), workdir
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--uid", "65534", "--gid", "65534", "--hostname", "sandbox",
            "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
    args += _system_binds()
    for root in _readonly_roots():
        args += ["--ro-bind", root, root]
    args += _gpu_binds()
    args += ["--bind", str(workdir), SANDBOX_WORKDIR, "--remount-ro", "/",
             "--chdir", SANDBOX_WORKDIR, "--clearenv"]
    for key, value in _worker_env(SANDBOX_HOME).items():
        args += ["--setenv", key, value]
    return args + ["--"] + python, {}, None
