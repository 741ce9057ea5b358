"""``convlab grade``: the grading pipeline for a whole class.

prepare (restore locked cells, private copy) → execute and check (pytest
shards, each running the hidden checks against a sandboxed worker per
student) → record (autograded notebook, gradebook) → feedback (nbgrader).
Each student's result is recorded as soon as their checks finish, so a
problem with one student never holds up or spoils another's grade.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from convlab import record, sandbox
from convlab.checks import write_json_atomically
from convlab.course import Course
from convlab.prepare import Prepared, prepare, skipped_grade_ids
from convlab.scoring import score_grade_cells


@dataclass
class StudentGrade:
    student: str
    scores: dict[str, float]
    points: dict[str, float]
    problem: str | None = None
    failed_checks: list[dict] = field(default_factory=list)
    internal_errors: int = 0  # checks that crashed in the grader (not counted; see the results file)
    recorded: bool = True  # False when the grader itself failed: nothing was written for this student

    @property
    def total(self) -> float:
        return round(sum(self.scores.values()), 2)

    @property
    def max_total(self) -> float:
        return round(sum(self.points.values()), 2)


@dataclass(frozen=True)
class Settings:
    jobs: int = 1
    sandbox: str | None = None
    docker_image: str | None = None  # with sandbox="docker"; None: sandbox.CPU_IMAGE, or GPU_IMAGE with gpus
    gpus: bool = False
    call_timeout: float = 5.0
    first_call_timeout: float = 30.0
    cell_timeout: float = 20.0
    seed: int | None = None
    progress: bool = True


def _assignment_cells(course: Course, assignment: str) -> tuple[str, dict[str, float]]:
    """The assignment's notebook name and the points of its autograded (code) grade cells."""
    from nbgrader.api import MissingEntry

    with course.gradebook() as gradebook:
        try:
            found = gradebook.find_assignment(assignment)
        except MissingEntry:
            raise SystemExit(f"{assignment} is not in the gradebook: run `convlab release {assignment}` first") from None
        if len(found.notebooks) != 1:
            raise SystemExit(f"{assignment} has {len(found.notebooks)} notebooks; convlab grades one per assignment")
        notebook = found.notebooks[0]
        points = {cell.name: float(cell.max_score) for cell in notebook.grade_cells if cell.cell_type == "code"}
        return notebook.name, points


def find_submissions(submissions: Path, assignment: str, only: list[str] | None) -> dict[str, Path]:
    found = {p.parent.name: p for p in sorted(submissions.glob(f"*/{assignment}")) if p.is_dir()}
    if only:
        missing = sorted(set(only) - set(found))
        if missing:
            raise SystemExit(f"no submission of {assignment} for: {', '.join(missing)}")
        found = {s: found[s] for s in only}
    return found


def class_spec(assignment: str, students: list[dict], kind: str, results_dir: Path, settings: Settings) -> dict:
    """What a pytest run of the hidden checks needs (read by convlab.checks): students are
    ``{"id", "workdir", "cells"}``."""
    return {"assignment": assignment, "sandbox": kind, "results_dir": str(results_dir),
            "call_timeout": settings.call_timeout, "first_call_timeout": settings.first_call_timeout,
            "cell_timeout": settings.cell_timeout, "seed": settings.seed, "students": students}


def checks_command(tests: Path, spec_path: Path) -> list[str]:
    """pytest on the hidden checks with the convlab plugin, ignoring any project pytest config."""
    return [sys.executable, "-m", "pytest", str(tests), "-p", "convlab.checks", "--convlab-class", str(spec_path),
            "-q", "-p", "no:cacheprovider", "-o", "addopts=", "--rootdir", str(tests.parent if tests.is_file() else tests),
            "-o", "console_output_style=classic"]


def _launch_shards(course: Course, assignment: str, ready: list[Prepared], settings: Settings,
                   kind: str, scratch: Path) -> tuple[list[subprocess.Popen], list]:
    """One pytest process per shard of the class; returns the processes and their open logs."""
    shards = [ready[k::settings.jobs] for k in range(settings.jobs)]
    processes, logs = [], []
    for k, members in enumerate(s for s in shards if s):
        students = [{"id": p.student, "workdir": str(p.workdir), "cells": p.sources} for p in members]
        spec_path = scratch / f"shard-{k}.json"
        write_json_atomically(spec_path, class_spec(assignment, students, kind, scratch / "results", settings))
        logs.append(open(scratch / f"shard-{k}.log", "w"))
        processes.append(subprocess.Popen(checks_command(course.grader_tests(assignment), spec_path),
                                          stdout=logs[-1], stderr=subprocess.STDOUT, cwd=course.root))
    return processes, logs


