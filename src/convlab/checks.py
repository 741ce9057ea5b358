"""The pytest plugin that runs hidden checks against students, in the grader's own process.

``convlab grade`` starts pytest on ``grader_tests/<assignment>/`` with this
plugin and a class file (``--convlab-class``) naming the students to grade.
Every check that asks for the ``student`` fixture runs once per student; the
fixture is session-scoped, so pytest groups the checks by student and keeps one
worker alive per student while their checks run. When a student's checks are
done, their results (one line per check: grade id, pass/fail, message, seconds; for a
known mistake also its call and diagnosis, :class:`convlab.diagnose.KnownMistake`)
and the outputs of their notebook's cells are written to
``<results>/<student>.json`` atomically, which is what the rest of the pipeline reads.

Checks use these from here: ``pytest.mark.grade_id("q")`` (module-level
``pytestmark``), the ``student``, ``rng``, ``run_seed`` and ``class_seed`` fixtures, and
``sandbox_overlays`` for an assignment's conftest to override.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import traceback
from pathlib import Path

import numpy as np
import pytest

from convlab import sandbox
from convlab.diagnose import KnownMistake
from convlab.launch import Template
from convlab.student import Student, StudentError

GRADE_ID_HELP = "grade_id(name): the nbgrader grade cell whose points this check counts towards"


def pytest_addoption(parser):
    group = parser.getgroup("convlab")
    group.addoption("--convlab-class", help="JSON file: the students to grade and how")


def pytest_configure(config):
    config.addinivalue_line("markers", GRADE_ID_HELP)
    path = config.getoption("--convlab-class", default=None)
    if path:
        config.pluginmanager.register(ClassRun(json.loads(Path(path).read_text())), "convlab-class-run")


def write_json_atomically(path: Path, data) -> None:
    """Write then rename, so a killed run never leaves half a file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def failure_message(excinfo) -> tuple[str, bool]:
    """What a student may read about a failed check, and whether the check itself broke.

    Only the exception's message is shown, never the traceback, so hidden
    inputs and the checks' code stay hidden.
    """
    value = excinfo.value
    if isinstance(value, (StudentError, pytest.fail.Exception)):
        return str(value), False
    if isinstance(value, AssertionError):
        # A bare `assert` would show pytest's rewritten expression, hidden values and all.
        head = str(value).split("\nassert ")[0]
        return ("a check failed" if not head or head.startswith("assert ") else head), False
    return ("the check could not be completed because of an internal grader error "
            f"({type(value).__name__}); your instructor can see the details"), True


def _class_run(config) -> "ClassRun":
    return config.pluginmanager.get_plugin("convlab-class-run")


def pytest_generate_tests(metafunc):
    run = _class_run(metafunc.config)
    if run is not None and "student" in metafunc.fixturenames:
        ids = list(run.students)
        metafunc.parametrize("student", ids, ids=ids, indirect=True, scope="session")


@pytest.fixture(scope="session")
def sandbox_overlays() -> dict:
    """Files the sandbox shows in place of others (path inside → host file); none by default.

    An assignment's ``conftest.py`` overrides this fixture, e.g. to show the
    students only the training part of a data set that ships with a package.
    """
    return {}


@pytest.fixture(scope="session")
def student(request, sandbox_overlays):
    """The student being graded: a worker that has run their notebook (one per student)."""
    run = _class_run(request.config)
    spec = run.students[request.param]
    cells = run.cells(spec["id"])
    if cells is None:
        pytest.skip("the grader records this student itself: their notebook could not be prepared")
    student = Student(spec["id"], Path(spec["workdir"]), cells, sandbox_kind=run.spec["sandbox"],
                      cell_timeout=run.spec["cell_timeout"], call_timeout=run.spec["call_timeout"],
                      first_call_timeout=run.spec["first_call_timeout"], overlays=sandbox_overlays,
                      template=run.template(sandbox_overlays))
    start_error = None
    started = time.perf_counter()
    try:
        student.start()
    except Exception as exc:  # the student's files can stop Python from starting at all
        start_error = str(exc)
    timing = {"notebook_seconds": round(time.perf_counter() - started, 3), "checks_started": time.perf_counter(),
              "forked": student.forked}
    request.addfinalizer(lambda: run.finish(student, start_error, timing))
    if start_error:
        raise StudentError(f"your notebook could not be run: {start_error}")
    return student


@pytest.fixture(scope="session")
def class_seed(request) -> int:
    """This grading run's seed, for what one process shares between all its students (the data
    split whose training part the sandbox shows every worker of the run)."""
    return _class_run(request.config).seed


