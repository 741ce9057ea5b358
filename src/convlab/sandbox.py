"""How a worker process is started: inside bubblewrap, in a container, or (loudly) without isolation.

The sandbox sees the Python environment read-only, the convlab package
read-only, and one writable folder: the private copy of one student's
submission. It has no network, no view of other processes, no capabilities and
runs as an unprivileged uid; ``grader_tests/``, the gradebook and the other students'
folders are simply not mounted. Resource limits apply in every mode.

A grader running as root starts bubblewrap without a user namespace and has
the worker drop to a uid of its own, :func:`private_uid`, that no account
uses: the process limit then counts that worker's processes alone (the kernel
never limits root's), so a fork bomb stops at :attr:`Limits.tasks` without
touching anyone else, and whatever the worker left behind is found by its uid
and killed. A grader that is not root runs bubblewrap in a user namespace as
itself; the process limit then also counts the grader's own processes.

A root grader may also start, once per grading process, a template in the
same sandbox (:func:`template_command`) with the spool of private copies in
place of one copy, and fork its workers from it (:mod:`convlab.forkserver`
makes each fork the sandbox above before any student code runs). Elsewhere
every worker starts cold.

In a container (``docker``) the Python environment is the image's, built by
``docker/``; the rest holds as with bubblewrap.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
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
#: Private uids (root graders): this plus the grading process's pid, above every account's uid.
PRIVATE_UID_BASE = 2**30
#: What a root grader's bwrap keeps only until setpriv execs the worker without any: to switch
#: uid, drop the bounding set, and enter the private copy (the private uid's, mode 0700) as --chdir does.
WORKER_CAPS = ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_DAC_OVERRIDE")

NOT_ISOLATED_WARNING = (
    "WARNING: bubblewrap (bwrap) is not available: student code runs in a plain subprocess "
    "with resource limits only. It is NOT isolated from this machine (and, run as root, not "
    "even its number of processes is limited); use --sandbox bwrap "
    "(apt-get install bubblewrap) or docker for real grading."
)


@dataclass(frozen=True)
class Limits:
    """Resource limits for one worker; generous for numpy, tight enough to stop a bomb."""

    memory_bytes: int = 4 * 2**30
    file_bytes: int = 256 * 2**20
    open_files: int = 512
    cpu_seconds: int = 900
    tasks: int = 1024  # processes and threads: TensorFlow starts one thread pool per core

    def apply(self, processes: int | None = None) -> None:
        """Run in the child between fork and exec (``preexec_fn``); ``processes`` is the
        RLIMIT_NPROC that :func:`process_limit` gives, None for none. The worker dies with
        the grading process that started it."""
        die_with_parent()
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        memory = resource.RLIMIT_DATA if gpus_present() else resource.RLIMIT_AS
        resource.setrlimit(memory, (self.memory_bytes, self.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_bytes, self.file_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))
        resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_seconds, self.cpu_seconds))
        if processes is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


def gpus_present() -> bool:
    """Whether this machine shows NVIDIA GPUs, which bubblewrap then binds into its workers.

    The memory limit is then RLIMIT_DATA rather than RLIMIT_AS: CUDA reserves far more
    address space than it ever backs (PROT_NONE, which RLIMIT_DATA does not count) and
    fails to initialise under an address-space limit, while NumPy's and TensorFlow's
    real allocations are private writable memory, which RLIMIT_DATA counts.
    """
    return Path("/dev/nvidiactl").exists()


def die_with_parent() -> None:
    """Have the kernel kill this child when its parent dies (``preexec_fn``; Linux only).

    A grading run killed with SIGKILL cannot stop its shards; without this they would go
    on grading, and writing, beside the run that resumes it.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def private_uid() -> int | None:
    """The uid this grading process's bwrap workers run as when it is root, else None.

    One per grading process (pids are unique while the process lives) and one worker
    per grading process at a time: the worker's process count is its own.
    """
    return PRIVATE_UID_BASE + os.getpid() if os.geteuid() == 0 else None


