"""Shared fixtures: a worker for a few lines of notebook code, in the real sandbox."""

from pathlib import Path

import pytest

from convlab import sandbox
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