@contextlib.contextmanager
def course_lock(course: Course):
    """One grading run per course at a time: two would share the scratch folder and the gradebook."""
    path = course.root / ".convlab" / "grade.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise SystemExit(f"another convlab grade is running on this course ({handle.read().strip()}); "
                             "wait for it to finish") from None
        handle.truncate(0)
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        yield


def grade(course: Course, assignment: str, submissions: Path, students: list[str] | None = None,
          settings: Settings = Settings()) -> list[StudentGrade]:
    with course_lock(course):
        return _grade(course, assignment, submissions, students, settings)


def _grade(course: Course, assignment: str, submissions: Path, students: list[str] | None,
           settings: Settings) -> list[StudentGrade]:
    kind = sandbox.choose(settings.sandbox, settings.docker_image, settings.gpus)
    if settings.seed is None:  # one seed for every shard: the whole class gets the same cases
        settings = dataclasses.replace(settings, seed=int.from_bytes(os.urandom(4), "little"))
    print(f"grading {assignment} with seed {settings.seed} (--seed {settings.seed} draws the same inputs again)",
          file=sys.stderr)
    if kind == "none":
        print(sandbox.NOT_ISOLATED_WARNING, file=sys.stderr)
    notebook_name, points = _assignment_cells(course, assignment)
    scratch = course.scratch(assignment)
    shutil.rmtree(scratch, ignore_errors=True)
    (scratch / "results").mkdir(parents=True)

    folders = find_submissions(submissions, assignment, students)
    skip = skipped_grade_ids(course, assignment, notebook_name)
    prepared = {sid: prepare(course, assignment, notebook_name, sid, folder, scratch / "work" / sid, skip)
                for sid, folder in folders.items()}
    timestamps = {sid: _timestamp(folder) for sid, folder in folders.items()}
    ready = [p for p in prepared.values() if p.problem is None]
    grades: dict[str, StudentGrade] = {}

    def finish(prep: Prepared, results: dict | None):
        scores = score_grade_cells((results or {}).get("checks", []), points)
        notebook = record.autograded_notebook(prep, results, scores, points)
        record.write_autograded(course, assignment, prep, notebook, timestamps[prep.student])
        record.save_to_gradebook(course, assignment, prep, notebook, scores, timestamps[prep.student])
        failed = [c for c in (results or {}).get("checks", []) if not c["passed"]]
        grades[prep.student] = StudentGrade(prep.student, scores, points, prep.problem, failed,
                                            internal_errors=len((results or {}).get("internal_errors", [])))

    for prep in prepared.values():
        if prep.problem:
            prep.notebook = _release_notebook(course, assignment, notebook_name)
            finish(prep, None)

    processes, logs = _launch_shards(course, assignment, ready, settings, kind, scratch) if ready else ([], [])
    pending = {p.student: p for p in ready}
    with _progress(len(prepared), settings.progress, initial=len(grades)) as bar:
        while pending:
            for sid in [s for s in pending if (scratch / "results" / f"{s}.json").exists()]:
                results = json.loads((scratch / "results" / f"{sid}.json").read_text())
                finish(pending.pop(sid), results)
                bar.update(1)
            if pending and all(p.poll() is not None for p in processes):
                for sid in list(pending):  # the grader itself broke: record nothing, say so
                    pending.pop(sid)
                    grades[sid] = StudentGrade(sid, dict.fromkeys(points, 0.0), points, recorded=False,
                                               problem=f"NOT GRADED: the grader failed (see {scratch}/shard-*.log)")
                    bar.update(1)
            time.sleep(0.05)
    for process in processes:
        process.wait()
    for log in logs:
        log.close()
    api = course.nbgrader_api()
    for sid in (g.student for g in grades.values() if g.recorded):
        api.generate_feedback(assignment, sid)
    return [grades[sid] for sid in sorted(grades)]


def _timestamp(folder: Path) -> str | None:
    path = folder / "timestamp.txt"
    return path.read_text().strip() if path.is_file() else None


def _release_notebook(course: Course, assignment: str, notebook_name: str):
    import nbformat

    return nbformat.read(course.release(assignment) / f"{notebook_name}.ipynb", as_version=4)


def _progress(total: int, enabled: bool, initial: int):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, disable=not enabled, unit="student", desc="grading")
