"""Every ``convlab grade`` run, kept: what the instructor's report reads, and what a regrade is compared with.

The run journal (:mod:`convlab.journal`) lives only as long as a run: the next
run of the assignment empties it. A run that finishes is therefore also kept
under ``.convlab/history/<assignment>/<run id>.json``: its seed, a digest of
the hidden checks that graded it (``grader_tests/<assignment>/``), when it
started and finished, and for every student graded the scores, each check's
verdict and diagnosis, the cells the sandbox had to stop, the checks that
crashed in the grader and how long it all took. Cell outputs are left out:
the autograded notebooks hold them, and the report never needs them. While
the run goes on, each student's record waits in the scratch folder
(``kept/``), beside the journal's, so a resumed run keeps what the killed one
recorded.

After an instructor fixes a hidden check and grades again, the last two runs
say who gained or lost what (:mod:`convlab.insight`), and the digest says
whether the checks changed in between.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from convlab.checks import write_json_atomically
from convlab.course import Course


def history_folder(course: Course, assignment: str) -> Path:
    return course.root / ".convlab" / "history" / assignment


def tests_digest(folder: Path) -> str:
    """A digest of the hidden checks' files (names and contents), without Python's caches,
    which pytest writes on the first run and would make two runs of the same checks differ."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if "__pycache__" in path.parts or not path.is_file():
            continue
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def student_record(grade: dict, results: dict | None) -> dict:
    """What a run keeps of one student: their grade (a :class:`convlab.grading.StudentGrade` as a
    dict) and, from their results file, everything but the cells' outputs."""
    results = results or {}
    return {
        "grade": {key: grade[key] for key in ("scores", "points", "problem", "recorded", "internal_errors")},
        "seed": results.get("seed"),
        "start_error": results.get("start_error"),
        "checks": results.get("checks", []),
        "stopped_cells": [{"index": c["index"], "lost": c["lost"]} for c in results.get("cells", []) if c.get("lost")],
        "internal_errors": results.get("internal_errors", []),
        "timing": results.get("timing", {}),
    }


@dataclass
class Run:
    """One finished ``convlab grade`` run of an assignment."""

    id: str
    assignment: str
    seed: int
    grader_tests: str  # tests_digest of grader_tests/<assignment>/ when the run started
    started: str
    finished: str
    students: dict[str, dict]  # student id -> student_record

    def save(self, course: Course) -> Path:
        path = history_folder(course, self.assignment) / f"{self.id}.json"
        write_json_atomically(path, asdict(self))
        return path


def keep_student(scratch: Path, grade: dict, results: dict | None) -> None:
    """Keep one student's record in the run's scratch folder as they are recorded, so that it
    outlives a kill: a resumed run keeps the students the killed one recorded."""
    write_json_atomically(scratch / "kept" / f"{grade['student']}.json", student_record(grade, results))


def keep_run(course: Course, assignment: str, seed: int, grader_tests: str, started: str, grades: list,
             scratch: Path) -> Path:
    """Keep a finished run: ``grades`` are its StudentGrades; :func:`keep_student` has kept those recorded."""
    students = {}
    for grade in grades:
        path = scratch / "kept" / f"{grade.student}.json"
        students[grade.student] = (json.loads(path.read_text()) if grade.recorded and path.exists()
                                   else student_record(asdict(grade), None))
    run_id = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}-seed{seed}"
    return Run(run_id, assignment, seed, grader_tests, started, now(), students).save(course)


def runs(course: Course, assignment: str) -> list[Run]:
    """The assignment's kept runs, oldest first (by when they finished)."""
    found = []
    for path in history_folder(course, assignment).glob("*.json"):
        try:
            found.append(Run(**json.loads(path.read_text())))
        except (ValueError, TypeError) as error:
            raise SystemExit(f"{path} is not a grading run convlab kept ({error}); move it away and run "
                             "the report again") from None
    return sorted(found, key=lambda run: (run.finished, run.id))
