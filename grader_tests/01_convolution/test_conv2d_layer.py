"""Hidden checks of conv2d_layer(x, weights, bias, stride=1, padding="valid", activation=None).

x (N, H, W, Cin), weights (kh, kw, Cin, Cout) as Keras stores them, bias (Cout,).
The expected output is keras.layers.Conv2D's (float64) with those weights,
computed with numpy (layer_oracle.py, held to Keras by tests/test_layer_oracle.py),
as are the wrong variants named in the diagnoses. Bias and activation are each
checked by their own tests (the other tests use a zero bias and no activation),
so one slip costs one or two tests.
"""

import numpy as np
import pytest

from convlab.diagnose import expect_array, expect_inputs_left_alone, expect_unmodified
from convlab.functions import Function
from layer_oracle import conv_layer

pytestmark = pytest.mark.grade_id("conv2d_layer")

FLIPPED = (
    "it equals a true convolution (kernel flipped); a Conv2D layer computes a "
    "cross-correlation: do not flip the weights"
)
SWAPPED_CHANNELS = (
    "it reads weights as (kh, kw, Cout, Cin); Keras stores them as (kh, kw, Cin, Cout): "
    "output channel o uses weights[:, :, :, o]"
)
SWAPPED_SPATIAL = "it reads weights as (kw, kh, ...); the first axis of weights runs over kernel rows"
NO_BIAS = "the bias is missing: add bias[o] to every value of output channel o"
NO_ACTIVATION = "the activation is not applied"
SAME_SIDE = (
    "with an even kernel 'same' padding puts the extra row/column after (bottom/right), "
    "as TensorFlow does; you put it before"
)
AXES = ("sample", "row", "column", "output channel")


def _draw(rng, kh, kw, cin=None, cout=None, n=(2, 3), hw=(6, 9)):
    cin = cin or int(rng.integers(2, 4))
    cout = cout or int(rng.integers(2, 5))
    H, W = (int(v) for v in rng.choice(np.arange(hw[0], hw[1] + 1), size=2, replace=False))
    # H != W: a channels-first output (N, C, H', W') can then never have the expected shape
    x = rng.normal(size=(int(rng.integers(n[0], n[1] + 1)), H, W, cin))
    return x, rng.normal(size=(kh, kw, cin, cout)), np.zeros(cout)


def _what(x, weights, **kw):
    extra = "".join(f", {k}={v!r}" for k, v in kw.items())
    return (f"conv2d_layer(x {'x'.join(map(str, x.shape))}, "
            f"weights {'x'.join(map(str, weights.shape))}{extra})")


def test_valid_several_filters(student, rng):
    x, w, b = _draw(rng, 3, 2, cin=3, cout=int(rng.choice([2, 4])))
    got = student.call("conv2d_layer", x, w, b)
    expect_array(got, conv_layer(x, w, b), what=_what(x, w), axes=AXES,
                 variants={FLIPPED: conv_layer(x, w[::-1, ::-1], b)})


def test_channel_mixing(student, rng):
    # Cin == Cout and a square kernel: reading the weights in the wrong order still "works"
    c = int(rng.integers(2, 5))
    x, w, b = _draw(rng, 3, 3, cin=c, cout=c)
    got = student.call("conv2d_layer", x, w, b)
    expect_array(got, conv_layer(x, w, b), what=_what(x, w), axes=AXES,
                 variants={SWAPPED_CHANNELS: conv_layer(x, w.transpose(0, 1, 3, 2), b),
                           SWAPPED_SPATIAL: conv_layer(x, w.transpose(1, 0, 2, 3), b),
                           FLIPPED: conv_layer(x, w[::-1, ::-1], b)})


def test_bias_per_filter(student, rng):
    x, w, _ = _draw(rng, 3, 3)
    b = rng.normal(size=w.shape[3])
    got = student.call("conv2d_layer", x, w, b)
    expect_array(got, conv_layer(x, w, b), what=_what(x, w) + " with a bias", axes=AXES,
                 variants={NO_BIAS: conv_layer(x, w, 0 * b),
                           "it adds bias[0] to every channel; output channel o gets bias[o]":
                           conv_layer(x, w, b[:1])})