def tasks_of(uid: int) -> int:
    """Processes and threads that ``uid`` runs now (what RLIMIT_NPROC counts)."""
    count = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            count += int(fields.get("Threads", "1"))
    return count


def process_limit(kind: str, limits: Limits) -> int | None:
    """RLIMIT_NPROC for a worker of ``kind``: ``limits.tasks`` of its own.

    The kernel counts every process of the worker's real uid: a private uid has none
    but the worker's; the uid of a grader that is not root also runs the grader, so
    the worker gets its budget on top of what runs now. Root itself is never limited
    (``none`` as root), and a container has docker's ``--pids-limit`` instead.
    """
    if kind.startswith("docker"):
        return None
    if os.geteuid() == 0:
        return limits.tasks if kind == "bwrap" else None
    return tasks_of(os.getuid()) + limits.tasks


def kill_private_processes(uid: int | None, wait: float = 5.0) -> None:
    """Kill every process of a private uid and wait until they are gone.

    A fresh worker on the same uid must not find its process budget used by the
    dying ones, and nothing a student started may outlive grading.
    """
    if uid is None:
        return
    if uid < PRIVATE_UID_BASE:  # kill(-1) as any other uid would reach its every process, or (root) all
        raise ValueError(f"uid {uid} is not a private uid: its processes are not the workers'")
    pid = os.fork()
    if pid == 0:  # the child takes the uid: kill(-1) then reaches exactly that uid's processes
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    deadline = time.monotonic() + wait
    while tasks_of(uid) and time.monotonic() < deadline:
        time.sleep(0.02)


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
    if requested == "bwrap" and os.geteuid() == 0 and shutil.which("setpriv") is None:
        raise RuntimeError("grading as root with bwrap needs util-linux's setpriv, which is not on PATH")
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
        # Several workers share the cores: one thread each keeps them from fighting (TensorFlow's
        # own pools included: two trainings side by side ran 13% faster in 03 than with two each).
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_NUM_INTRAOP_THREADS": "1",
        "TF_NUM_INTEROP_THREADS": "1",
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


def _traversable_parents(paths: list[str]) -> list[str]:
    """Folders above the mount points, made by bwrap, that the worker's uid may pass through
    (bwrap makes them 0700, which only a user namespace's sole uid could enter)."""
    parents = {str(parent) for path in paths for parent in Path(path).parents if str(parent) != "/"}
    return [arg for parent in sorted(parents) for arg in ("--perms", "0755", "--dir", parent)]


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
    uid = private_uid()
    if uid is None:  # not root: a user namespace maps the grader's uid to nobody inside
        args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    else:  # root: no user namespace; the worker drops to its private uid before Python starts
        args = _bwrap_as_root(WORKER_CAPS)
        python = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                  "--bounding-set=-all", "--no-new-privs", "--", *python]
        hand_over(workdir, uid)
    args += _sandbox_view(overlays)
    args += ["--bind", str(workdir), SANDBOX_WORKDIR, "--remount-ro", "/", "--chdir", SANDBOX_WORKDIR]
    return args + _sandbox_env() + ["--"] + python, {}, None


#: What a template keeps until each of its forks drops it (:mod:`convlab.forkserver`): the
#: worker's own capabilities, plus mounting the fork's view (SYS_ADMIN) and killing it (KILL).
TEMPLATE_CAPS = (*WORKER_CAPS, "CAP_SYS_ADMIN", "CAP_KILL")


def template_available(kind: str) -> bool:
    """Whether workers of ``kind`` can be forked from a template as safely as started cold.

    Only bubblewrap run by root: each fork then takes the grading process's private uid,
    as a cold worker does. Elsewhere (no root, a container, no sandbox) workers start cold.
    """
    return kind == "bwrap" and private_uid() is not None


