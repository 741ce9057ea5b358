"""Shared fixtures: a worker for a few lines of notebook code, in the real sandbox; a course copy;
the docker grading image; Keras, for the tests that hold the graders' numpy oracles to it."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from convlab import sandbox
from convlab.course import Course
from convlab.launch import Template
from convlab.student import Student

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def keras():
    """Keras on TensorFlow, imported only by the tests that compare an oracle with it."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return pytest.importorskip("keras")


#: What a test's template imports ahead of its cells, as a template for 01_convolution does.
PRELOAD = ["numpy", "matplotlib.pyplot"]


@pytest.fixture(params=["cold", "forked"])
def run_student(request, tmp_path):
    """Start a Student on the given cells (bwrap unless told otherwise); closed after the test.

    Every test that uses it runs twice: with workers started cold, each in a sandbox of its
    own, and with workers forked from a template (where the sandbox allows one: bwrap as
    root), so everything they prove of the sandbox holds for both.
    """
    started = []
    kind = "bwrap"
    template = None
    if request.param == "forked" and sandbox.template_available(sandbox.choose(kind)):
        template = Template(tmp_path, PRELOAD)

    def start(cells, kind=kind, **timeouts):
        workdir = tmp_path / f"work{len(started)}"
        workdir.mkdir()
        student = Student("tester", workdir, cells, sandbox_kind=sandbox.choose(kind),
                          template=template if kind == "bwrap" else None, **timeouts)
        student.start()
        started.append(student)
        if template is not None and kind == "bwrap":
            assert student.forked and not template.broken, template.broken
        return student

    yield start
    for student in started:
        student.close()
    if template is not None:
        template.close()


@pytest.fixture(scope="module")
def released_course(tmp_path_factory):
    """A copy of the course with every assignment released (the real gradebook is never touched).

    ``prepare(root)`` may change the copy (add submissions, checks) before the release."""

    def make(prepare=None) -> Course:
        course = Course(tmp_path_factory.mktemp("course"))
        shutil.copy(ROOT / "nbgrader_config.py", course.root / "nbgrader_config.py")
        for name in ["source", "grader_tests", "examples"]:
            shutil.copytree(ROOT / name, course.root / name)
        if prepare:
            prepare(course)
        subprocess.run([sys.executable, "-m", "convlab.cli", "--course", str(course.root), "release"],
                       check=True, capture_output=True)
        return course

    return make


@pytest.fixture(scope="session")
def docker_image():
    """The CPU grading image, built (or found up to date) by the command `make images` runs.

    Once per session: the docker engine tests and the hostile corpus share it. Where no
    engine can start this fails, loudly: grading in containers is a promise of the
    course, not an option of the test run. An engine the fixture started is stopped after.
    """
    engine_was_running = shutil.which("docker") is not None and subprocess.run(
        ["docker", "info"], capture_output=True, timeout=60, check=False).returncode == 0
    started = time.monotonic()
    built = subprocess.run([str(ROOT / "docker" / "images.sh"), "cpu"], capture_output=True, text=True,
                           timeout=1800, check=False)
    assert built.returncode == 0, "docker/images.sh failed:\n" + built.stderr[-4000:]
    print(f"images.sh: {time.monotonic() - started:.1f} s")
    yield sandbox.CPU_IMAGE
    if not engine_was_running:  # started here (docker/engine.sh): stopped here
        subprocess.run(["pkill", "-x", "dockerd"], check=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so a fixture can see whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
