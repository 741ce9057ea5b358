"""What the 04 checks compare with: the convolution matrix, Keras's transposed layers, the course's models.

The expected values are Keras 3's arithmetic written in numpy, in float64, so
that grading never imports Keras or a backend: Conv2DTranspose and
Conv1DTranspose (channels_last, output_padding None) scatter x[i] * W[a] to
i*s + a and keep what Keras keeps, and the course's upsampling generator and
simulator are their layers' forward passes over weights in Keras's
``get_weights()`` order. tests/test_transposed_oracle.py holds all of it to
Keras 3's own layers and models. The scatter form also gives the known wrong
variants the diagnoses name: a kernel read as (kh, kw, Cin, Cout), 'same'
cropped on the wrong side, the textbook valid length, a flipped kernel.
"""

from __future__ import annotations

import functools
import math
from typing import Callable

import numpy as np


# -- the convolution matrix -----------------------------------------------------------
def conv_matrix(shape: tuple, kernel: np.ndarray) -> np.ndarray:
    """Rows of C: the kernel placed where each valid output reads the flattened input."""
    kernel = np.atleast_2d(kernel)
    h, w = (1, *shape) if len(shape) == 1 else shape
    kh, kw = kernel.shape
    oh, ow = h - kh + 1, w - kw + 1
    C = np.zeros((oh * ow, h * w))
    for i in range(oh):
        for j in range(ow):
            placed = np.zeros((h, w))
            placed[i:i + kh, j:j + kw] = kernel
            C[i * ow + j] = placed.ravel()
    return C


# -- Conv2DTranspose ------------------------------------------------------------------------
def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if np.isscalar(v) else (int(v[0]), int(v[1]))


def transpose_length(size: int, kernel: int, stride: int, padding: str) -> int:
    """Keras 3's output length (output_padding None): i*s + max(k - s, 0) for 'valid', i*s for 'same'."""
    if padding == "valid":
        return size * stride + max(kernel - stride, 0)
    if padding == "same":
        return size * stride
    raise ValueError(f"padding must be 'valid' or 'same', not {padding!r}")


