"""Real containers: the image built here (docker/images.sh) and ``convlab grade --sandbox docker`` run in it.

The engine is started if it is not running (docker/engine.sh, as root) and the CPU
image built once (conftest's ``docker_image``), then reused while its Dockerfile,
pyproject.toml, the pins and src/ are unchanged. tests/test_hostile.py grades the
hostile corpus in the same image.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from convlab import sandbox

ASSIGNMENT = "01_convolution"
#: A small class of the examples: full marks, the untouched release, two known mistakes.
STUDENTS = ["reference", "untouched", "flipped_kernel", "pool_stride_ignored"]

pytestmark = pytest.mark.slow


def containers(all_states: bool = True) -> list[str]:
    """The worker containers there are now (running ones only, unless ``all_states``)."""
    ps = ["docker", "ps", "--quiet", "--no-trunc", "--filter", "label=convlab.worker"]
    result = subprocess.run(ps + (["--all"] if all_states else []), capture_output=True, text=True,
                            check=True, timeout=60)
    return result.stdout.split()


class Inspector(threading.Thread):
    """Reads `docker inspect` of every worker container it sees while a run goes on."""

    def __init__(self):
        super().__init__(daemon=True)
        self.seen: dict[str, dict] = {}
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            for cid in containers(all_states=False):
                if cid not in self.seen:
                    found = subprocess.run(["docker", "inspect", cid], capture_output=True, text=True, check=False)
                    if found.returncode == 0:
                        self.seen[cid] = json.loads(found.stdout)[0]
            time.sleep(0.2)


def grade(course, sandbox_kind: str, *extra: str, assignment: str = ASSIGNMENT, students: list[str] = STUDENTS,
          timeout: int = 900) -> subprocess.CompletedProcess:
    chosen = [arg for student in students for arg in ("--student", student)]
    return subprocess.run(
        [sys.executable, "-m", "convlab.cli", "--course", str(course.root), "grade", assignment,
         "--submissions", str(course.root / "examples" / "submissions"), "--sandbox", sandbox_kind,
         "--seed", "7", "--jobs", "2", "--quiet", *chosen, *extra],
        capture_output=True, text=True, timeout=timeout, check=False)


def scores(course, assignment: str = ASSIGNMENT) -> dict[str, dict[str, float]]:
    with course.gradebook() as book:
        return {submission.student.id: {g.name: g.auto_score for g in submission.notebooks[0].grades}
                for submission in book.find_assignment(assignment).submissions}


@pytest.fixture(scope="module")
def docker_run(docker_image, released_course):
    course = released_course()
    inspector = Inspector()
    inspector.start()
    started = time.monotonic()
    try:
        done = grade(course, "docker")
        print(f"docker: {time.monotonic() - started:.1f} s for {len(STUDENTS)} students")
    finally:
        inspector.done.set()
        inspector.join()
    return {"course": course, "done": done, "seconds": time.monotonic() - started, "seen": inspector.seen}


def test_the_class_graded_in_containers_scores_as_in_bubblewrap(docker_run, released_course):
    assert docker_run["done"].returncode == 0, docker_run["done"].stderr[-3000:]
    in_docker = scores(docker_run["course"])
    assert set(in_docker) == set(STUDENTS)
    course = released_course()
    done = grade(course, "bwrap")
    assert done.returncode == 0, done.stderr[-3000:]
    assert in_docker == scores(course)
    def total(student):
        return sum(score or 0 for score in in_docker[student].values())
    assert total("reference") > 0 and total("untouched") == 0


def test_every_worker_container_is_isolated_and_limited(docker_run):
    seen = docker_run["seen"]
    assert len(seen) >= len(STUDENTS)  # one container per student, each looked at while it ran
    limits = sandbox.Limits()
    for container in seen.values():
        host, config = container["HostConfig"], container["Config"]
        assert host["NetworkMode"] == "none"
        assert host["ReadonlyRootfs"] is True
        assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
        assert host["Privileged"] is False
        assert host["SecurityOpt"] == ["no-new-privileges"]
        assert config["User"] == f"{sandbox.SANDBOX_UID}:{sandbox.SANDBOX_UID}"
        assert host["Memory"] == host["MemorySwap"] == limits.memory_bytes
        assert host["PidsLimit"] == limits.tasks
        assert {u["Name"] for u in host["Ulimits"]} == {"fsize", "nofile", "cpu", "core"}
        assert config["Image"] == sandbox.CPU_IMAGE
        mounts = {m["Destination"]: m for m in container["Mounts"]}
        assert set(mounts) == {sandbox.SANDBOX_WORKDIR}  # the private copy, and nothing of the course
        assert "grader_tests" not in mounts[sandbox.SANDBOX_WORKDIR]["Source"]


def test_no_container_is_left_after_the_run(docker_run):
    assert containers() == []


def test_a_killed_run_leaves_no_container(docker_image, released_course):
    """SIGKILL the grader while a student's code runs in a container: the container goes too."""
    course = released_course()
    grader = subprocess.Popen(
        [sys.executable, "-m", "convlab.cli", "--course", str(course.root), "grade", ASSIGNMENT,
         "--submissions", str(course.root / "examples" / "submissions"), "--sandbox", "docker",
         "--student", "endless_loop", "--jobs", "1", "--cell-timeout", "600", "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not containers(all_states=False) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert containers(all_states=False), "no worker container started"
        time.sleep(3)  # well inside the student's notebook by now
        os.killpg(grader.pid, signal.SIGKILL)
        grader.wait()
        deadline = time.monotonic() + 30
        while containers() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert containers() == []
    finally:
        if grader.poll() is None:
            os.killpg(grader.pid, signal.SIGKILL)
            grader.wait()


#: 03 in containers: training the course's LeNet inside one, and the digits overlay (the training
#: split in place of scikit-learn's file) mounted into the image, caught by a student who reads it.
LENET_STUDENTS = ["reference", "untouched", "trains_on_digits_itself"]


def test_lenet_trains_and_is_scored_in_containers(docker_image, released_course):
    from test_grading_keras import ASSIGNMENTS

    expected = ASSIGNMENTS["03_lenet"]
    course = released_course()
    done = grade(course, "docker", assignment="03_lenet", students=LENET_STUDENTS, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    graded = {student: {g: score for g, score in cells.items() if g in expected.points}  # the written answer aside
              for student, cells in scores(course, "03_lenet").items()}
    assert graded["reference"] == expected.points
    assert graded["untouched"] == dict.fromkeys(expected.points, 0)
    lost, _ = expected.mistakes["trains_on_digits_itself"]
    assert {g for g, points in expected.points.items() if graded["trains_on_digits_itself"][g] < points} == lost
    assert containers() == []
