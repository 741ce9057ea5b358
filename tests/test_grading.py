"""Real runs of the grading pipeline on the example class (examples/submissions/).

The class is graded once per module in a copy of the course, through the same
library call ``convlab grade`` makes; every test then reads what a user would:
the gradebook, the autograded notebooks, the feedback, the printed table.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from convlab.grading import Settings, grade
from convlab.report import score_table

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "01_convolution"
#: A 1x1 grey PNG, a figure for feedback pages.
TINY_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="
POINTS = {"correlate1d": 2, "gaussian_kernel1d": 1, "convolve1d": 2, "continuous_convolution": 2,
          "conv2d": 4, "conv2d_layer": 3, "pool2d": 3}

# Each realistic wrong submission: the one grade cell its mistake must cost, and
# words of the diagnosis its feedback must give. Every other grade cell keeps full marks.
MISTAKES = {
    "flipped_kernel": ("conv2d", "flipped"),
    "same_pad_wrong_side": ("conv2d", "extra row/column after"),
    "channels_first": ("conv2d", "conv2d"),
    "pool_stride_ignored": ("pool2d", "stride"),
    "endless_loop": ("gaussian_kernel1d", "timed out"),
}

pytestmark = pytest.mark.slow


def add_broken_submissions(submissions: Path) -> None:
    """Submissions that must not disturb the class: tampered, damaged, misnamed."""
    reference = nbformat.read(submissions / "reference" / ASSIGNMENT / "convolution.ipynb", 4)
    for cell in reference.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "conv2d":  # rewrite a locked check cell and claim more points
            cell.source = "grader.check = lambda q: 'all passed'"
            cell.metadata["nbgrader"]["points"] = 40
    reference.cells = [c for c in reference.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "pool2d"]
    (submissions / "tampered" / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(reference, submissions / "tampered" / ASSIGNMENT / "convolution.ipynb")
    (submissions / "damaged" / ASSIGNMENT).mkdir(parents=True)
    (submissions / "damaged" / ASSIGNMENT / "convolution.ipynb").write_bytes(b'{"cells": [\x00\xff garbage')
    (submissions / "misnamed" / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(reference, submissions / "misnamed" / ASSIGNMENT / "convolution (1).ipynb")


BROKEN_CHECK = '''
import pytest

pytestmark = pytest.mark.grade_id("pool2d")


def test_a_check_with_a_bug(student):
    return {}["a grader bug"]
'''


@pytest.fixture(scope="module")
def course(released_course):
    def break_things(course):
        add_broken_submissions(course.root / "examples" / "submissions")
        # A hidden check that crashes in the grader must not cost anyone a point.
        (course.grader_tests(ASSIGNMENT) / "test_pool2d_broken.py").write_text(BROKEN_CHECK)

    return released_course(break_things)


@pytest.fixture(scope="module")
def grades(course):
    """The class graded from a shell whose pytest settings would break the hidden checks' pytest."""
    os.environ["PYTEST_ADDOPTS"] = "-x --no-such-option tests/no_such_file.py"
    try:
        results = grade(course, ASSIGNMENT, course.root / "examples" / "submissions",
                        settings=Settings(jobs=2, progress=False))
    finally:
        del os.environ["PYTEST_ADDOPTS"]
    return {g.student: g for g in results}


def gradebook_scores(course, student):
    with course.gradebook() as gradebook:
        notebook = gradebook.find_submission_notebook("convolution", ASSIGNMENT, student)
        return {g.name: (g.auto_score, g.needs_manual_grade) for g in notebook.grades}


