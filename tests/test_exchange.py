"""The whole loop through nbgrader's exchange, with nbgrader's own commands and ``convlab grade``.

One class goes through a real exchange folder once (module-scoped), as on a
JupyterHub whose users are accounts of the machine: the instructor (root here)
releases, five students, each a Unix account with a home of their own, fetch
and submit, the instructor collects, grades with ``convlab grade``, releases
the feedback, and the students fetch it. Making the accounts needs root.

    alice   submits the untouched release, then the reference: the latest counts
    bob     submits a flipped kernel in conv2d
    carol   submits the reference after the due date (the course's late penalty: zero)
    dave    renames his notebook before submitting
    erin    submits a folder without her notebook
"""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from exchange_loop import Exchange, needs_root, student_accounts

from convlab.course import Course

ASSIGNMENT = "01_convolution"
NOTEBOOK = "convolution.ipynb"
STUDENTS = ["alice", "bob", "carol", "dave", "erin"]
pytestmark = [pytest.mark.slow, needs_root]


@pytest.fixture(scope="module")
def loop(released_course):
    course = released_course(lambda c: (c.root / "nbgrader_config.py").open("a").write(
        '\nc.LateSubmissionPlugin.penalty_method = "zero"\n'))
    with student_accounts(STUDENTS):
        exchange = Exchange(course, STUDENTS)
        try:
            yield exchange, class_goes_through(exchange)
        finally:
            exchange.close()


def class_goes_through(exchange: Exchange) -> dict:
    """The whole loop; what each step printed, by step."""
    def work(student, example):
        return exchange.work(student, ASSIGNMENT, NOTEBOOK, example)

    outputs = {}
    exchange.run("release_assignment", ASSIGNMENT)
    exchange.run("release_feedback", ASSIGNMENT)  # none yet: it makes the exchange's feedback folder
    for student in STUDENTS:
        exchange.run("fetch_assignment", ASSIGNMENT, student=student)

    exchange.run("submit", ASSIGNMENT, student="alice")  # the untouched release first
    work("alice", "reference")
    exchange.run("submit", ASSIGNMENT, student="alice")
    work("bob", "flipped_kernel")
    exchange.run("submit", ASSIGNMENT, student="bob")
    renamed = work("dave", "reference")
    renamed.rename(renamed.with_name("my_convolution.ipynb"))
    outputs["dave submit"] = exchange.run("submit", ASSIGNMENT, student="dave")
    (exchange.home("erin") / ASSIGNMENT / NOTEBOOK).unlink()
    outputs["erin submit"] = exchange.run("submit", ASSIGNMENT, student="erin")
    with exchange.course.gradebook() as gradebook:  # due now: carol, who submits next, is late
        gradebook.update_or_create_assignment(ASSIGNMENT, duedate=datetime.datetime.now(datetime.timezone.utc))
    work("carol", "reference")
    exchange.run("submit", ASSIGNMENT, student="carol")
    outputs["early fetch_feedback"] = exchange.run("fetch_feedback", ASSIGNMENT, student="alice", check=False)
    outputs["early pages"] = feedback_pages(exchange, "alice")

    outputs["grade"] = exchange.collect_and_grade(ASSIGNMENT)
    outputs["release_feedback"] = exchange.run("release_feedback", ASSIGNMENT)
    for student in STUDENTS:
        outputs[f"{student} fetch_feedback"] = exchange.run("fetch_feedback", ASSIGNMENT, student=student)
    exchange.run("export", "--to", "grades.csv")
    outputs["grades.csv"] = (exchange.course.root / "grades.csv").read_text()
    return outputs


def feedback_pages(exchange: Exchange, user: str) -> list[Path]:
    return sorted((exchange.home(user) / ASSIGNMENT / "feedback").glob("*/*.html"))


def report_text(page: Path) -> str:
    return " ".join(BeautifulSoup(page.read_text(), "html.parser").get_text(" ").split())


def scores(course: Course) -> dict[str, tuple[float, float]]:
    """(score, late penalty) of each student's submission, as nbgrader's gradebook holds them."""
    with course.gradebook() as gradebook:
        return {s.student_id: (s.score, s.late_submission_penalty)
                for s in gradebook.assignment_submissions(ASSIGNMENT)}


def test_every_student_is_graded_and_the_latest_submission_counts(loop):
    exchange, outputs = loop
    assert outputs["grade"].returncode == 0, outputs["grade"].stderr
    graded = scores(exchange.course)
    assert sorted(graded) == STUDENTS
    autograded_points = 17  # every grade cell but the written answer (2 points, graded by hand)
    assert graded["alice"] == (autograded_points, 0)
    assert 0 < graded["bob"][0] < autograded_points


def test_a_late_submission_gets_the_courses_late_penalty(loop):
    exchange, outputs = loop
    with exchange.course.gradebook() as gradebook:
        assert gradebook.find_submission(ASSIGNMENT, "carol").total_seconds_late > 0
    grades = {row["student_id"]: row for row in csv.DictReader(io.StringIO(outputs["grades.csv"]))}
    carol, alice = grades["carol"], grades["alice"]
    assert float(carol["raw_score"]) == 17 and float(carol["late_submission_penalty"]) == 17
    assert float(carol["score"]) == 0  # penalty_method "zero": nothing of a late submission counts
    assert float(alice["score"]) == 17 and float(alice["late_submission_penalty"]) == 0


def test_students_read_their_feedback_with_the_hidden_checks_diagnoses(loop):
    exchange, outputs = loop
    assert "Releasing feedback for student 'bob'" in outputs["release_feedback"].stderr
    [page] = feedback_pages(exchange, "bob")
    text = report_text(page)
    assert "Hidden checks for conv2d" in text
    assert "it equals the true convolution (kernel flipped in both directions)" in text
    [page] = feedback_pages(exchange, "alice")
    assert "Hidden checks for conv2d: " in report_text(page) and "FAIL" not in report_text(page)


def test_fetching_feedback_before_it_is_released_says_so_and_changes_nothing(loop):
    exchange, outputs = loop
    early = outputs["early fetch_feedback"]
    assert early.returncode == 0, early.stderr
    assert "Could not find feedback for 'convlab/01_convolution/convolution' submitted at" in early.stderr
    assert outputs["early pages"] == []
    assert len(feedback_pages(exchange, "alice")) == 1  # the fetch after grading got it all the same


def test_a_renamed_or_missing_notebook_is_named_and_nothing_is_lost(loop):
    exchange, outputs = loop
    assert "my_convolution.ipynb" in outputs["dave submit"].stderr  # nbgrader warns at submission
    assert "convolution.ipynb: MISSING" in outputs["erin submit"].stderr
    assert scores(exchange.course)["dave"][0] == 0 and scores(exchange.course)["erin"][0] == 0
    grade_output = outputs["grade"].stdout + outputs["grade"].stderr
    assert "rename yours to convolution.ipynb" in grade_output
    submitted = exchange.course.root / "submitted" / "dave" / ASSIGNMENT / "my_convolution.ipynb"
    assert submitted.is_file()  # the work is kept, for the instructor to grade by hand
    [page] = feedback_pages(exchange, "dave")
    assert "rename yours to convolution.ipynb" in report_text(page)
