"""What the 04 checks compare with: the convolution matrix, Keras's transposed layers, the course's models.

Keras runs in the grader in float64. The scatter form (x[i] * W[a] lands on
i*s + a) gives the known wrong variants the diagnoses name: a kernel read as
(kh, kw, Cin, Cout), 'same' cropped on the wrong side, the textbook valid
length, a flipped kernel.
"""

from __future__ import annotations

import functools
import os

import numpy as np


def keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras as k

    return k


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


def keras_conv2d_transpose(x, weights, bias, stride, padding) -> np.ndarray:
    kh, kw, cout, cin = weights.shape
    layer = _transpose_layer(kh, kw, cout, cin, _pair(stride), padding)
    layer.set_weights([weights, bias])
    return np.asarray(layer(np.asarray(x, dtype=np.float64)), dtype=np.float64)


@functools.cache
def _transpose_layer(kh, kw, cout, cin, stride, padding):
    layer = keras().layers.Conv2DTranspose(cout, (kh, kw), strides=stride, padding=padding, dtype="float64")
    layer.build((None, None, None, cin))
    return layer


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
    (sh, sw), (kh, kw) = _pair(stride), weights.shape[:2]
    full = scatter(x, weights, stride)
    extra_h, extra_w = max(kh - sh, 0), max(kw - sw, 0)
    return crop(full, x.shape[1] * sh, x.shape[2] * sw, extra_h - extra_h // 2, extra_w - extra_w // 2) + bias


def textbook_valid(x, weights, bias, stride) -> np.ndarray:
    """(i - 1) * s + k rows: the formula of textbooks, not what Keras keeps when s > k."""
    return scatter(x, weights, stride) + bias


# -- the course's models ---------------------------------------------------------------------
@functools.cache
def upsampling_generator(latent_dim: int):
    k = keras()
    return k.Sequential([k.Input((latent_dim,)), k.layers.Dense(128 * 5 * 5), k.layers.Reshape((5, 5, 128)),
                         k.layers.Conv2DTranspose(1, (3, 3), strides=2, padding="same")])


@functools.cache
def simulator(k_: int, f: int):
    k = keras()
    return k.Sequential([
        k.Input((4 * k_,)), k.layers.Dense(f * k_, activation="relu"),
        k.layers.Reshape((1, f // 4, 4 * k_)),
        k.layers.Conv2DTranspose(2 * k_, (1, 5), strides=(1, 2), padding="same"),
        k.layers.Conv2DTranspose(k_, (1, 5), strides=(1, 2), padding="same"),
        k.layers.Reshape((f, k_)),
    ])


def same_function(model, weights: list, inputs: np.ndarray, outputs: np.ndarray) -> bool:
    """Whether ``model`` holding ``weights`` maps ``inputs`` to ``outputs`` (False if they do not fit)."""
    if [tuple(w.shape) for w in model.get_weights()] != [tuple(np.shape(w)) for w in weights]:
        return False
    model.set_weights(weights)
    expected = np.asarray(model.predict(inputs, verbose=0), dtype=np.float64)
    outputs = np.asarray(outputs, dtype=np.float64)
    return expected.shape == outputs.shape and np.allclose(outputs, expected, rtol=1e-4,
                                                           atol=1e-5 * max(1.0, float(np.abs(expected).max())))