def test_same_padding_odd_kernel(student, rng):
    x, w, b = _draw(rng, 3, 5)
    got = student.call("conv2d_layer", x, w, b, padding="same")
    expect_array(got, conv_layer(x, w, b, padding="same"), what=_what(x, w, padding="same"), axes=AXES,
                 variants={FLIPPED: conv_layer(x, w[::-1, ::-1], b, padding=((1, 1), (2, 2)))})


def test_same_padding_even_kernel(student, rng):
    x, w, b = _draw(rng, 2, 4)
    got = student.call("conv2d_layer", x, w, b, padding="same")
    expect_array(got, conv_layer(x, w, b, padding="same"), what=_what(x, w, padding="same"), axes=AXES,
                 variants={SAME_SIDE: conv_layer(x, w, b, padding=((1, 0), (2, 1))),
                           FLIPPED: conv_layer(x, w[::-1, ::-1], b, padding=((0, 1), (1, 2)))})


def test_stride(student, rng):
    x, w, b = _draw(rng, 3, 3, hw=(7, 10))
    got = student.call("conv2d_layer", x, w, b, stride=2)
    expect_array(got, conv_layer(x, w, b, stride=2), what=_what(x, w, stride=2), axes=AXES,
                 variants={"it ignores the stride (this is the stride-1 output)": conv_layer(x, w, b)})


def test_relu(student, rng):
    x, w, b = _draw(rng, 3, 3)
    got = student.call("conv2d_layer", x, w, b, activation="relu")
    z = conv_layer(x, w, b)
    expect_array(got, np.maximum(z, 0), what=_what(x, w, activation="relu"), axes=AXES,
                 variants={NO_ACTIVATION: z})


def test_callable_activation(student, rng):
    act = (Function("leaky_relu", {"alpha": float(rng.uniform(0.05, 0.3))})
           if rng.random() < 0.5 else Function("tanh"))
    x, w, b = _draw(rng, 3, 3)
    got = student.call("conv2d_layer", x, w, b, activation=act)
    z = conv_layer(x, w, b)
    expect_array(got, act(z), what=_what(x, w) + f", activation={act!r} (a function)", axes=AXES,
                 variants={NO_ACTIVATION + " (a callable activation is applied to the output)": z,
                           "it applies relu instead of the given activation function": np.maximum(z, 0)})


def test_activation_after_bias(student, rng):
    x, w, _ = _draw(rng, 3, 3)
    b = rng.normal(size=w.shape[3])
    got = student.call("conv2d_layer", x, w, b, activation="relu")
    z = conv_layer(x, w, b)
    z0 = conv_layer(x, w, 0 * b)
    expect_array(got, np.maximum(z, 0), what=_what(x, w, activation="relu") + " with a bias", axes=AXES,
                 variants={"the activation goes after adding the bias: relu(conv + bias)":
                           np.maximum(z0, 0) + b,
                           NO_BIAS: np.maximum(z0, 0), NO_ACTIVATION: z})


def test_inputs_unmodified(student, rng):
    """x, the weights and the bias are left alone, whatever the padding, stride and activation.
    This counts only from a layer whose 'same' output (odd kernel, stride 1, no activation) is right."""
    x, w, _ = _draw(rng, 3, 3)
    b = rng.normal(size=w.shape[3])
    got = student.call("conv2d_layer", x, w, b, padding="same")
    names = {0: "x", 1: "weights", 2: "bias"}
    expect_unmodified(student.mutated, names, what="conv2d_layer")
    expect_array(got, conv_layer(x, w, b, padding="same"), what=_what(x, w, padding="same"), axes=AXES)
    expect_inputs_left_alone(student, "conv2d_layer", (x, w, b), names,
                             [{}, {"stride": 2}, {"padding": "same", "stride": (2, 1)}, {"activation": "relu"},
                              {"activation": Function("tanh")}])