@pytest.fixture(scope="session")
def run_seed(request, student) -> int:
    """The seed of the student's draws: the run's seed, the same for every student (checks that
    draw one set of cases for the whole class use it); recorded in each student's results so a
    run can be replayed. A class file may give a student a seed of its own, so that one process
    grades known implementations under many seeds (tests/test_hidden_checks.py)."""
    return _class_run(request.config).seed_of(student.id)


@pytest.fixture
def rng(request):
    """Inputs drawn at grading time: a fresh seed per run, recorded in the results to reproduce it."""
    student_id = request.node.callspec.params.get("student") if hasattr(request.node, "callspec") else None
    key = f"{_class_run(request.config).seed_of(student_id)}:{request.node.nodeid}".encode()
    return np.random.default_rng(int.from_bytes(hashlib.sha256(key).digest()[:8], "little"))


class ClassRun:
    """Per-run state: the students, their workers, and the results gathered so far."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.students = {s["id"]: s for s in spec["students"]}
        self.results_dir = Path(spec["results_dir"])
        self.seed = int(spec.get("seed") or int.from_bytes(os.urandom(4), "little"))
        self.checks: dict[str, list] = {sid: [] for sid in self.students}
        self.internal_errors: dict[str, list] = {sid: [] for sid in self.students}
        self._template: Template | None = None
        self.unprepared: set[str] = set()  # students the grading process records without checks

    def seed_of(self, student_id: str | None) -> int:
        """The seed of a student's draws: the run's, unless the class file gives the student one."""
        seed = self.students.get(student_id, {}).get("seed")
        return self.seed if seed is None else int(seed)

    def cells(self, student_id: str) -> list[str] | None:
        """The student's cells, once the grading process has prepared them; None if it could not."""
        spec = self.students[student_id]
        if "cells" in spec:
            return spec["cells"]
        path = Path(self.spec["prepared_dir"]) / f"{student_id}.json"
        while not path.exists():  # the grading process prepares the class while the shards start
            time.sleep(0.02)
        cells = json.loads(path.read_text()).get("cells")
        if cells is None:
            self.unprepared.add(student_id)
        return cells

    def template(self, overlays: dict) -> Template | None:
        """This process's template (started with its first worker), where workers may be forked.

        The students' private copies share one parent folder, which the template's sandbox holds.
        """
        if self._template is None and self.spec.get("template") and sandbox.template_available(self.spec["sandbox"]):
            spool = Path(self.spec["students"][0]["workdir"]).parent
            self._template = Template(spool, self.spec.get("preload", []), overlays)
        return self._template

    def pytest_sessionfinish(self):
        if self._template is not None:
            self._template.close()

    # -- results -------------------------------------------------------------------
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        student_id = getattr(item, "callspec", None) and item.callspec.params.get("student")
        if student_id is None or report.when == "teardown" or student_id in self.unprepared:
            return
        if report.when == "setup" and report.passed:
            return
        marker = item.get_closest_marker("grade_id")
        grade_id = marker.args[0] if marker else None
        other = {k: v for k, v in item.callspec.params.items() if k != "student"}
        name = item.originalname + (f"[{'-'.join(map(str, other.values()))}]" if other else "")
        record = {"check": f"{Path(item.fspath).stem}::{name}", "grade_id": grade_id,
                  "passed": report.passed, "message": "", "seconds": round(report.duration, 3)}
        if report.failed and call.excinfo is not None:
            record["message"], internal = failure_message(call.excinfo)
            if isinstance(call.excinfo.value, KnownMistake):  # kept apart, so feedback can group by diagnosis
                record.update(what=call.excinfo.value.what, diagnosis=call.excinfo.value.diagnosis)
            if internal:  # the grader's fault: not counted against the student (convlab.scoring)
                record["internal"] = True
                self.internal_errors[student_id].append(
                    {"check": record["check"], "traceback": "".join(traceback.format_exception(
                        call.excinfo.type, call.excinfo.value, call.excinfo.tb))})
        elif report.skipped:
            record["passed"], record["message"] = False, "this check was skipped"
        self.checks[student_id].append(record)

    def finish(self, student: Student, start_error: str | None, timing: dict) -> None:
        """Close the worker and write the student's results (with how long their notebook and checks took)."""
        checks_seconds = round(time.perf_counter() - timing.pop("checks_started"), 3)
        student.close()
        cells = [{"index": run.index, "outputs": run.outputs, "error": run.error, "lost": run.lost}
                 for run in student.cell_runs]
        write_json_atomically(self.results_dir / f"{student.id}.json", {
            "student": student.id, "seed": self.seed_of(student.id), "start_error": start_error,
            "checks": self.checks[student.id], "cells": cells, "functions_called": sorted(student.functions_called),
            "internal_errors": self.internal_errors[student.id],
            "timing": {**timing, "checks_seconds": checks_seconds}})
