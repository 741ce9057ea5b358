"""Hidden checks of load_digits32(test_size=0.25, seed=0).

-> (x_train, y_train), (x_test, y_test): images (n, 32, 32, 1) float32 in
[0, 1], integer labels 0..9. In the sandbox MNIST is not available, so the
student's loader falls back to scikit-learn's digits, which there hold only the
grader's training rows (conftest). Each returned image is matched to the digit
it shows by shrinking it back to 8x8 (4x4 block means) and taking the nearest
visible digit: any upscaling (np.kron, repeat, a bilinear resize) and any
scaling pass that, and the labels must be that digit's. Only the data's
format is checked in its own tests, so pixels left at 0..16 or a missing
channel axis cost exactly the check about them.
"""

import numpy as np
import pytest

from convlab.diagnose import expect, fail

pytestmark = pytest.mark.grade_id("load_digits32")

#: How far the test part may be from test_size * n images: the notebook asks for the fraction
#: test_size, and a split made digit by digit (stratified) rounds each digit's share, up to one
#: image per digit; a test_size ignored or read as the training share is hundreds of images off.
SPLIT_TOLERANCE = 10


def _load(student, **kwargs):
    got = student.call("load_digits32", **kwargs)
    shape_ok = (isinstance(got, (tuple, list)) and len(got) == 2
                and all(isinstance(part, (tuple, list)) and len(part) == 2 for part in got))
    expect(shape_ok, "load_digits32 must return ((x_train, y_train), (x_test, y_test)), two pairs")
    (x_train, y_train), (x_test, y_test) = got
    for name, value in (("x_train", x_train), ("y_train", y_train), ("x_test", x_test), ("y_test", y_test)):
        expect(isinstance(value, np.ndarray), f"{name} is not a numpy array")
    return (x_train, y_train), (x_test, y_test)


@pytest.fixture(scope="session")
def default_load(student):
    """load_digits32() once per student (a failure is reported by every check that needs it)."""
    return _load(student)


def _as_images(x: np.ndarray) -> np.ndarray:
    """(n, 32, 32) images, whatever channel axis the student used (or forgot)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 4 and 1 in (x.shape[1], x.shape[-1]):
        x = x[:, 0] if x.shape[1] == 1 else x[..., 0]
    if x.ndim != 3 or x.shape[1:] != (32, 32):
        fail(f"the images have shape {x.shape}; expected (n, 32, 32, 1)")
    return x


def _which_digit(x: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each image, the index of the visible digit it shows and how well it matches (cosine)."""
    small = _as_images(x).reshape(len(x), 8, 4, 8, 4).mean(axis=(2, 4)).reshape(len(x), 64)
    digits = rows[:, :64]
    small = small / np.maximum(np.linalg.norm(small, axis=1, keepdims=True), 1e-12)
    digits = digits / np.maximum(np.linalg.norm(digits, axis=1, keepdims=True), 1e-12)
    similarity = small @ digits.T
    best = similarity.argmax(axis=1)
    return best, similarity[np.arange(len(best)), best]


def test_images_have_shape_n_32_32_1(default_load):
    (x_train, _), (x_test, _) = default_load
    for name, x in (("x_train", x_train), ("x_test", x_test)):
        if x.ndim == 3 and x.shape[1:] == (32, 32):
            fail(f"{name} has shape {x.shape}: the channel axis is missing. Conv2D expects (n, 32, 32, 1) "
                 "for grey images; add it with x[..., np.newaxis] (Keras may accept (n, 32, 32) in some "
                 "places without complaint, and then does something else)")
        if x.ndim == 4 and x.shape[1:] == (1, 32, 32):
            fail(f"{name} has shape {x.shape}, channels first; Keras layers expect channels last, (n, 32, 32, 1)")
        expect(x.shape[1:] == (32, 32, 1), f"{name} has shape {x.shape}; expected (n, 32, 32, 1)")


def test_pixels_are_float32_between_0_and_1(default_load):
    (x_train, _), (x_test, _) = default_load
    x = np.concatenate([x_train.ravel(), x_test.ravel()])
    expect(x.dtype.kind == "f", f"the images are {x.dtype}; scale them to floats in [0, 1]")
    top, bottom = float(np.max(x)), float(np.min(x))
    if top > 1.0 + 1e-6:
        hint = " (the digits' pixels go from 0 to 16: divide by 16)" if 15.5 <= top <= 16.5 else ""
        fail(f"the pixels go up to {top:g}; scale them to [0, 1]{hint}")
    expect(bottom >= -1e-6, f"the pixels go down to {bottom:g}; scale them to [0, 1]")
    if top < 0.9:
        hint = " (did you divide the digits' 0..16 pixels by 255, as for MNIST?)" if 0.05 < top < 0.07 else ""
        fail(f"the brightest pixel is {top:.3g}, so the images do not use the range [0, 1]{hint}")
    expect(x_train.dtype == np.float32 and x_test.dtype == np.float32,
           f"the images are {x_train.dtype}; Keras computes in float32, so return float32 (astype('float32'))")


def test_labels_are_the_digits_shown(default_load, visible_rows):
    (x_train, y_train), (x_test, y_test) = default_load
    for name, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        expect(y.ndim == 1 and len(y) == len(x),
               f"y_{name} has shape {y.shape}; expected one integer label per image, ({len(x)},)")
        expect(y.dtype.kind in "iu", f"y_{name} is {y.dtype}; the labels are integers 0..9")
        expect(set(np.unique(y)) <= set(range(10)), f"y_{name} holds values outside 0..9")
        index, match = _which_digit(x, visible_rows)
        expect(np.mean(match > 0.95) > 0.98,
               f"x_{name} does not look like scikit-learn's digits brought to 32x32 "
               "(each 8x8 pixel should become a 4x4 block)")
        wrong = np.mean(visible_rows[index, 64] != y)
        expect(wrong < 0.01, f"{wrong:.0%} of y_{name} are not the digit their image shows: "
                             "did the images and labels get shuffled differently?")


def test_split_follows_test_size_and_seed(student, visible_rows):
    n = len(visible_rows)
    for test_size in (0.25, 0.4):
        (x_train, _), (x_test, _) = _load(student, test_size=test_size, seed=1)
        expect(len(x_train) + len(x_test) == n,
               f"with test_size={test_size}, train and test hold {len(x_train) + len(x_test)} images together; "
               f"the data set has {n} here")
        expect(abs(len(x_test) - test_size * n) < SPLIT_TOLERANCE,
               f"test_size={test_size} gave {len(x_test)} test images out of {n}; expected about "
               f"{test_size * n:.0f} (the fraction test_size of the images)")
        # scikit-learn's digits are all different, so an image in both parts is one digit used twice
        train_images = {image.tobytes() for image in np.ascontiguousarray(x_train)}
        expect(not any(image.tobytes() in train_images for image in np.ascontiguousarray(x_test)),
               "some images are in both the training and the test part: a test image must never be trained on")
    again = _load(student, test_size=0.4, seed=1)[1][0]
    other = _load(student, test_size=0.4, seed=2)[1][0]
    expect(np.array_equal(again, x_test), "the same seed gave a different split: use seed for the shuffling "
                                          "(e.g. train_test_split(..., random_state=seed))")
    expect(not np.array_equal(other, x_test), "seeds 1 and 2 gave the same split: the seed must choose the shuffling")