def keras_conv2d_transpose(x, weights, bias, stride, padding) -> np.ndarray:
    """keras.layers.Conv2DTranspose(Cout, (kh, kw), strides=stride, padding=padding) holding ``[weights, bias]``.

    Keras (through TensorFlow's conv2d_transpose, the gradient of a 'same' or
    'valid' convolution of the output) keeps i*s + max(k - s, 0) rows of the
    full scatter from the top for 'valid', and for 'same' i*s rows from
    floor(max(k - s, 0) / 2): an odd leftover is cropped at the bottom/right.
    When s > k the kept rows run past the scatter: those hold only the bias.
    """
    x = np.asarray(x, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    (sh, sw), (kh, kw) = _pair(stride), weights.shape[:2]
    full = scatter(x, weights, (sh, sw))
    top, left = (max(kh - sh, 0) // 2, max(kw - sw, 0) // 2) if padding == "same" else (0, 0)
    rows, cols = transpose_length(x.shape[1], kh, sh, padding), transpose_length(x.shape[2], kw, sw, padding)
    return crop(full, rows, cols, top, left) + np.asarray(bias, dtype=np.float64)


def keras_conv1d_transpose(x, kernel, bias, stride, padding) -> np.ndarray:
    """keras.layers.Conv1DTranspose(Cout, k, strides=stride, padding=padding) holding ``[kernel (k, Cout, Cin), bias]``
    on x (N, steps, Cin): the 2-D layer on one column."""
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    out = keras_conv2d_transpose(x[:, :, None, :], kernel[:, None], bias, (int(stride), 1), padding)
    return out[:, :, 0, :]


def scatter(x, weights, stride) -> np.ndarray:
    """The full transposed convolution: every x[i] * W[a] added at i*s + a, nothing cropped."""
    (sh, sw), (kh, kw, cout, _) = _pair(stride), weights.shape
    n, h, w, _ = x.shape
    full = np.zeros((n, (h - 1) * sh + kh, (w - 1) * sw + kw, cout))
    for a in range(kh):
        for b in range(kw):
            full[:, a:a + (h - 1) * sh + 1:sh, b:b + (w - 1) * sw + 1:sw] += x @ weights[a, b].T
    return full


def crop(full, rows, cols, top, left) -> np.ndarray:
    """``rows`` x ``cols`` of ``full`` from (top, left), zeros past its end (where only the bias lands)."""
    out = np.zeros((full.shape[0], rows, cols, full.shape[-1]))
    kept = full[:, top:top + rows, left:left + cols]
    out[:, :kept.shape[1], :kept.shape[2]] = kept
    return out


def same_wrong_side(x, weights, bias, stride) -> np.ndarray:
    """'same' with the odd leftover cropped at the top/left (from ceil((k - s) / 2)): not what Keras does."""
    (sh, sw), (kh, kw) = _pair(stride), weights.shape[:2]
    full = scatter(x, weights, stride)
    extra_h, extra_w = max(kh - sh, 0), max(kw - sw, 0)
    return crop(full, x.shape[1] * sh, x.shape[2] * sw, extra_h - extra_h // 2, extra_w - extra_w // 2) + bias


def textbook_valid(x, weights, bias, stride) -> np.ndarray:
    """(i - 1) * s + k rows: the formula of textbooks, not what Keras keeps when s > k."""
    return scatter(x, weights, stride) + bias


# -- the course's models ---------------------------------------------------------------------
class CourseModel:
    """A course model as the checks need it: the shapes of its weights in Keras's ``get_weights()``
    order and its forward pass over such a list (float64)."""

    def __init__(self, name: str, weight_shapes: tuple, forward: Callable[[list, np.ndarray], np.ndarray]):
        self.name, self.weight_shapes, self.forward = name, weight_shapes, forward

    def __repr__(self) -> str:
        return f"CourseModel({self.name})"

    def count_params(self) -> int:
        return sum(math.prod(shape) for shape in self.weight_shapes)

    def predict(self, weights: list, inputs: np.ndarray) -> np.ndarray:
        return self.forward([np.asarray(w, dtype=np.float64) for w in weights], np.asarray(inputs, dtype=np.float64))


def _dense(x, kernel, bias):
    return x @ kernel + bias


@functools.cache
def upsampling_generator(latent_dim: int) -> CourseModel:
    """Input((latent_dim,)), Dense(128*5*5), Reshape((5, 5, 128)), Conv2DTranspose(1, (3, 3), strides=2, padding='same')."""
    def forward(weights, z):
        w, b, kernel, bias = weights
        h = _dense(z, w, b).reshape(-1, 5, 5, 128)
        return keras_conv2d_transpose(h, kernel, bias, 2, "same")

    shapes = ((latent_dim, 128 * 5 * 5), (128 * 5 * 5,), (3, 3, 1, 128), (1,))
    return CourseModel(f"upsampling_generator({latent_dim})", shapes, forward)


@functools.cache
def simulator(k_: int, f: int) -> CourseModel:
    """Input((4k,)), Dense(f*k, relu), Reshape((1, f//4, 4k)), Conv2DTranspose(2k, (1, 5), strides=(1, 2), 'same'),
    Conv2DTranspose(k, (1, 5), strides=(1, 2), 'same'), Reshape((f, k))."""
    def forward(weights, x):
        w, b, kernel1, bias1, kernel2, bias2 = weights
        h = np.maximum(_dense(x, w, b), 0.0).reshape(-1, 1, f // 4, 4 * k_)
        h = keras_conv2d_transpose(h, kernel1, bias1, (1, 2), "same")
        h = keras_conv2d_transpose(h, kernel2, bias2, (1, 2), "same")
        return h.reshape(-1, f, k_)

    shapes = ((4 * k_, f * k_), (f * k_,), (1, 5, 2 * k_, 4 * k_), (2 * k_,), (1, 5, k_, 2 * k_), (k_,))
    return CourseModel(f"simulator({k_}, {f})", shapes, forward)


def same_function(model: CourseModel, weights: list, inputs: np.ndarray, outputs: np.ndarray) -> bool:
    """Whether ``model`` holding ``weights`` maps ``inputs`` to ``outputs`` (False if they do not fit)."""
    if [tuple(shape) for shape in model.weight_shapes] != [tuple(np.shape(w)) for w in weights]:
        return False
    expected = model.predict(weights, inputs)
    outputs = np.asarray(outputs, dtype=np.float64)
    return expected.shape == outputs.shape and np.allclose(outputs, expected, rtol=1e-4,
                                                           atol=1e-5 * max(1.0, float(np.abs(expected).max())))
