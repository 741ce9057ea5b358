"""Reference solution of 01_convolution: plain numpy, one function per exercise.

Like every module here, this is data for tests/test_hidden_checks.py: each
function is sent, as source code, as one code cell of a simulated notebook.
The private helpers (``_pair``, ``_pads``) are copied into every cell that uses them.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def correlate1d(x, f, mode="valid"):
    """Cross-correlation of x with f ('valid', 'same' or 'full'), via sliding windows."""
    x, f = np.asarray(x, dtype=float), np.asarray(f, dtype=float)
    n, m = len(x), len(f)
    if m > n:
        raise ValueError("the filter is longer than the signal")
    if mode == "valid":
        left = right = 0
    elif mode == "same":
        left, right = m // 2, (m - 1) // 2
    elif mode == "full":
        left = right = m - 1
    else:
        raise ValueError(f"unknown mode {mode!r}")
    return sliding_window_view(np.pad(x, (left, right)), m) @ f


def convolve1d(x, f, mode="valid"):
    """Convolution: the cross-correlation with the flipped filter."""
    return correlate1d(x, np.asarray(f)[::-1], mode)


def gaussian_kernel1d(size, width=2.0):
    """exp(-x**2 / 2) at `size` points from -width to width, normalised to sum 1."""
    g = np.exp(-np.linspace(-width, width, size) ** 2 / 2)
    return g / g.sum()


def continuous_convolution(f, g, t, lo=-10.0, hi=10.0, delta=0.01):
    """Riemann sum of f(a) * g(t - a) * delta over a = arange(lo, hi, delta), for every t."""
    a = np.arange(lo, hi, delta)
    t = np.asarray(t, dtype=float)
    return (f(a) * g(t[..., None] - a)).sum(axis=-1) * delta


def _pair(v):
    """An int or a pair as a pair."""
    return (v, v) if np.isscalar(v) else tuple(v)


def _pads(padding, H, W, kh, kw, sh, sw):
    """((top, bottom), (left, right)) for valid / same (TensorFlow's rule) / full / int / pair padding."""
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "full":
        return (kh - 1, kh - 1), (kw - 1, kw - 1)
    if padding == "same":
        out = []
        for n, k, s in ((H, kh, sh), (W, kw, sw)):
            total = max((-(-n // s) - 1) * s + k - n, 0)
            out.append((total // 2, total - total // 2))
        return tuple(out)
    ph, pw = _pair(padding)
    return (ph, ph), (pw, pw)


def conv2d(image, kernel, stride=1, padding="valid"):
    """Cross-correlation of an (H, W, C) image with a (kh, kw, C) kernel, summed over channels."""
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    (H, W, C), (kh, kw) = image.shape, kernel.shape[:2]
    sh, sw = _pair(stride)
    pads = _pads(padding, H, W, kh, kw, sh, sw)
    windows = sliding_window_view(np.pad(image, (*pads, (0, 0))), (kh, kw), axis=(0, 1))[::sh, ::sw]
    return np.einsum("ijcab,abc->ij", windows, kernel)


def conv2d_layer(x, weights, bias, stride=1, padding="valid", activation=None):
    """A Keras-style Conv2D layer: (N, H, W, Cin) with (kh, kw, Cin, Cout) weights, bias, activation."""
    x, weights = np.asarray(x, dtype=float), np.asarray(weights, dtype=float)
    N, H, W, C = x.shape
    kh, kw = weights.shape[:2]
    sh, sw = _pair(stride)
    pads = _pads(padding, H, W, kh, kw, sh, sw)
    windows = sliding_window_view(np.pad(x, ((0, 0), *pads, (0, 0))), (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    z = np.einsum("nijcab,abco->nijo", windows, weights) + bias
    if activation is None:
        return z
    if activation == "relu":
        return np.maximum(z, 0)
    return activation(z)


def pool2d(x, pool_size=2, stride=None, mode="max"):
    """Max or average pooling of (N, H, W, C) with valid padding; the stride defaults to the pool size."""
    x = np.asarray(x)
    ph, pw = _pair(pool_size)
    sh, sw = _pair(stride if stride is not None else pool_size)
    windows = sliding_window_view(x, (ph, pw), axis=(1, 2))[:, ::sh, ::sw]
    if mode == "max":
        return windows.max(axis=(-2, -1))
    if mode == "avg":
        return windows.mean(axis=(-2, -1))
    raise ValueError(f"unknown mode {mode!r}")
