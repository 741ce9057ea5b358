"""A synthetic class of any size for ``convlab report``, written straight into a course folder.

Grading a thousand students takes most of an hour; the report only reads what
grading leaves, so this writes that directly, in the same formats: the
gradebook (through nbgrader's API), two kept runs (:mod:`convlab.history`:
the second after a hidden check was fixed) and each student's autograded
notebook with answer code of their own. What is planted is known, so a test
can check the report finds exactly it:

- known mistakes, each made by a drawn share of the class (:data:`MISTAKES`);
- grading trouble: a student whose notebook timed out in one cell, a check that
  crashed in the grader for a few, a student the grader failed, one whose
  notebook could not be run;
- a regrade: ``conv2d::test_stride`` wrongly failed everyone in the first run;
- copied pairs: the second of each copies the first's code, renames every
  variable and rewrites the comments (:data:`COPIERS`).

    python benchmarks/synthetic_class.py FOLDER --students 1000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
from pathlib import Path

from convlab import history
from convlab.course import Course
from convlab.scoring import score_grade_cells

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "01_convolution"
NOTEBOOK = "convolution"
#: Each grade cell's hidden checks (names as convlab records them).
CHECKS = {cell: [f"test_{cell}::test_{name}" for name in names] for cell, names in {
    "correlate1d": ["valid", "same", "full", "dtype"],
    "gaussian_kernel1d": ["sums_to_one", "shape"],
    "convolve1d": ["valid", "same", "full", "inputs_left_alone"],
    "continuous_convolution": ["boxes", "gaussians"],
    "conv2d": ["valid", "same", "stride", "channels"],
    "conv2d_layer": ["bias", "activation", "batch"],
    "pool2d": ["max", "average", "stride"],
}.items()}
#: (grade cell, diagnosis, checks it fails, share of the class that makes it)
MISTAKES = [
    ("convolve1d", "the kernel was not flipped: this is cross-correlation, not convolution",
     ["valid", "same", "full"], 0.30),
    ("conv2d", "the 'same' padding put the extra row/column before the image instead of after it",
     ["same"], 0.12),
    ("pool2d", "the stride was ignored: the windows moved by one pixel", ["stride"], 0.08),
    ("gaussian_kernel1d", "the kernel was not normalised to sum to 1", ["sums_to_one"], 0.05),
]
#: Planted copies: (original, copier), as student ids.
COPIERS = [("s0003", "s0004"), ("s0010", "s0011")]
TIMED_OUT, NOT_GRADED, NOT_RUN = "s0005", "s0006", "s0007"
CRASHED_FOR = ("s0001", "s0002", "s0008")
CRASHED_CHECK = "test_pool2d::test_average"
FIXED_CHECK = "test_conv2d::test_stride"  # failed everyone in the first run: a bug in the check, fixed since


def student_ids(count: int) -> list[str]:
    return [f"s{k:04d}" for k in range(count)]


def build(root: Path, students: int, seed: int = 0) -> Course:
    """The course folder ``root`` with a graded class of ``students`` (at least 12, for what is planted)."""
    assert students >= 12, "the planted cases need 12 students"
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    release = root / "release" / ASSIGNMENT
    release.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", release / f"{NOTEBOOK}.ipynb")
    course = Course(root)
    rng = random.Random(seed)
    ids = student_ids(students)
    cells = _grade_cells(release / f"{NOTEBOOK}.ipynb")
    points = {name: p for name, (p, kind) in cells.items() if kind == "code"}
    made = {sid: [m for m in MISTAKES if rng.random() < m[3]] for sid in ids}
    for original, copier in COPIERS:
        made[copier] = made[original]
    first = _run(ids, made, points, fixed=False)
    second = _run(ids, made, points, fixed=True)
    for number, students_records in enumerate([first, second]):
        history.Run(f"2026010{number + 1}T090000000000Z-seed{1000 + number}", ASSIGNMENT, 1000 + number,
                    hashlib.sha256(f"hidden checks, version {number}".encode()).hexdigest(),
                    f"2026-01-0{number + 1}T09:00:00+00:00", f"2026-01-0{number + 1}T09:30:00+00:00",
                    students_records).save(course)
    _gradebook(course, cells, {sid: r["grade"] for sid, r in second.items() if r["grade"]["recorded"]})
    _notebooks(course, release / f"{NOTEBOOK}.ipynb", ids, rng)
    return course


def _grade_cells(notebook: Path) -> dict[str, tuple[float, str]]:
    found = {}
    for cell in json.loads(notebook.read_text())["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade"):
            found[meta["grade_id"]] = (float(meta["points"]), cell["cell_type"])
    return found


def _run(ids: list[str], made: dict, points: dict, fixed: bool) -> dict[str, dict]:
    records = {}
    for k, sid in enumerate(ids):
        failing = {f"test_{cell}::test_{name}": diagnosis for cell, diagnosis, names, _ in made[sid] for name in names}
        checks = []
        for cell, names in CHECKS.items():
            for check in names:
                record = {"check": check, "grade_id": cell, "passed": True, "message": "",
                          "seconds": round(0.01 + 0.002 * (k % 7) + (0.5 if cell == "conv2d_layer" else 0), 3)}
                if sid == TIMED_OUT and cell == "gaussian_kernel1d":
                    record.update(passed=False, message="gaussian_kernel1d(5) timed out after 5 s")
                elif check in failing:
                    record.update(passed=False, what=f"{cell}(x, k)", diagnosis=failing[check],
                                  message=f"{cell}(x, k) with {3 + k % 5} rows is wrong: {failing[check]}")
                elif check == FIXED_CHECK and not fixed:
                    record.update(passed=False, message=f"conv2d(image, kernel, stride=2) returned shape "
                                                        f"({k % 4 + 2}, 3); expected (3, 3)")
                elif check == CRASHED_CHECK and sid in CRASHED_FOR:
                    record.update(passed=False, internal=True, message="the check could not be completed")
                checks.append(record)
        problem = None
        if sid == NOT_RUN:
            checks, problem = [], "your notebook is not valid JSON"
        scores = score_grade_cells(checks, points)
        grade = {"student": sid, "scores": scores, "points": points, "problem": problem,
                 "internal_errors": len([c for c in checks if c.get("internal")]), "recorded": sid != NOT_GRADED}
        if sid == NOT_GRADED:
            grade.update(scores=dict.fromkeys(points, 0.0), problem="NOT GRADED: the grader failed")
            checks = []
        results = {"seed": None, "start_error": None, "checks": checks,
                   "cells": [{"index": 4, "lost": "it timed out after 20 s"}] if sid == TIMED_OUT else [],
                   "internal_errors": [{"check": CRASHED_CHECK, "traceback": "Traceback ...\nKeyError: 'a grader bug'"}]
                   if sid in CRASHED_FOR else [],
                   "timing": {"notebook_seconds": 1.0 + (k % 13) / 10, "checks_seconds": 2.0 + (k % 17) / 10}}
        records[sid] = history.student_record(grade, None if sid in (NOT_GRADED, NOT_RUN) else results)
    return records


def _gradebook(course: Course, cells: dict, grades: dict[str, dict]) -> None:
    """The assignment and its grade cells through nbgrader's API, then every recorded student's
    rows with nbgrader's own models in one transaction (``add_submission`` commits per student:
    minutes for a thousand)."""
    from nbgrader.api import Grade, Student, SubmittedAssignment, SubmittedNotebook

    with course.gradebook() as gradebook:
        assignment = gradebook.update_or_create_assignment(ASSIGNMENT)
        notebook = gradebook.update_or_create_notebook(NOTEBOOK, ASSIGNMENT)
        rows = {name: gradebook.update_or_create_grade_cell(name, NOTEBOOK, ASSIGNMENT, max_score=points,
                                                            cell_type=kind) for name, (points, kind) in cells.items()}
        for sid, grade in grades.items():
            submission = SubmittedAssignment(assignment=assignment, student=Student(id=sid))
            submitted = SubmittedNotebook(assignment=submission, notebook=notebook)
            for name, cell in rows.items():
                scored = name in grade["scores"]  # else the written answer, graded by hand
                gradebook.db.add(Grade(cell=cell, notebook=submitted, needs_manual_grade=False,
                                       auto_score=grade["scores"][name] if scored else None,
                                       manual_score=None if scored else 1.0))
        gradebook.db.commit()


# Answer code: each student's body is drawn step by step from these alternatives, with checks and
# tolerances of their own, so that honest students share short idioms (which the report discounts) but
# rarely a whole function.
_STEPS = [
    ["{x} = np.asarray({x}, dtype=float)", "{x} = np.array({x}, dtype=np.float64)", "{x} = {x}.astype(float)"],
    ["{f} = np.asarray({f}, dtype=float)[::-1]", "{f} = np.flip(np.asarray({f}, float))",
     "{f} = np.array({f}[::-1], dtype=float)"],
    ["{n}, {m} = len({x}), len({f})", "{n} = {x}.shape[0]\n    {m} = {f}.shape[0]", "{n}, {m} = {x}.size, {f}.size"],
    ["{out} = np.zeros({n} - {m} + 1)", "{out} = np.empty({n} - {m} + 1, dtype=float)", "{out} = [0.0] * ({n} - {m} + 1)"],
    ["for {i} in range(len({out})):\n        {out}[{i}] = np.dot({x}[{i}:{i} + {m}], {f})",
     "for {i} in range({n} - {m} + 1):\n        {out}[{i}] = ({x}[{i}:{i} + {m}] * {f}).sum()",
     "{i} = 0\n    while {i} <= {n} - {m}:\n        {out}[{i}] = sum({x}[{i} + j] * {f}[j] for j in range({m}))\n"
     "        {i} += 1"],
    ["return np.asarray({out})", "return np.array({out}, dtype=float)", "return {out}"],
]
_EXTRAS = ["if {x}.ndim != {a}:\n        raise ValueError('expected {a} axes')", "assert {m} <= {n} + {a}",
           "{out} = {out} if abs({a}) < {b} else {out}", "{f} = {f} * {a}.0 / {a}", "eps = {a}e-{b}"]
_NAMES = [dict(x="x", f="f", n="n", m="m", out="out", i="i"), dict(x="signal", f="kernel", n="length", m="width",
                                                                   out="result", i="k")]
_STUB = "# YOUR CODE HERE\n    raise NotImplementedError()"


def _answer(stub_cell: str, draws: list[tuple[int, str]], names: dict, comment: str) -> str:
    """The release's cell with its stub replaced by the drawn body (steps, each maybe after an extra line)."""
    lines = [f"# {comment}"]
    for step, (choice, extra) in enumerate(draws):
        if extra:
            lines.append(extra.format(**names))
        lines.append(_STEPS[step][choice].format(**names))
    return stub_cell.replace(_STUB, "\n    ".join(lines))