def check_messages(course, student, grade_id):
    nb = nbformat.read(course.autograded(student, ASSIGNMENT) / "convolution.ipynb", 4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return cell.outputs[0]["data"]["text/plain"]


def test_every_example_is_graded(grades):
    expected = {p.parent.name for p in (ROOT / "examples" / "submissions").glob(f"*/{ASSIGNMENT}")}
    assert set(grades) == expected | {"tampered", "damaged", "misnamed"}


def test_edited_or_deleted_check_cells_are_restored_and_gain_nothing(grades, course):
    assert grades["tampered"].scores == POINTS
    with course.gradebook() as gradebook:
        notebook = gradebook.find_submission_notebook("convolution", ASSIGNMENT, "tampered")
        assert {g.name: g.max_score for g in notebook.grades if g.name in POINTS} == POINTS
    nb = nbformat.read(course.autograded("tampered", ASSIGNMENT) / "convolution.ipynb", 4)
    restored = {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells if "nbgrader" in c.metadata}
    assert restored["conv2d"] == 'grader.check("conv2d")'
    assert "pool2d" in restored


@pytest.mark.parametrize("student, reason", [("damaged", "not a readable notebook"),
                                             ("misnamed", "no convolution.ipynb in the submission (found: convolution (1).ipynb")])
def test_unreadable_submissions_score_zero_with_the_reason(grades, course, student, reason):
    assert grades[student].scores == dict.fromkeys(POINTS, 0.0)
    assert reason in grades[student].problem
    assert all(score == 0 for score, _ in gradebook_scores(course, student).values())
    feedback = (course.root / "feedback" / student / ASSIGNMENT / "convolution.html").read_text()
    assert "could not grade this submission" in feedback


@pytest.mark.parametrize("student", ["reference", "loops_float32", "runtime_restart"])
def test_correct_submissions_score_full_marks(grades, course, student):
    assert grades[student].scores == POINTS
    scores = gradebook_scores(course, student)
    assert {k: v[0] for k, v in scores.items() if k in POINTS} == POINTS
    # The written answer waits for a human in formgrader.
    assert scores["equivariance_answer"] == (None, True)


def test_a_cell_that_kills_the_process_is_skipped_and_reported(course):
    nb = nbformat.read(course.autograded("runtime_restart", ASSIGNMENT) / "convolution.ipynb", 4)
    restart = next(c for c in nb.cells if "os._exit" in c.source)
    assert "the Python process died" in restart.outputs[-1]["text"]


def test_the_untouched_release_scores_zero_without_crashing(grades, course):
    assert grades["untouched"].scores == dict.fromkeys(POINTS, 0.0)
    scores = gradebook_scores(course, "untouched")
    assert all(scores[k][0] == 0 for k in POINTS)
    # An unanswered written question scores zero without a human (nbgrader's rule).
    assert scores["equivariance_answer"] == (0, False)
    assert "not implemented yet" in check_messages(course, "untouched", "conv2d")


@pytest.mark.parametrize("student", sorted(MISTAKES))
def test_each_mistake_costs_its_own_points_and_is_diagnosed(grades, course, student):
    grade_id, diagnosis = MISTAKES[student]
    scores = grades[student].scores
    assert scores[grade_id] < POINTS[grade_id]
    assert {k: v for k, v in scores.items() if k != grade_id} == {k: v for k, v in POINTS.items() if k != grade_id}
    report = check_messages(course, student, grade_id)
    assert "FAIL" in report and diagnosis in report


def test_the_gradebook_holds_the_scores_the_table_prints(grades, course):
    from rich.console import Console

    console = Console(width=250, record=True)
    console.print(score_table(ASSIGNMENT, list(grades.values())))
    text = console.export_text()
    for student, result in grades.items():
        stored = gradebook_scores(course, student)
        assert {k: stored[k][0] for k in POINTS} == result.scores
        row = next(line for line in text.splitlines() if re.search(rf"\b{student}\b", line))
        assert f"{result.total:g}/17" in row


def test_feedback_and_export_work_unchanged(grades, course):
    for student in grades:
        assert (course.root / "feedback" / student / ASSIGNMENT / "convolution.html").is_file()
    html = (course.root / "feedback" / "flipped_kernel" / ASSIGNMENT / "convolution.html").read_text()
    assert "Hidden checks for conv2d" in html
    subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "export", "--to", "grades.csv"],
                   cwd=course.root, check=True, capture_output=True)
    csv = (course.root / "grades.csv").read_text()
    assert csv.count(ASSIGNMENT) == len(grades)


