"""``convlab report`` on a class really graded: part of the example class, graded with a hidden
check that has a bug, then regraded after the fix, as an instructor would.

The synthetic class of tests/test_insight.py checks every number; this proves that what
``convlab grade`` keeps is what the report needs: every run kept with its seed and the digest of
the checks, the diagnoses, the cells the sandbox stopped, a regrade's gains.
"""

import csv
from pathlib import Path

import pytest

from convlab import history
from convlab.grading import Settings, grade
from convlab.insight.page import write_report

ASSIGNMENT = "01_convolution"
STUDENTS = ["reference", "flipped_kernel", "pool_stride_ignored", "untouched", "runtime_restart", "damaged"]
REGRADED = ["reference", "flipped_kernel", "pool_stride_ignored"]
BUGGY_CHECK = '''
import pytest

pytestmark = pytest.mark.grade_id("pool2d")


def test_written_with_a_bug(student):
    pytest.fail("pool2d is wrong: the check compares with the wrong answer", pytrace=False)
'''

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def course(released_course):
    def add_damaged(course):
        folder = course.root / "examples" / "submissions" / "damaged" / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / "convolution.ipynb").write_bytes(b'{"cells": [\x00 garbage')

    course = released_course(add_damaged)
    submissions = course.root / "examples" / "submissions"
    buggy = course.grader_tests(ASSIGNMENT) / "test_pool2d_buggy.py"
    buggy.write_text(BUGGY_CHECK)
    grade(course, ASSIGNMENT, submissions, STUDENTS, Settings(jobs=2, progress=False))
    buggy.unlink()  # the instructor fixes the check, and grades again those who complained
    grade(course, ASSIGNMENT, submissions, REGRADED, Settings(jobs=2, progress=False))
    return course


@pytest.fixture(scope="module")
def report(course):
    return write_report(course, ASSIGNMENT)


def rows(page: Path, name: str) -> list[dict]:
    with (page.parent / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_run_is_kept_with_its_seed_and_checks(course):
    first, second = history.runs(course, ASSIGNMENT)
    assert set(first.students) == set(STUDENTS) and set(second.students) == set(REGRADED)
    assert first.seed != second.seed and first.grader_tests != second.grader_tests
    assert all("seconds" in check for check in second.students["reference"]["checks"])


def test_scores_are_the_gradebooks(course, report):
    page, _ = report
    with course.gradebook() as gradebook:
        expected = {s: {g.name: g.score for g in gradebook.find_submission_notebook("convolution", ASSIGNMENT, s).grades}
                    for s in STUDENTS}
    found = {row["student"]: row for row in rows(page, "scores.csv")}
    assert {s: {cell: float(found[s][cell]) for cell in expected[s]} for s in STUDENTS} == expected
    assert expected["reference"]["pool2d"] == 3.0  # the regrade's


def test_the_regrade_gives_back_what_the_bug_took(report):
    page, _ = report
    changes = rows(page, "regrades.csv")
    assert {(r["student"], r["grade_cell"]) for r in changes} == {(s, "pool2d") for s in REGRADED}
    assert all(float(r["after"]) > float(r["before"]) for r in changes)
    text = page.read_text()
    assert "the hidden checks changed" in text
    assert "Graded only in the earlier run: damaged, runtime_restart, untouched." in text


def test_diagnoses_and_problems_are_the_classs(report):
    page, notes = report
    known = {(r["grade_cell"], r["who"]) for r in rows(page, "misconceptions.csv") if r["known_mistake"] == "True"}
    assert ("conv2d", "flipped_kernel") in known and ("pool2d", "pool_stride_ignored") in known
    text = page.read_text()
    assert "the Python process died while running cell" in text  # runtime_restart's stopped cell
    assert "damaged: " in text  # a notebook that could not be run
    assert any("different seeds" in note for note in notes)  # three students regraded under a new seed
