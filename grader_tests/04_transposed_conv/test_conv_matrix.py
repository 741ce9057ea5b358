"""Hidden checks of conv_matrix(input_shape, kernel).

C @ x.ravel() must be the VALID cross-correlation of x with the kernel, for a
1-D length (an int or a 1-tuple) and for a 2-D (h, w). Kernels are asymmetric
and 2-D ones non-square, so a flipped kernel, a transposed matrix or swapped
kernel axes each show.
"""

import numpy as np
import pytest
from scipy.signal import correlate2d

import transposed_oracle as O
from convlab.diagnose import expect, expect_array, expect_inputs_left_alone, expect_unmodified

pytestmark = pytest.mark.grade_id("conv_matrix")

FLIPPED = ("it builds the matrix of a true convolution (kernel flipped); the layers of the course, and "
           "this exercise, compute a cross-correlation: output j reads x[j:j+k] times kernel[0:k]")
TRANSPOSED = "it returns C.T: C has one ROW per output value and one column per input value"
AXES = ("output", "input")


def _kernel(rng, *shape):
    kernel = rng.integers(-4, 5, size=shape).astype(float)
    kernel.flat[0] = 5.0  # never symmetric
    return kernel


def _check(student, shape, kernel, given=None):
    what = f"conv_matrix({given if given is not None else shape!r}, kernel of shape {kernel.shape})"
    got = student.call("conv_matrix", given if given is not None else shape, kernel)
    expected = O.conv_matrix(shape, kernel)
    variants = {FLIPPED: O.conv_matrix(shape, kernel[::-1, ::-1] if kernel.ndim == 2 else kernel[::-1]),
                TRANSPOSED: expected.T}
    expect_array(got, expected, what=what, variants=variants, axes=AXES, edges_hint=False)


def test_1d_asymmetric_kernel(student, rng):
    n, k = int(rng.integers(6, 12)), int(rng.integers(2, 5))
    _check(student, (n,), _kernel(rng, k), given=n)


def test_1d_length_as_a_tuple(student, rng):
    n, k = int(rng.integers(5, 10)), int(rng.integers(2, 4))
    _check(student, (n,), _kernel(rng, k), given=(n,))


def test_2d_non_square_kernel(student, rng):
    h, w = int(rng.integers(4, 7)), int(rng.integers(4, 7))
    _check(student, (h, w), _kernel(rng, 2, 3))


def test_2d_kernel_as_tall_as_the_image(student, rng):
    h, w = 3, int(rng.integers(5, 8))
    _check(student, (h, w), _kernel(rng, 3, 2))


def test_multiplying_by_c_correlates(student, rng):
    h, w = int(rng.integers(5, 8)), int(rng.integers(5, 8))
    kernel = _kernel(rng, 3, 2)
    x = rng.normal(size=(h, w))
    C = student.call("conv_matrix", (h, w), kernel)
    expect(isinstance(C, np.ndarray) and C.ndim == 2 and C.shape[1] == x.size,
           f"conv_matrix(({h}, {w}), kernel) has shape {getattr(C, 'shape', None)}; C needs one column per "
           f"input value ({x.size})")
    expect_array(C.astype(float) @ x.ravel(), correlate2d(x, kernel, mode="valid").ravel(),
                 what=f"conv_matrix(({h}, {w}), kernel) @ x.ravel()",
                 variants={FLIPPED: correlate2d(x, kernel[::-1, ::-1], mode="valid").ravel()}, edges_hint=False)


def test_kernel_unmodified(student, rng):
    """The kernel is left alone, in 2-D and in 1-D; this counts only from a conv_matrix whose 2-D
    matrix is right."""
    h, w = int(rng.integers(4, 7)), int(rng.integers(4, 7))
    kernel = _kernel(rng, 2, 3)
    _check(student, (h, w), kernel)
    expect_unmodified(student.mutated, {1: "kernel"}, what="conv_matrix")
    expect_inputs_left_alone(student, "conv_matrix", (int(rng.integers(6, 10)), _kernel(rng, 3)), {1: "kernel"}, [{}])