def formgrader_page(course, student) -> str:
    """The autograded notebook as formgrader shows it: nbconvert with nbgrader's formgrade template."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import Config

    config = Config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {"assignment_id": ASSIGNMENT, "notebook_id": "convolution", "submission_id": "1", "index": 0,
                 "total": 1, "base_url": "", "student": student, "last_name": None, "first_name": None,
                 "notebook_path": f"autograded/{student}/{ASSIGNMENT}/convolution.ipynb"}
    page, _ = HTMLExporter(config=config).from_filename(
        str(course.autograded(student, ASSIGNMENT) / "convolution.ipynb"), resources=resources)
    return page


def test_a_known_mistake_is_recorded_as_data_and_said_once_in_wrapping_html(grades, course):
    """flipped_kernel: the checks its flipped kernel fails share one diagnosis, which the feedback page
    and formgrader show once, in full, as a paragraph (not a <pre> that cuts it off), then the checks."""
    from bs4 import BeautifulSoup

    results = json.loads((course.scratch(ASSIGNMENT) / "results" / "flipped_kernel.json").read_text())
    flipped = [c for c in results["checks"] if c.get("diagnosis", "").startswith("it equals the true convolution")]
    assert len(flipped) >= 2 and all(c["message"] == f"{c['what']} is wrong: {c['diagnosis']}" for c in flipped)
    diagnosis = flipped[0]["diagnosis"]
    feedback = (course.root / "feedback" / "flipped_kernel" / ASSIGNMENT / "convolution.html").read_text()
    for page in (feedback, formgrader_page(course, "flipped_kernel")):
        soup = BeautifulSoup(page, features="html.parser")
        heading = soup.find("h4", string=re.compile("^Hidden checks for conv2d: "))
        report = heading.parent
        assert heading.find_parent("pre") is None and "rendered_html" in report["class"]
        assert report.get_text().count(diagnosis) == 1
        lead = heading.find_next_sibling("p")
        assert lead.get_text() == f"{len(flipped)} checks found the same mistake: {diagnosis}."
        listed = [li.get_text(" ", strip=True) for li in lead.find_next_sibling("ul").find_all("li")]
        assert listed == [f"FAIL {c['check'].split('::')[-1]} : {c['what']}" for c in flipped]


def test_one_feedback_converter_serves_the_whole_run(grades, course):
    """The run's converter writes one student after another, and names what went wrong for one it cannot."""
    from convlab.feedback import ClassFeedback

    feedback = ClassFeedback(course, ASSIGNMENT)
    pages = [course.root / "feedback" / s / ASSIGNMENT / "convolution.html" for s in ("reference", "flipped_kernel")]
    for page in pages:
        page.unlink()
    assert feedback.write("reference") is None and feedback.write("flipped_kernel") is None
    assert all(page.is_file() for page in pages)
    assert "Hidden checks for conv2d" in pages[1].read_text()
    problem = feedback.write("nobody")
    assert problem and "No notebooks were matched" in problem
    assert feedback.write("reference") is None  # a failure does not break the converter for the next student


