"""Shared fixtures: a worker for a few lines of notebook code, in the real sandbox; a course copy."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from convlab import sandbox
from convlab.course import Course
from convlab.student import Student

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def run_student(tmp_path):
    """Start a Student on the given cells (bwrap unless told otherwise); closed after the test."""
    started = []

    def start(cells, kind="bwrap", **timeouts):
        workdir = tmp_path / f"work{len(started)}"
        workdir.mkdir()
        student = Student("tester", workdir, cells, sandbox_kind=sandbox.choose(kind), **timeouts)
        student.start()
        started.append(student)
        return student

    yield start
    for student in started:
        student.close()


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
