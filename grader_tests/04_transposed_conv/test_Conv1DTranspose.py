"""Hidden checks of Conv1DTranspose(filters, kernel_size, strides=2, padding="same").

It returns a Keras layer built from Conv2DTranspose (the course's helper,
written for Keras 3). The grader calls the layer on (batch, steps, channels)
arrays in the worker, reads the weights it made (kernel (k, 1, filters,
channels) or (k, filters, channels), bias) and computes what Keras's own
Conv1DTranspose holding them computes (transposed_oracle, Keras 3's arithmetic
in numpy): the outputs must agree.
"""

import numpy as np
import pytest

import transposed_oracle as O
from convlab.diagnose import expect, expect_array, fail

pytestmark = pytest.mark.grade_id("Conv1DTranspose")


def _keras_conv1d_transpose(weights, x, filters, kernel_size, strides, padding):
    kernel, bias = weights
    return O.keras_conv1d_transpose(x, np.reshape(kernel, (kernel_size, filters, x.shape[-1])), bias, strides, padding)


def _check(student, rng, filters, kernel_size, strides, padding):
    what = f"Conv1DTranspose({filters}, {kernel_size}, strides={strides}, padding={padding!r})"
    layer = student.keep("Conv1DTranspose", filters, kernel_size, strides=strides, padding=padding)
    x = rng.normal(size=(2, int(rng.integers(5, 9)), 3)).astype(np.float32)
    got = np.asarray(student.method(layer, "__call__", x))
    weights = student.method(layer, "get_weights")
    shapes = [np.shape(w) for w in weights] if isinstance(weights, list) else None
    if shapes not in ([(kernel_size, 1, filters, 3), (filters,)], [(kernel_size, filters, 3), (filters,)]):
        fail(f"{what}: its weights have shapes {shapes}; a Conv2DTranspose({filters}, ({kernel_size}, 1)) on "
             f"3 channels holds a kernel ({kernel_size}, 1, {filters}, 3) and a bias ({filters},)")
    expected = _keras_conv1d_transpose(weights, x, filters, kernel_size, strides, padding)
    expect_array(got, expected, what=f"{what} on {x.shape[1]} steps of 3 channels",
                 axes=("sample", "step", "filter"), rtol=1e-4, edges_hint=False)


def test_same_stride_2_doubles_the_steps(student, rng):
    _check(student, rng, 4, 3, 2, "same")


def test_valid_stride_3(student, rng):
    _check(student, rng, 2, 4, 3, "valid")


def test_default_arguments(student, rng):
    layer = student.keep("Conv1DTranspose", 5, 3)
    x = rng.normal(size=(1, 6, 2)).astype(np.float32)
    got = np.asarray(student.method(layer, "__call__", x))
    expect(got.shape == (1, 12, 5), f"Conv1DTranspose(5, 3) on 6 steps gave shape {got.shape}; the defaults "
                                    "strides=2, padding='same' give 12 steps of 5 filters")
