"""Hidden checks of conv_transpose_via_matrix(y, input_shape, kernel) = (C.T @ y.ravel()).reshape(input_shape).

The transposed convolution is the adjoint of the convolution: for every x and y,
<C x, y> = <x, C.T y>. The checks draw x and y and test that identity against
the grader's own valid cross-correlation, then the values themselves.
"""

import numpy as np
import pytest

import transposed_oracle as O
from convlab.diagnose import expect, expect_array, expect_inputs_left_alone, expect_unmodified

pytestmark = pytest.mark.grade_id("conv_transpose_via_matrix")

FLIPPED = "it uses the matrix of a true convolution (kernel flipped); C is the cross-correlation's matrix"
NOT_TRANSPOSED = "it multiplies by C instead of C.T"


def _case(rng, two_d):
    shape = (int(rng.integers(4, 7)), int(rng.integers(4, 7))) if two_d else (int(rng.integers(6, 11)),)
    kernel = rng.normal(size=(2, 3) if two_d else (3,))
    out = tuple(s - k + 1 for s, k in zip(shape, kernel.shape, strict=True))
    return shape, kernel, rng.normal(size=out)


def _values(student, rng, two_d, case=None):
    shape, kernel, y = case or _case(rng, two_d)
    given = shape if two_d else shape[0]
    got = student.call("conv_transpose_via_matrix", y, given, kernel)
    C = O.conv_matrix(shape, kernel)
    flipped = O.conv_matrix(shape, kernel[::-1, ::-1] if two_d else kernel[::-1])
    expect_array(got, (C.T @ y.ravel()).reshape(shape), what=f"conv_transpose_via_matrix(y {y.shape}, {given!r}, kernel)",
                 variants={FLIPPED: (flipped.T @ y.ravel()).reshape(shape)}, edges_hint=False)


def test_1d_values(student, rng):
    _values(student, rng, two_d=False)


def test_2d_values(student, rng):
    _values(student, rng, two_d=True)


def test_adjoint_identity(student, rng):
    shape, kernel, y = _case(rng, True)
    x = rng.normal(size=shape)
    got = np.asarray(student.call("conv_transpose_via_matrix", y, shape, kernel), dtype=float)
    expect(got.shape == shape, f"conv_transpose_via_matrix gave shape {got.shape}; expected input_shape {shape}")
    Cx = O.conv_matrix(shape, kernel) @ x.ravel()
    left, right = float(Cx @ y.ravel()), float(x.ravel() @ got.ravel())
    expect(np.isclose(left, right, rtol=1e-6, atol=1e-9),
           f"<C x, y> = {left:.6g} but <x, your C.T y> = {right:.6g}: the transposed convolution is the adjoint "
           "of the convolution, so the two must be equal for every x and y")


def test_inputs_unmodified(student, rng):
    """y and the kernel are left alone, in 2-D and in 1-D; this counts only from a function whose
    2-D values are right."""
    shape, kernel, y = _case(rng, True)
    _values(student, rng, True, (shape, kernel, y))
    names = {0: "y", 2: "kernel"}
    expect_unmodified(student.mutated, names, what="conv_transpose_via_matrix")
    shape, kernel, y = _case(rng, False)
    expect_inputs_left_alone(student, "conv_transpose_via_matrix", (y, shape[0], kernel), names, [{}])
