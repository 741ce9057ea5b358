"""Hidden checks of conv2d_transpose_layer(x, weights, bias, stride=1, padding="valid").

x (N, H, W, Cin), weights (kh, kw, Cout, Cin) as Keras stores a transposed
kernel, bias (Cout,). Expected: what keras.layers.Conv2DTranspose (float64)
holding those weights computes (transposed_oracle: Keras 3's arithmetic in
numpy, held to Keras by tests/test_transposed_oracle.py). Keras 3 scatters
x[i] * W[a] to i*s + a; 'valid' keeps i*s + max(k - s, 0) rows (only i*s when
the stride is larger than the kernel); 'same' keeps i*s rows from
floor(max(k - s, 0) / 2), cropping an odd leftover at the bottom/right.
Cin != Cout everywhere except where a test needs a square kernel layout, so
reading the weights as (kh, kw, Cin, Cout) shows.
"""

import numpy as np
import pytest

import transposed_oracle as O
from convlab.diagnose import expect_array, expect_inputs_left_alone, expect_unmodified

pytestmark = pytest.mark.grade_id("conv2d_transpose_layer")

AXES = ("sample", "row", "column", "output channel")
LAYOUT = ("it reads weights as (kh, kw, Cin, Cout); Keras stores a transposed convolution's kernel as "
          "(kh, kw, Cout, Cin): input channel c reaches output channel o through weights[:, :, o, c]")
WRONG_SIDE = ("'same' crops the odd leftover of the full result at the bottom/right (it keeps rows from "
              "floor((k - s) / 2)); you cropped it at the top/left")
TEXTBOOK = ("that is the textbook (i - 1) * s + k rows; Keras 3 keeps i * s + max(k - s, 0), so with a stride "
            "larger than the kernel the output has i * s rows, the last ones holding only the bias")
FLIPPED = "it flips the kernel; a transposed convolution scatters x[i] * W[a] to position i * s + a, no flip"
NO_BIAS = "the bias is missing: add bias[o] to every value of output channel o"


def _case(rng, cin=2, cout=3, kernel=(3, 3), size=(4, 5)):
    x = rng.normal(size=(2, *size, cin))
    weights = rng.normal(size=(*kernel, cout, cin))
    bias = rng.normal(size=cout)
    return x, weights, bias


def _check(student, x, weights, bias, stride, padding, extra=None):
    got = student.call("conv2d_transpose_layer", x, weights, bias, stride=stride, padding=padding)
    expected = O.keras_conv2d_transpose(x, weights, bias, stride, padding)
    variants = {FLIPPED: O.keras_conv2d_transpose(x, weights[::-1, ::-1].copy(), bias, stride, padding),
                NO_BIAS: expected - bias, **(extra or {})}
    if weights.shape[2] == weights.shape[3]:
        variants[LAYOUT] = O.keras_conv2d_transpose(x, weights.transpose(0, 1, 3, 2).copy(), bias, stride, padding)
    what = (f"conv2d_transpose_layer(x {'x'.join(map(str, x.shape))}, weights {'x'.join(map(str, weights.shape))}, "
            f"stride={stride!r}, padding={padding!r})")
    expect_array(got, expected, what=what, variants=variants, axes=AXES, edges_hint=False)


def test_valid_stride_1(student, rng):
    _check(student, *_case(rng), 1, "valid")


def test_valid_stride_2(student, rng):
    _check(student, *_case(rng), 2, "valid")


def test_valid_stride_larger_than_kernel(student, rng):
    x, weights, bias = _case(rng, kernel=(2, 2))
    _check(student, x, weights, bias, 3, "valid", {TEXTBOOK: O.textbook_valid(x, weights, bias, 3)})


def test_same_stride_2_odd_kernel(student, rng):
    x, weights, bias = _case(rng, kernel=(3, 3))
    _check(student, x, weights, bias, 2, "same", {WRONG_SIDE: O.same_wrong_side(x, weights, bias, 2)})


def test_same_stride_2_even_kernel(student, rng):
    _check(student, *_case(rng, kernel=(4, 4)), 2, "same")


def test_same_stride_pair(student, rng):
    x, weights, bias = _case(rng, kernel=(4, 3), size=(3, 4))
    _check(student, x, weights, bias, (1, 3), "same", {WRONG_SIDE: O.same_wrong_side(x, weights, bias, (1, 3))})


def test_square_channels(student, rng):
    """Cin == Cout: a (kh, kw, Cin, Cout) reading runs but mixes the channels the wrong way."""
    _check(student, *_case(rng, cin=3, cout=3), 2, "same")


def test_inputs_unmodified(student, rng):
    """x, the weights and the bias are left alone, whatever the padding and stride. This counts
    only in a call that also computes the right output."""
    x, weights, bias = _case(rng)
    names = {0: "x", 1: "weights", 2: "bias"}
    student.call("conv2d_transpose_layer", x, weights, bias, stride=2, padding="same")
    expect_unmodified(student.mutated, names, what="conv2d_transpose_layer")
    _check(student, x, weights, bias, 2, "same")
    expect_inputs_left_alone(student, "conv2d_transpose_layer", (x, weights, bias), names,
                             [{}, {"stride": 3}, {"stride": (1, 3), "padding": "same"}])
