"""Real runs of `convlab grade` on the Keras assignments: models and training in the sandbox, scored in the grader.

Each wrong example must lose exactly the grade cells of its mistake. In 03, the
original LeNet (tanh, average pooling) has the course's 61,706 parameters and
trains well, so only build_lenet's activation and pooling checks may catch it;
pixels left at 0..16 and images without a channel axis train well too, so only
load_digits32's data checks may; a train_lenet that trains on every digit it can
load instead of the data it is given cannot reach the held-out digits and gains
nothing. In 04, a conv_matrix built for a true convolution also costs
conv_transpose_via_matrix, which uses it, as it would in any student's notebook.
"""

import functools
import gzip
from dataclasses import dataclass

import nbformat
import numpy as np
import pytest

from convlab import digits, sandbox
from convlab.digits import make_split
from convlab.grading import Settings, grade
from convlab.prepare import skipped_grade_ids
from convlab.student import Student

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Expected:
    notebook: str
    points: dict[str, float]
    correct: tuple[str, ...]
    mistakes: dict[str, tuple[set[str], str]]  # example -> (grade cells it loses, words of their feedback)
    demos: set[str]  # some of the cells tagged skip-in-grading


ASSIGNMENTS = {
    "03_lenet": Expected(
        "lenet", {"load_digits32": 3, "build_lenet": 5, "train_lenet": 4, "predict_classes": 2},
        ("reference", "functional_api"),
        {"tanh_avgpool": ({"build_lenet"}, "the original LeNet-5 of 1998 used tanh"),
         "categorical_int_labels": ({"train_lenet"}, "sparse_categorical_crossentropy"),
         "pixels_0_16": ({"load_digits32"}, "divide by 16"),
         "no_channel_axis": ({"load_digits32"}, "the channel axis is missing"),
         "trains_on_digits_itself": ({"train_lenet"}, "not the labels train_lenet was given")},
        {"demo_train", "demo_confusion"}),
    "04_transposed_conv": Expected(
        "transposed_conv", {"conv_matrix": 2, "conv_transpose_via_matrix": 1, "conv2d_transpose_layer": 4,
                            "Conv1DTranspose": 2, "build_upsampling_generator": 2, "build_simulator": 2,
                            "build_dcgan_generator": 3, "train_autoencoder": 3},
        ("reference", "functional_style"),
        {"kernel_layout_cin_cout": ({"conv2d_transpose_layer"}, "reads weights as (kh, kw, Cin, Cout)"),
         "same_crop_wrong_side": ({"conv2d_transpose_layer"}, "you cropped it at the top/left"),
         "flipped_conv_matrix": ({"conv_matrix", "conv_transpose_via_matrix"}, "kernel flipped"),
         "generator_valid_padding": ({"build_upsampling_generator"}, "'valid' would give 11x11")},
        set()),
}
CASES = [(a, s) for a, e in ASSIGNMENTS.items() for s in e.correct]
MISTAKES = [(a, s) for a, e in ASSIGNMENTS.items() for s in e.mistakes]


@pytest.fixture(scope="module")
def course(released_course):
    return released_course()


@pytest.fixture(scope="module")
def grades(course):
    """grades(assignment): the assignment graded once, as `convlab grade` does, on every example that has it."""

    @functools.cache
    def graded(assignment: str) -> dict:
        results = grade(course, assignment, course.root / "examples" / "submissions",
                        settings=Settings(jobs=2, progress=False))
        return {g.student: g for g in results}

    return graded


def report(course, assignment, student, grade_id) -> str:
    nb = nbformat.read(course.autograded(student, assignment) / f"{ASSIGNMENTS[assignment].notebook}.ipynb", 4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return cell.outputs[0]["data"]["text/plain"]


@pytest.mark.parametrize("assignment, student", CASES, ids=[f"{a}/{s}" for a, s in CASES])
def test_correct_submissions_score_full_marks_on_cpu(grades, assignment, student):
    result = grades(assignment)[student]
    assert result.scores == ASSIGNMENTS[assignment].points, result.failed_checks


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_untouched_release_scores_zero(grades, course, assignment):
    points = ASSIGNMENTS[assignment].points
    assert grades(assignment)["untouched"].scores == dict.fromkeys(points, 0.0)
    assert "not implemented yet" in report(course, assignment, "untouched", list(points)[-1])


@pytest.mark.parametrize("assignment, student", MISTAKES, ids=[f"{a}/{s}" for a, s in MISTAKES])
def test_each_mistake_costs_exactly_its_grade_cells(grades, course, assignment, student):
    expected = ASSIGNMENTS[assignment]
    lost, diagnosis = expected.mistakes[student]
    scores = grades(assignment)[student].scores
    assert {g for g, points in expected.points.items() if scores[g] < points} == lost, \
        grades(assignment)[student].failed_checks
    for grade_id in lost:
        assert diagnosis in report(course, assignment, student, grade_id)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_demo_cells_are_not_run_when_grading(course, grades, assignment):
    grades(assignment)
    expected = ASSIGNMENTS[assignment]
    skipped = skipped_grade_ids(course, assignment, expected.notebook)
    assert skipped and expected.demos <= skipped
    nb = nbformat.read(course.autograded("reference", assignment) / f"{expected.notebook}.ipynb", 4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in skipped:
            assert not cell.outputs


def test_the_held_out_digits_cannot_be_reached_from_the_sandbox(tmp_path):
    """What `load_digits()` gives inside the sandbox during grading: the training rows, nothing else."""
    split, digits_file = make_split(1234), digits.digits_file()
    overlays = split.sandbox_overlay(tmp_path)
    assert list(overlays) == [str(digits_file)]
    with gzip.open(overlays[str(digits_file)], "rt") as handle:
        assert np.loadtxt(handle, delimiter=",").shape == (len(split.train), 65)
    (tmp_path / "work").mkdir()
    student = Student("probe", tmp_path / "work", [
        "import os\n"
        "from sklearn.datasets import load_digits\n"
        "def seen():\n"
        "    return load_digits().data\n"
        "def copies():\n"  # any other copy of the digits file anywhere in the sandbox?
        "    return sorted(os.path.join(folder, name) for folder, subfolders, files in os.walk('/')\n"
        "                  if not folder.startswith(('/proc', '/sys', '/dev'))\n"
        "                  for name in files if name.startswith('digits.csv'))\n"],
        sandbox_kind=sandbox.choose("bwrap"), overlays=overlays)
    try:
        student.start()
        seen = student.call("seen")
        with student.time_limit(300):  # a walk through the whole sandbox
            found = student.call("copies")
    finally:
        student.close()
    assert seen.shape == (len(split.train), 64)
    test_images = {row.tobytes() for row in split.rows[split.test, :64]}
    assert not any(row.tobytes() in test_images for row in seen)
    assert found == [str(digits_file)]  # only the overlaid file, under its usual name