def test_feedback_pages_are_the_ones_nbconvert_makes(grades, course):
    """The run's exporter skips nbconvert's re-parse of each page; parsed, the page is nbconvert's own,
    images' alternative text included."""
    from bs4 import BeautifulSoup
    from nbconvert.exporters import HTMLExporter

    from convlab.feedback import NO_ALT, ClassFeedback

    # 01's figures are drawn by cells that grading skips: the page gets one of the grader's own making
    autograded = course.autograded("reference", ASSIGNMENT) / "convolution.ipynb"
    notebook = nbformat.read(autograded, 4)
    figure = nbformat.v4.new_output("display_data", {"image/png": TINY_PNG, "text/plain": "<Figure>"})
    next(c for c in notebook.cells if c.cell_type == "code").outputs.append(figure)
    nbformat.write(notebook, autograded)
    ours, theirs = ClassFeedback(course, ASSIGNMENT), ClassFeedback(course, ASSIGNMENT)
    theirs.converter.exporter = HTMLExporter(parent=theirs.converter, config=theirs.converter.config)
    for preprocessor in theirs.converter.preprocessors:
        theirs.converter.exporter.register_preprocessor(preprocessor)
    for student in ("untouched", "flipped_kernel", "reference"):
        page = course.root / "feedback" / student / ASSIGNMENT / "convolution.html"
        assert theirs.write(student) is None
        nbconvert_page = page.read_text()
        assert ours.write(student) is None
        assert str(BeautifulSoup(page.read_text(), features="html.parser")) == nbconvert_page
    plots = page.read_text().count("<img")
    assert plots > 0 and page.read_text().count(NO_ALT) == plots


def test_a_check_that_crashes_in_the_grader_is_reported_not_counted(grades, course):
    assert grades["reference"].scores["pool2d"] == 3 and grades["reference"].internal_errors == 1
    report = check_messages(course, "reference", "pool2d")
    assert "NOT COUNTED  test_a_check_with_a_bug: the check could not be completed" in report
    assert "a grader bug" not in report
    results = (course.scratch(ASSIGNMENT) / "results" / "reference.json").read_text()
    assert "a grader bug" in results  # the traceback is kept for the instructor


def test_hidden_checks_never_print_their_code(course):
    report = check_messages(course, "flipped_kernel", "conv2d")
    assert "def test_" not in report and "student.call" not in report and "Traceback" not in report


# ---- 02_output_shapes -------------------------------------------------------------------------
SHAPES = "02_output_shapes"
SHAPES_POINTS = {"conv_output_length": 2, "same_padding": 2, "pool_output_length": 1,
                 "conv_transpose_output_length": 3, "conv_params": 1, "conv_transpose_params": 1,
                 "dense_params": 1, "summarize": 4, "course_models": 3}
# The grade cells each mistake must cost: its function, and those of the student's own
# functions that call it (summarize reuses the helpers, as students write it). The layer
# lists of COURSE_MODELS are right in every example, and the grader builds them with Keras,
# so a buggy summarize does not cost the course_models points.
SHAPES_MISTAKES = {
    "per_side_total_padding": {"conv_output_length"},
    "ceil_for_floor": {"conv_output_length", "pool_output_length", "summarize"},
    "bias_forgotten": {"conv_params", "summarize"},
    "transposed_kernel_layout": {"conv_transpose_params", "summarize"},
}


@pytest.fixture(scope="module")
def shape_grades(course):
    results = grade(course, SHAPES, course.root / "examples" / "submissions",
                    settings=Settings(jobs=2, progress=False))
    return {g.student: g for g in results}


def test_output_shapes_reference_scores_full_marks(shape_grades):
    assert shape_grades["reference"].scores == SHAPES_POINTS


def test_output_shapes_release_scores_zero(shape_grades):
    assert shape_grades["untouched"].scores == dict.fromkeys(SHAPES_POINTS, 0.0)


@pytest.mark.parametrize("student", sorted(SHAPES_MISTAKES))
def test_output_shapes_mistakes_cost_exactly_their_grade_cells(shape_grades, course, student):
    scores = shape_grades[student].scores
    lost = {g for g, points in SHAPES_POINTS.items() if scores[g] < points}
    assert lost == SHAPES_MISTAKES[student]
    nb = nbformat.read(course.autograded(student, SHAPES) / "output_shapes.ipynb", 4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in lost:
            assert "FAIL" in cell.outputs[0]["data"]["text/plain"]