def template_command(spool: Path, control_fd: int, preload: list[str],
                     overlays: dict[str, Path] | None = None) -> list[str]:
    """The argv of a template (:mod:`convlab.forkserver`) for workers of the bwrap sandbox.

    The sandbox is a worker's, with ``spool`` (the folder holding every student's private
    copy) at :data:`convlab.forkserver.SPOOL` instead of one copy at :data:`SANDBOX_WORKDIR`:
    each fork binds its own copy there and unmounts the spool before any student code runs.
    """
    from convlab.forkserver import SPOOL

    args = _bwrap_as_root(TEMPLATE_CAPS) + _sandbox_view(overlays)
    args += ["--perms", "0755", "--dir", SANDBOX_WORKDIR, "--bind", str(spool), SPOOL,
             "--remount-ro", "/", "--chdir", "/"]
    python = [sys.executable, "-m", "convlab.forkserver", "--control", str(control_fd),
              "--preload", ",".join(preload)]
    return args + _sandbox_env() + ["--"] + python


def _bwrap_as_root(caps: tuple[str, ...]) -> list[str]:
    args = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    return args + [arg for cap in caps for arg in ("--cap-add", cap)]


def _sandbox_view(overlays: dict[str, Path] | None) -> list[str]:
    """What every bwrap worker sees: its own /tmp, /proc and /dev, the system and the
    environment read-only, the GPUs, and the overlaid files."""
    args = ["--hostname", "sandbox", "--perms", "1777", "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
    args += _system_binds()
    roots = _readonly_roots()
    args += _traversable_parents([*roots, SANDBOX_WORKDIR])
    for root in roots:
        args += ["--ro-bind", root, root]
    args += _gpu_binds()
    for inside, host in sorted((overlays or {}).items()):
        args += ["--ro-bind", str(host), str(inside)]
    return args


def _sandbox_env() -> list[str]:
    args = ["--clearenv"]
    for key, value in _worker_env(SANDBOX_HOME).items():
        args += ["--setenv", key, value]
    return args


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
    # docker's --ulimit knows no address-space limit, and --memory alone ends a memory bomb with
    # the kernel's OOM kill (the cell's output lost) where the sandbox raises MemoryError in the cell.
    memory = "--data" if mode == "docker+gpus" else "--as"  # CUDA: see gpus_present()
    return args + [image, "prlimit", f"{memory}={limits.memory_bytes}", "python", "-m", "convlab.worker"]


def _container_user(workdir: Path) -> str:
    """The uid:gid the container runs as, with the private copy made writable for it.

    Docker maps no uids as bwrap does. A grader running as root hands the copy to
    nobody (65534); one that is not root can hand nothing over, nor delete later what
    nobody wrote, so its containers run as its own uid, still without capabilities,
    network or a writable image.
    """
    if os.geteuid() != 0:
        return f"{os.getuid()}:{os.getgid()}"
    hand_over(workdir, SANDBOX_UID)
    return f"{SANDBOX_UID}:{SANDBOX_UID}"


def hand_over(workdir: Path, uid: int) -> None:
    """Make the private copy the worker's own (root only): its one writable place."""
    os.chown(workdir, uid, uid)
    for folder, subfolders, files in os.walk(workdir):
        for name in subfolders + files:  # a student's link is chowned itself, never its target
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)


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


def container_reaper(argv: list[str]) -> subprocess.Popen | None:
    """A watcher that removes the container of a docker worker's argv once the grader lets go
    of it: when :func:`stop_reaper` is called, or when the grading process dies, even by SIGKILL
    (the kernel then closes the pipe the watcher reads). None for other sandboxes.

    The ``docker run`` client dies with the grader, but its container would go on running the
    student's code, perhaps for the whole CPU limit; the watcher is the one thing that outlives
    the grader on purpose, and all it can do is ``docker rm --force`` that one name.
    """
    if list(argv[:2]) != ["docker", "run"]:
        return None
    name = argv[argv.index("--name") + 1]
    return subprocess.Popen(["sh", "-c", 'cat >/dev/null; exec docker rm --force "$0"', name],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def stop_reaper(reaper: subprocess.Popen | None) -> None:
    """Let the watcher remove its container (already gone, as a rule) and end; not waited
    for, so a slow daemon costs the grading nothing (subprocess reaps it later)."""
    if reaper is not None:
        try:
            reaper.stdin.close()
        except OSError:
            pass


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