def _draws(rng: random.Random) -> list[tuple[int, str]]:
    return [(rng.randrange(len(step)), rng.choice(_EXTRAS).replace("{a}", str(rng.randrange(2, 9)))
             .replace("{b}", str(rng.randrange(2, 9))) if rng.random() < 0.7 else "") for step in _STEPS]


def _notebooks(course: Course, release: Path, ids: list[str], rng: random.Random) -> None:
    template = json.loads(release.read_text())
    answers = {sid: {cell: (_draws(rng), f"my {cell}, by {sid}") for cell in CHECKS} for sid in ids}
    for original, copier in COPIERS:
        answers[copier] = {cell: (draws, f"written late at night ({cell})")
                           for cell, (draws, _) in answers[original].items()}
    copiers = {c for _, c in COPIERS}
    for sid in ids:
        notebook = json.loads(json.dumps(template))
        for cell in notebook["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            function = meta.get("grade_id", "").removesuffix("_code")
            if cell["cell_type"] == "code" and meta.get("solution") and function in answers[sid]:
                draws, comment = answers[sid][function]
                cell["source"] = _answer("".join(cell["source"]), draws, _NAMES[sid in copiers], comment)
        folder = course.autograded(sid, ASSIGNMENT)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{NOTEBOOK}.ipynb").write_text(json.dumps(notebook))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--students", type=int, default=1000)
    args = parser.parse_args()
    build(args.folder, args.students)
    print(f"a class of {args.students} in {args.folder}")
