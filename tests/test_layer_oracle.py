"""The numpy oracle of 01's hidden checks (grader_tests/01_convolution/layer_oracle.py) is Keras.

The checks of conv2d_layer, pool2d and conv2d compare students with numpy code
so that grading never imports TensorFlow; these tests hold that code to
Keras's own Conv2D, MaxPooling2D and AveragePooling2D (float64) over drawn
shapes, kernels, strides and paddings, odd and even, so the answers the class is
graded against are still Keras's.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import grader_modules


@pytest.fixture(scope="module")
def oracle():
    return grader_modules.load("01_convolution", "layer_oracle")


EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
sizes = st.integers(1, 9)
small = st.integers(1, 4)
strides = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))


@EXAMPLES
@given(n=st.integers(1, 2), kh=small, kw=small, extra_h=st.integers(0, 6), extra_w=st.integers(0, 6),
       cin=st.integers(1, 3), cout=st.integers(1, 3), stride=strides, padding=st.sampled_from(["valid", "same"]),
       seed=st.integers(0, 2**32 - 1))
def test_conv_layer_is_keras_conv2d(oracle, keras, n, kh, kw, extra_h, extra_w, cin, cout, stride, padding, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, kh + extra_h, kw + extra_w, cin))
    weights, bias = rng.normal(size=(kh, kw, cin, cout)), rng.normal(size=cout)
    layer = keras.layers.Conv2D(cout, (kh, kw), strides=stride, padding=padding, dtype="float64")
    layer.build((None, None, None, cin))
    layer.set_weights([weights, bias])
    np.testing.assert_allclose(oracle.conv_layer(x, weights, bias, stride=stride, padding=padding),
                               np.asarray(layer(x)), rtol=1e-10, atol=1e-10)


@EXAMPLES
@given(n=st.integers(1, 2), pool=st.one_of(small, st.tuples(small, small)), stride=strides,
       extra_h=st.integers(0, 6), extra_w=st.integers(0, 6), c=st.integers(1, 3),
       mode=st.sampled_from(["max", "avg"]), seed=st.integers(0, 2**32 - 1))
def test_pooling_is_keras_pooling(oracle, keras, n, pool, stride, extra_h, extra_w, c, mode, seed):
    ph, pw = oracle.pair(pool)
    x = np.random.default_rng(seed).normal(size=(n, ph + extra_h, pw + extra_w, c))
    kind = keras.layers.MaxPooling2D if mode == "max" else keras.layers.AveragePooling2D
    layer = kind(pool_size=pool, strides=stride, padding="valid", dtype="float64")
    np.testing.assert_allclose(oracle.pooling(x, pool, stride, mode), np.asarray(layer(x)), rtol=1e-12, atol=1e-12)


@EXAMPLES
@given(n=sizes, k=small, s=st.integers(1, 3))
def test_same_pads_are_where_tensorflow_puts_them(oracle, keras, n, k, s):
    """A 'same' convolution of 1..n whose filter t picks tap t shows, at output j and tap t, the
    padded input at j*s + t: the zeros before are the taps that read 0 ahead of the first value."""
    x = np.arange(1, n + 1, dtype="float64").reshape(1, n, 1)
    picks = np.zeros((k, 1, k))
    picks[np.arange(k), 0, np.arange(k)] = 1.0
    seen = np.asarray(keras.ops.conv(x, picks, strides=s, padding="same"))[0]
    before, after = oracle.same_pads(n, k, s)
    padded = np.concatenate([np.zeros(before), x.ravel(), np.zeros(after)])
    taps = np.arange(seen.shape[0])[:, None] * s + np.arange(k)[None, :]
    np.testing.assert_array_equal(seen, padded[taps])
