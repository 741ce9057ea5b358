"""Real runs of `convlab grade` on the LeNet examples: training in the sandbox, scored in the grader.

Each wrong example must lose exactly the grade cell of its mistake. The original
LeNet (tanh, average pooling) has the course's 61,706 parameters and trains
well, so only build_lenet's activation and pooling checks may catch it; pixels
left at 0..16 and images without a channel axis train well too, so only
load_digits32's data checks may; a train_lenet that trains on every digit it can
load instead of the data it is given cannot reach the held-out digits and gains
nothing.
"""

import gzip

import nbformat
import numpy as np
import pytest

from convlab import digits, sandbox
from convlab.digits import make_split
from convlab.grading import Settings, grade
from convlab.prepare import skipped_grade_ids
from convlab.student import Student

pytestmark = pytest.mark.slow

ASSIGNMENT = "03_lenet"
POINTS = {"load_digits32": 3, "build_lenet": 5, "train_lenet": 4, "predict_classes": 2}
CORRECT = ["reference", "functional_api"]
# example -> (the grade cell it must lose, words its feedback must give there)
MISTAKES = {
    "tanh_avgpool": ("build_lenet", "the original LeNet-5 of 1998 used tanh"),
    "categorical_int_labels": ("train_lenet", "sparse_categorical_crossentropy"),
    "pixels_0_16": ("load_digits32", "divide by 16"),
    "no_channel_axis": ("load_digits32", "the channel axis is missing"),
    "trains_on_digits_itself": ("train_lenet", "not the labels train_lenet was given"),
}


@pytest.fixture(scope="module")
def course(released_course):
    return released_course()


@pytest.fixture(scope="module")
def grades(course):
    results = grade(course, ASSIGNMENT, course.root / "examples" / "submissions",
                    settings=Settings(jobs=2, progress=False))
    return {g.student: g for g in results}


def report(course, student, grade_id) -> str:
    nb = nbformat.read(course.autograded(student, ASSIGNMENT) / "lenet.ipynb", 4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return cell.outputs[0]["text"]


@pytest.mark.parametrize("student", CORRECT)
def test_correct_submissions_score_full_marks_on_cpu(grades, student):
    assert grades[student].scores == POINTS, grades[student].failed_checks


def test_the_untouched_release_scores_zero(grades, course):
    assert grades["untouched"].scores == dict.fromkeys(POINTS, 0.0)
    assert "not implemented yet" in report(course, "untouched", "train_lenet")


@pytest.mark.parametrize("student", sorted(MISTAKES))
def test_each_mistake_costs_exactly_its_grade_cell(grades, course, student):
    grade_id, diagnosis = MISTAKES[student]
    scores = grades[student].scores
    assert {g for g, points in POINTS.items() if scores[g] < points} == {grade_id}, grades[student].failed_checks
    assert diagnosis in report(course, student, grade_id)


def test_the_demo_cells_are_not_run_when_grading(course, grades):
    skipped = skipped_grade_ids(course, ASSIGNMENT, "lenet")
    assert {"demo_train", "demo_confusion"} <= skipped
    nb = nbformat.read(course.autograded("reference", ASSIGNMENT) / "lenet.ipynb", 4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in skipped:
            assert not cell.outputs


def test_the_held_out_digits_cannot_be_reached_from_the_sandbox(tmp_path):
    """What `load_digits()` gives inside the sandbox during grading: the training rows, nothing else."""
    split, digits_file = make_split(1234), digits.digits_file()
    overlay = split.write_training_file(tmp_path / "digits.csv.gz")
    with gzip.open(overlay, "rt") as handle:
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
        sandbox_kind=sandbox.choose("bwrap"), overlays={str(digits_file): overlay})
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
