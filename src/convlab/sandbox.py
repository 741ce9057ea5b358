"""How a worker process is started: inside bubblewrap, in a container, or (loudly) without isolation.

The sandbox sees the Python environment read-only, the convlab package
read-only, and one writable folder: the private copy of one student's
submission. It has no network, no view of other processes, no capabilities and
runs as uid 65534; ``grader_tests/``, the gradebook and the other students'
folders are simply not mounted. Resource limits apply in every mode.

In a container (``docker``) the Python environment is the image's, built by
``docker/``; the rest holds as with bubblewrap.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import sysconfig
import uuid
from dataclasses import dataclass
from pathlib import Path

import convlab

#: Where the student's folder appears inside the sandbox.
SANDBOX_HOME = "/home/student"
SANDBOX_WORKDIR = f"{SANDBOX_HOME}/submission"

#: The images docker/ builds; ``--gpus all`` picks the GPU one unless ``--docker-image`` says otherwise.
CPU_IMAGE = "convlab-grader:cpu"
GPU_IMAGE = "convlab-grader:gpu"
#: Where the images keep their packages (both Dockerfiles check this path when they are built).
IMAGE_SITE_PACKAGES = "/opt/venv/lib/python3.11/site-packages"
#: The uid (and gid) student code runs as: nobody.
SANDBOX_UID = 65534

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
    tasks: int = 1024  # docker --pids-limit: threads count too, and TensorFlow starts one pool per core

    def apply(self) -> None:
        """Run in the child between fork and exec (``preexec_fn``)."""
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_bytes, self.file_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))
        resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_seconds, self.cpu_seconds))


def bwrap_available() -> bool:
    return sys.platform.startswith("linux") and shutil.which("bwrap") is not None


def choose(requested: str | None, image: str | None = None, gpus: bool = False) -> str:
    """The sandbox to use: the requested one, else bwrap where it exists, else none.

    A container sandbox comes back as ``docker:IMAGE`` (``docker+gpus:IMAGE`` with the
    GPUs), so the whole choice travels as one string through the class spec to each worker.
    """
    if (image or gpus) and requested != "docker":
        raise ValueError("--docker-image and --gpus go with --sandbox docker")
    if requested == "docker":
        image = image or (GPU_IMAGE if gpus else CPU_IMAGE)
        _check_docker(image)
        return f"docker{'+gpus' if gpus else ''}:{image}"
    if requested in (None, "auto"):
        return "bwrap" if bwrap_available() else "none"
    if requested == "bwrap" and not bwrap_available():
        raise RuntimeError("--sandbox bwrap asked for, but bwrap is not installed (apt-get install bubblewrap)")
    if requested not in ("bwrap", "none"):
        raise ValueError(f"unknown sandbox {requested!r}: choose bwrap, docker or none")
    return requested


def _check_docker(image: str) -> None:
    """Stop before grading anyone: without docker or the image no worker starts, and every
    student would be told that their notebook could not run."""
    if shutil.which("docker") is None:
        raise RuntimeError("--sandbox docker asked for, but there is no docker command on PATH: "
                           "install Docker, or grade with --sandbox bwrap")
    found = subprocess.run(["docker", "image", "inspect", "--format", "{{.Id}}", image],
                           capture_output=True, text=True, timeout=60, check=False)
    if found.returncode != 0:
        raise RuntimeError(f"docker cannot use the image {image}: {found.stderr.strip()} "
                           "(docker/README.md says how to build it)")


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


def worker_command(kind: str, workdir: Path, overlays: dict[str, Path] | None = None,
                   limits: Limits = Limits()) -> tuple[list[str], dict[str, str], Path | None]:
    """The argv, environment and cwd that start a worker for ``workdir``.

    ``overlays`` maps a path inside the sandbox to a host file shown there
    read-only in its place: a check can replace a data set that ships with a
    package by the part the student may see (the training split), so the part
    the grader scores on cannot be read from inside. Without a sandbox there is
    nothing to overlay them on; the warning already says so. For a container, the
    copy is first made writable for the container's uid (:func:`_container_user`).
    """
    python = [sys.executable, "-m", "convlab.worker"]
    if kind == "none":
        return python, _worker_env(str(workdir)), workdir
    if kind.startswith("docker"):
        # The docker client needs its own environment (DOCKER_HOST, ~/.docker); none of it
        # reaches the container, which gets only the -e values.
        return _docker_command(kind, workdir, overlays or {}, limits), dict(os.environ), None
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--uid", "65534", "--gid", "65534", "--hostname", "sandbox",
            "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
    args += _system_binds()
    for root in _readonly_roots():
        args += ["--ro-bind", root, root]
    args += _gpu_binds()
    for inside, host in sorted((overlays or {}).items()):
        args += ["--ro-bind", str(host), str(inside)]
    args += ["--bind", str(workdir), SANDBOX_WORKDIR, "--remount-ro", "/",
             "--chdir", SANDBOX_WORKDIR, "--clearenv"]
    for key, value in _worker_env(SANDBOX_HOME).items():
        args += ["--setenv", key, value]
    return args + ["--"] + python, {}, None


def _docker_command(kind: str, workdir: Path, overlays: dict[str, Path], limits: Limits) -> list[str]:
    """``docker run`` for one worker, with bwrap's isolation and limits.

    Each container gets its own name: killing the ``docker run`` client does not stop the
    container, so whoever kills the worker removes it by name (:func:`remove_container`).
    ``--pull never``: the image is the one built here and checked by :func:`choose`, never
    one a registry hands over in the middle of a run.
    """
    mode, _, image = kind.partition(":")
    args = ["docker", "run", "--rm", "-i", "--name", f"convlab-worker-{uuid.uuid4().hex[:12]}",
            "--label", "convlab.worker", "--log-driver", "none", "--pull", "never",
            "--network", "none", "--hostname", "sandbox", "--read-only", "--tmpfs", "/tmp",
            "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--user", _container_user(workdir),
            "--pids-limit", str(limits.tasks),
            "--memory", f"{limits.memory_bytes >> 20}m", "--memory-swap", f"{limits.memory_bytes >> 20}m",
            "--ulimit", f"fsize={limits.file_bytes}", "--ulimit", f"nofile={limits.open_files}",
            "--ulimit", f"cpu={limits.cpu_seconds}", "--ulimit", "core=0",
            "-v", _volume(workdir, SANDBOX_WORKDIR, "rw"), "-w", SANDBOX_WORKDIR]
    for inside, host in sorted(overlays.items()):
        args += ["-v", _volume(Path(host), _in_image(inside), "ro")]
    for key, value in _worker_env(SANDBOX_HOME).items():
        if key != "PATH":  # the grader's PATH names its own environment; the image has its own
            args += ["-e", f"{key}={value}"]
    if mode == "docker+gpus":
        args += ["--gpus", "all"]
    return args + [image, "python", "-m", "convlab.worker"]


def _container_user(workdir: Path) -> str:
    """The uid:gid the container runs as, with the private copy made writable for it.

    Docker maps no uids as bwrap does. A grader running as root hands the copy to
    nobody (65534); one that is not root can hand nothing over, nor delete later what
    nobody wrote, so its containers run as its own uid, still without capabilities,
    network or a writable image.
    """
    if os.geteuid() != 0:
        return f"{os.getuid()}:{os.getgid()}"
    os.chown(workdir, SANDBOX_UID, SANDBOX_UID)
    for folder, subfolders, files in os.walk(workdir):
        for name in subfolders + files:  # a student's link is chowned itself, never its target
            os.chown(os.path.join(folder, name), SANDBOX_UID, SANDBOX_UID, follow_symlinks=False)
    return f"{SANDBOX_UID}:{SANDBOX_UID}"


def _volume(host: Path, inside: str, mode: str) -> str:
    """A ``-v`` bind mount; an absolute host path, or docker would take it for a named volume."""
    host = host.resolve()
    if ":" in f"{host}{inside}":
        raise ValueError(f"docker -v cannot mount a path with ':' in it: {host} -> {inside}")
    return f"{host}:{inside}:{mode}"


def _in_image(inside: str) -> str:
    """Where an overlaid file of a package sits in the image.

    Overlays name the file as the grader's environment holds it; the image keeps its
    packages elsewhere. A path outside the packages cannot be placed, and is refused:
    a mount beside the real file would leave the real one readable.
    """
    path = Path(os.path.realpath(inside))
    for packages in {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}:
        packages = Path(os.path.realpath(packages))
        if path.is_relative_to(packages):
            return f"{IMAGE_SITE_PACKAGES}/{path.relative_to(packages).as_posix()}"
    raise ValueError(f"{inside} is not in this Python environment's packages: "
                     "the docker sandbox cannot show a file in its place")


def remove_container(argv: list[str]) -> None:
    """Remove the container that a docker worker's argv started (nothing for other sandboxes).

    Killing the ``docker run`` client leaves the container, and the student's code in
    it, running until it ends by itself; the daemon removes it only when asked.
    """
    if list(argv[:2]) != ["docker", "run"]:
        return
    name = argv[argv.index("--name") + 1]
    try:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:  # a stuck daemon must not stop the grading; the label finds it later
        pass
