"""Hidden checks of predict_classes(model, x) -> integer class per image, shape (n,).

The model is the course's LeNet built in the worker with weights the grader
draws, so these checks do not depend on the student's build_lenet or
train_lenet, and the expected classes are computed in the grader (numpy
forward pass of the same weights).
"""

import numpy as np
import pytest

import lenet_oracle as O
from convlab.diagnose import expect, expect_unmodified, fail

pytestmark = pytest.mark.grade_id("predict_classes")


@pytest.fixture(scope="session")
def course_model_in_worker(student, run_seed):
    rng = np.random.default_rng([run_seed, 7])
    weights = [rng.normal(0, 0.3, shape).astype(np.float32) for shape in O.weight_shapes()]
    return student.model_from_json(O.course_json(), weights), weights


def _check(student, course_model_in_worker, x):
    model, weights = course_model_in_worker
    got = student.call("predict_classes", model, x)
    probabilities = O.forward(weights, x)
    expected = probabilities.argmax(axis=1)
    top_two = np.sort(probabilities, axis=1)[:, -2:]
    clear = top_two[:, 1] - top_two[:, 0] > 1e-5  # float32 and float64 may break near-ties differently
    if not isinstance(got, np.ndarray):
        fail(f"predict_classes returned a {type(got).__name__}; return a numpy array of class indices")
    if got.shape == (len(x), 10):
        fail("predict_classes returned the class probabilities; return the index of the largest one per "
             "image: np.argmax(model.predict(x), axis=1) (Keras 3 has no model.predict_classes)")
    if got.shape == (10,):
        fail("predict_classes took the argmax over the images (axis 0); take it over the classes, axis=1")
    expect(got.shape == (len(x),), f"predict_classes gave shape {got.shape} for {len(x)} images; expected ({len(x)},)")
    wrong = int(np.sum((got != expected) & clear))
    expect(wrong == 0, f"{wrong} of {len(x)} classes are not the most probable class of the model")
    expect(got.dtype.kind in "iu", f"predict_classes returned {got.dtype}; return integers (astype(int))")


def test_one_integer_class_per_image(student, course_model_in_worker, split):
    _check(student, course_model_in_worker, split.x(split.test[:64]))


def test_a_single_image(student, course_model_in_worker, split):
    _check(student, course_model_in_worker, split.x(split.test[:1]))


def test_leaves_x_unchanged(student, course_model_in_worker, split):
    """Leaving the caller's images alone counts only from a predict_classes that predicts them."""
    _check(student, course_model_in_worker, split.x(split.test[:16]))
    expect_unmodified(student.mutated, {1: "x"}, what="predict_classes")
