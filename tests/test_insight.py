"""``convlab report`` on a synthetic class (benchmarks/synthetic_class.py): every number checked
against the gradebook and what was planted, bad input, the command, and the page in Chromium.

The class is written straight into a course folder (gradebook, two kept runs, autograded
notebooks) in seconds; tests/test_insight_class.py makes the report of a class really graded.
"""

import csv
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import synthetic_class as synthetic  # noqa: E402

from convlab import history  # noqa: E402
from convlab.course import Course  # noqa: E402
from convlab.insight import analysis, sources  # noqa: E402
from convlab.insight.page import write_report  # noqa: E402

STUDENTS = 60
ARTIFACTS = ROOT / "build" / "test-artifacts" / "insight"


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    return synthetic.build(tmp_path_factory.mktemp("class"), STUDENTS)


@pytest.fixture(scope="module")
def report(course) -> Path:
    page, notes = write_report(course, synthetic.ASSIGNMENT)
    assert notes == []  # a consistent class: nothing to warn about
    return page


def read_csv(report: Path, name: str) -> list[dict]:
    with (report.parent / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def gradebook_scores(course) -> dict[str, dict[str, float]]:
    """Every student's scores, through nbgrader's own API (not the report's queries)."""
    with course.gradebook() as gradebook:
        return {s.student.id: {g.name: g.score for g in s.notebooks[0].grades}
                for s in gradebook.find_assignment(synthetic.ASSIGNMENT).submissions}


def test_scores_are_the_gradebooks(course, report):
    expected = gradebook_scores(course)
    rows = {row["student"]: row for row in read_csv(report, "scores.csv")}
    assert set(rows) == set(expected)
    for student, scores in expected.items():
        assert {cell: float(rows[student][cell]) for cell in scores} == scores
        assert float(rows[student]["total"]) == pytest.approx(sum(scores.values()))


def test_score_summary_matches_the_gradebook(course, report):
    expected = gradebook_scores(course)
    summary = {row["grade_cell"]: row for row in read_csv(report, "score_summary.csv")}
    with course.gradebook() as gradebook:
        points = {c.name: c.max_score for c in gradebook.find_notebook("convolution", synthetic.ASSIGNMENT).grade_cells}
    for cell, most in points.items():
        values = [scores[cell] for scores in expected.values()]
        row = summary[cell]
        assert float(row["mean"]) == pytest.approx(statistics.fmean(values), abs=0.01)
        assert float(row["median"]) == pytest.approx(statistics.median(values))
        assert int(row["at_zero"]) == sum(v == 0 for v in values)
        assert int(row["at_full"]) == sum(v == most for v in values)
    assert float(summary["total"]["points"]) == sum(points.values())


def test_misconceptions_name_exactly_the_students_who_made_them(course, report):
    """Each planted mistake costs its cell a known share: the students with that score are its group."""
    expected = gradebook_scores(course)
    groups = {(row["grade_cell"], row["misconception"]): set(row["who"].split()) for row in
              read_csv(report, "misconceptions.csv") if row["known_mistake"] == "True"}
    flipped = groups[("convolve1d", synthetic.MISTAKES[0][1])]
    assert flipped == {s for s, scores in expected.items() if scores["convolve1d"] == 0.5}
    assert len(flipped) > STUDENTS / 10
    rows = read_csv(report, "misconceptions.csv")
    assert [int(r["students"]) for r in rows] == sorted((int(r["students"]) for r in rows), reverse=True)
    page = report.read_text()
    assert f"{len(flipped)} students</span>\nin <code>convolve1d</code>: {synthetic.MISTAKES[0][1]}" in page


def test_checks_are_ranked_by_failure_rate(course, report):
    rows = read_csv(report, "checks.csv")
    rates = [float(r["failure_rate"]) for r in rows]
    assert rates == sorted(rates, reverse=True)
    assert {r["check"] for r in rows[:3]} == {f"test_convolve1d::test_{n}" for n in ("valid", "same", "full")}
    crashed = next(r for r in rows if r["check"] == synthetic.CRASHED_CHECK)
    assert int(crashed["ran"]) == STUDENTS - 2 - len(synthetic.CRASHED_FOR)  # not the crashes, nor the ungraded


def test_grading_problems_are_all_there(course):
    problems = analysis.grading_problems(sources.load(course, synthetic.ASSIGNMENT))
    assert list(problems.not_graded) == [synthetic.NOT_GRADED]
    assert list(problems.not_run) == [synthetic.NOT_RUN]
    assert problems.stopped_cells == [(synthetic.TIMED_OUT, 4, "it timed out after 20 s")]
    assert problems.crashed_checks == {synthetic.CRASHED_CHECK: list(synthetic.CRASHED_FOR)}
    assert problems.crash_example[synthetic.CRASHED_CHECK] == "KeyError: 'a grader bug'"
    assert problems.slowest_checks(1)[0][0].startswith("test_conv2d_layer::")
    assert len(problems.seconds) == STUDENTS - 2


def test_the_regrade_shows_who_gained_what(course, report):
    rows = read_csv(report, "regrades.csv")
    expected = gradebook_scores(course)
    gained = {s for s in expected if s != synthetic.NOT_RUN}
    assert {r["student"] for r in rows} == gained and {r["grade_cell"] for r in rows} == {"conv2d"}
    for row in rows:  # one of the four conv2d checks was wrongly failed: a quarter of 4 points back
        assert float(row["after"]) - float(row["before"]) == pytest.approx(1.0)
        assert float(row["after"]) == expected[row["student"]]["conv2d"]
    page = report.read_text()
    assert "the hidden checks changed" in page and "inputs were drawn again" in page


def test_similarity_finds_the_planted_copies_and_nothing_else(report):
    rows = read_csv(report, "similarity.csv")
    assert {(r["student"], r["other"]) for r in rows} == set(synthetic.COPIERS)
    assert all(float(r["share_of_student"]) > 0.9 for r in rows)
    page = report.read_text()
    assert "A lead for a person to read, not a verdict." in page
    assert "<mark>" in page and "written late at night" in page  # the side-by-side view


def test_student_text_is_escaped(course, tmp_path):
    """Messages and code are the students' text: they never become markup in the page."""
    run = history.runs(course, synthetic.ASSIGNMENT)[-1]
    run.students["s0009"]["checks"][0].update(passed=False, message="<script>alert('x')</script> is wrong")
    copy = copy_of(course, tmp_path)
    run.save(copy)
    page = write_report(copy, synthetic.ASSIGNMENT)[0].read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def copy_of(course: Course, tmp_path: Path) -> Course:
    copy = Course(tmp_path / "class")
    shutil.copytree(course.root, copy.root, ignore=shutil.ignore_patterns("reports"))
    return copy


def test_an_assignment_never_graded_says_so(course):
    with pytest.raises(SystemExit, match="02_output_shapes is not an assignment"):
        write_report(course, "02_output_shapes")
    (course.root / "release" / "02_output_shapes").mkdir()
    try:
        with pytest.raises(SystemExit, match=r"02_output_shapes has never been graded.*convlab grade 02_output_shapes"):
            write_report(course, "02_output_shapes")
    finally:
        (course.root / "release" / "02_output_shapes").rmdir()


def test_another_courses_gradebook_is_named_and_the_runs_scores_shown(course, tmp_path):
    copy = copy_of(course, tmp_path)
    config = copy.root / "nbgrader_config.py"
    config.write_text(config.read_text().replace('course_id = "convlab"', 'course_id = "another_course"'))
    page, notes = write_report(Course(copy.root), synthetic.ASSIGNMENT)
    assert any("another course's gradebook" in note and "'convlab'" in note for note in notes)
    rows = {r["student"]: r for r in read_csv(page, "scores.csv")}
    assert "equivariance_answer" not in rows["s0000"]  # the manual grades are only in the gradebook
    assert float(rows["s0000"]["conv2d"]) == 4.0 and synthetic.NOT_GRADED not in rows
    assert "another course" in page.read_text()


def test_a_gradebook_whose_cells_differ_is_not_used(course, tmp_path):
    copy = copy_of(course, tmp_path)
    for path in history.history_folder(copy, synthetic.ASSIGNMENT).glob("*.json"):
        path.write_text(path.read_text().replace('"pool2d": 3.0', '"pool2d": 5.0'))
    _, notes = write_report(copy, synthetic.ASSIGNMENT)
    assert any("not those convlab grade scored" in note and "pool2d /5" in note for note in notes)


def test_students_graded_under_different_seeds_are_named(course, tmp_path):
    copy = copy_of(course, tmp_path)
    last = history.runs(copy, synthetic.ASSIGNMENT)[-1]
    last.students["s0000"]["seed"] = 7
    last.save(copy)
    _, notes = write_report(copy, synthetic.ASSIGNMENT)
    assert any("different seeds" in note and "seed 7: 1 students" in note for note in notes)


def test_a_kept_run_that_is_not_one_says_which_file(course, tmp_path):
    copy = copy_of(course, tmp_path)
    (history.history_folder(copy, synthetic.ASSIGNMENT) / "broken.json").write_text('{"seed": 1}')
    with pytest.raises(SystemExit, match=r"broken.json is not a grading run convlab kept"):
        write_report(copy, synthetic.ASSIGNMENT)


def test_no_gradebook_still_gives_a_report_from_the_runs(course, tmp_path):
    copy = copy_of(course, tmp_path)
    (copy.root / "gradebook.db").unlink()
    page, notes = write_report(copy, synthetic.ASSIGNMENT)
    assert any("there is no gradebook" in note for note in notes)
    assert len(read_csv(page, "scores.csv")) == STUDENTS - 1  # all but the student the grader failed


def test_a_gradebook_without_submissions_gives_the_runs_scores(course, tmp_path):
    import sqlite3

    copy = copy_of(course, tmp_path)
    with sqlite3.connect(copy.root / "gradebook.db") as db:
        for table in ("grade", "comment", "submitted_notebook", "submitted_assignment"):
            db.execute(f"DELETE FROM {table}")
    page, notes = write_report(copy, synthetic.ASSIGNMENT)
    assert any("the gradebook holds no submission of 01_convolution" in note for note in notes)
    assert len(read_csv(page, "scores.csv")) == STUDENTS - 1


def test_the_command_writes_the_report_and_prints_its_path(course, tmp_path):
    done = subprocess.run([sys.executable, "-m", "convlab.cli", "--course", str(course.root), "report",
                           synthetic.ASSIGNMENT, "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"report of {synthetic.ASSIGNMENT}: out/index.html"
    assert len(read_csv(tmp_path / "out" / "index.html", "similarity.csv")) == len(synthetic.COPIERS)


@pytest.mark.browser
def test_the_page_in_chromium(report):
    """The page as an instructor opens it: every section there, the figures drawn, nothing fetched."""
    from browser import launch
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            page = chromium.new_page(viewport={"width": 1280, "height": 900})
            requests = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(report.as_uri())
            for heading in ("Scores", "What went wrong", "Grading problems", "Regrades", "Similarity"):
                assert page.get_by_role("heading", name=heading, exact=True).is_visible()
            assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
            page.screenshot(path=str(ARTIFACTS / "report.png"))
            page.evaluate("document.getElementById('mistakes').scrollIntoView()")
            page.screenshot(path=str(ARTIFACTS / "report-mistakes.png"))
            page.get_by_text("s0003 and s0004: the matching code, marked").click()
            marked = page.locator("details.side-by-side[open] mark").first
            assert marked.is_visible()
            marked.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "report-similarity.png"))
            assert all(url.startswith(("file:", "data:")) for url in requests), requests
        finally:
            chromium.close()
