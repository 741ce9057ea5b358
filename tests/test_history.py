"""The kept grading runs (convlab.history): what a regrade is compared with."""

from dataclasses import asdict

from convlab import history
from convlab.course import Course
from convlab.grading import StudentGrade


def test_the_checks_digest_follows_the_checks_not_pythons_caches(tmp_path):
    tests = tmp_path / "grader_tests" / "01"
    tests.mkdir(parents=True)
    (tests / "test_a.py").write_text("def test_a(): pass\n")
    first = history.tests_digest(tests)
    (tests / "__pycache__").mkdir()
    (tests / "__pycache__" / "test_a.cpython-311.pyc").write_bytes(b"\x00cache")
    assert history.tests_digest(tests) == first
    (tests / "test_a.py").write_text("def test_a(): assert False\n")
    assert history.tests_digest(tests) != first


def test_a_run_keeps_each_recorded_student_and_those_not_graded(tmp_path):
    course, scratch = Course(tmp_path), tmp_path / ".convlab" / "01"
    points = {"q": 2.0}
    recorded = StudentGrade("ann", {"q": 2.0}, points)
    broken = StudentGrade("bob", {"q": 0.0}, points, problem="NOT GRADED: the grader failed", recorded=False)
    results = {"seed": 5, "checks": [{"check": "test_q::test_a", "grade_id": "q", "passed": True, "message": "",
                                      "seconds": 0.1}],
               "cells": [{"index": 0, "outputs": ["big"], "lost": None}, {"index": 1, "outputs": [], "lost": "timed out"}],
               "internal_errors": [], "timing": {"notebook_seconds": 1.0, "checks_seconds": 2.0}}
    history.keep_student(scratch, asdict(recorded), results)
    history.keep_run(course, "01", 5, "digest", history.now(), [recorded, broken], scratch)
    (run,) = history.runs(course, "01")
    assert (run.seed, run.grader_tests) == (5, "digest")
    assert run.students["ann"]["checks"] == results["checks"]
    assert run.students["ann"]["stopped_cells"] == [{"index": 1, "lost": "timed out"}]  # no outputs kept
    assert run.students["bob"]["grade"]["recorded"] is False and run.students["bob"]["checks"] == []
