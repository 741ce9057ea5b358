"""Other CORRECT ways to write the exercises: each must pass every hidden check of its exercise.

``<exercise>__<style>`` is sent as the notebook's cell for <exercise> (renamed),
the reference fills the other cells. ``R.name`` calls a reference function or
helper; it is copied into the cell.
"""

import keras
import numpy as np
import scipy.signal
from numpy.lib.stride_tricks import sliding_window_view

from . import reference as R


# ---- correlate1d -------------------------------------------------------------------------
def correlate1d__loops(x, f, mode="valid"):
    """Two nested Python loops with explicit bounds checks."""
    n, m = len(x), len(f)
    if m > n:
        raise ValueError("f longer than x")
    pad = {"valid": 0, "same": m // 2, "full": m - 1}[mode]
    length = {"valid": n - m + 1, "same": n, "full": n + m - 1}[mode]
    out = np.zeros(length)
    for i in range(length):
        for k in range(m):
            j = i - pad + k
            if 0 <= j < n:
                out[i] += x[j] * f[k]
    return out


def correlate1d__fft(x, f, mode="valid"):
    """scipy's FFT convolution with the filter flipped (round-off of order 1e-15)."""
    if len(f) > len(x):
        raise ValueError("f longer than x")
    return scipy.signal.fftconvolve(x, np.asarray(f)[::-1], mode=mode)


def correlate1d__float32(x, f, mode="valid"):
    """np.correlate in single precision, returning float32."""
    if len(f) > len(x):
        raise ValueError("f longer than x")
    return np.correlate(np.asarray(x, np.float32), np.asarray(f, np.float32), mode)


def correlate1d__numpy(x, f, mode="valid"):
    """np.correlate itself (a bare ValueError for a long filter)."""
    if len(f) > len(x):
        raise ValueError
    return np.correlate(x, f, mode)


# ---- convolve1d --------------------------------------------------------------------------
def convolve1d__loops(x, f, mode="valid"):
    """The loop version of correlate1d with f[::-1]."""
    return correlate1d__loops(x, f[::-1], mode)


def convolve1d__fft(x, f, mode="valid"):
    """scipy.signal.fftconvolve."""
    if len(f) > len(x):
        raise ValueError("f longer than x")
    return scipy.signal.fftconvolve(x, f, mode=mode)


def convolve1d__float32(x, f, mode="valid"):
    """np.convolve in single precision, returning float32."""
    if len(f) > len(x):
        raise ValueError("f longer than x")
    return np.convolve(np.asarray(x, np.float32), np.asarray(f, np.float32), mode)


def convolve1d__scipy_direct(x, f, mode="valid"):
    """scipy.signal.convolve with the direct method."""
    if len(f) > len(x):
        raise ValueError("f longer than x")
    return scipy.signal.convolve(x, f, mode=mode, method="direct")


# ---- gaussian_kernel1d -------------------------------------------------------------------
def gaussian_kernel1d__float32(size, width=2.0):
    """The reference formula in single precision."""
    x = np.linspace(-width, width, size, dtype=np.float32)
    g = np.exp(-x * x / np.float32(2))
    return g / g.sum()


def gaussian_kernel1d__loops(size, width=2.0):
    """A list comprehension over explicit sample points (size 1 handled by hand)."""
    step = 2 * width / (size - 1) if size > 1 else 0.0
    g = [np.exp(-((-width + i * step) ** 2) / 2) for i in range(size)]
    total = sum(g)
    return np.array([v / total for v in g])


# ---- continuous_convolution --------------------------------------------------------------
def continuous_convolution__loops(f, g, t, lo=-10.0, hi=10.0, delta=0.01):
    """A loop over every t (np.ndindex), the grid built as lo + delta * k."""
    t = np.asarray(t, dtype=float)
    out = np.zeros(t.shape)
    n = int(round((hi - lo) / delta))
    a = lo + delta * np.arange(n)
    fa = f(a)
    for idx in np.ndindex(t.shape):
        out[idx] = np.sum(fa * g(t[idx] - a)) * delta
    return out


def continuous_convolution__outer(f, g, t, lo=-10.0, hi=10.0, delta=0.01):
    """np.subtract.outer on the flattened t, a matrix-vector product, reshaped back."""
    a = np.arange(lo, hi, delta)
    t = np.asarray(t)
    values = f(a)[None, :] * g(np.subtract.outer(t.ravel(), a))
    return (values @ np.full(len(a), delta)).reshape(t.shape)


def continuous_convolution__float32(f, g, t, lo=-10.0, hi=10.0, delta=0.01):
    """The reference sum accumulated in float32."""
    a = np.arange(lo, hi, delta)
    t = np.asarray(t, dtype=float)
    products = (f(a) * g(t[..., None] - a)).astype(np.float32)
    return products.sum(axis=-1, dtype=np.float32) * np.float32(delta)


# ---- conv2d ------------------------------------------------------------------------------
def conv2d__loops(image, kernel, stride=1, padding="valid"):
    """Zero-padded copy, then a double loop over output positions."""
    H, W, C = image.shape
    kh, kw, _ = kernel.shape
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    (pt, pb), (pl, pr) = R._pads(padding, H, W, kh, kw, sh, sw)
    padded = np.zeros((H + pt + pb, W + pl + pr, C))
    padded[pt:pt + H, pl:pl + W] = image
    Ho = (padded.shape[0] - kh) // sh + 1
    Wo = (padded.shape[1] - kw) // sw + 1
    out = np.zeros((Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[i, j] = np.sum(padded[i * sh:i * sh + kh, j * sw:j * sw + kw, :] * kernel)
    return out


def conv2d__scipy(image, kernel, stride=1, padding="valid"):
    """scipy.signal.correlate2d per channel, summed, then subsampled by the stride."""
    H, W, C = image.shape
    kh, kw, _ = kernel.shape
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    (pt, pb), (pl, pr) = R._pads(padding, H, W, kh, kw, sh, sw)
    total = sum(scipy.signal.correlate2d(np.pad(image[:, :, c].astype(float), ((pt, pb), (pl, pr))),
                                         kernel[:, :, c], mode="valid") for c in range(C))
    return total[::sh, ::sw]


def conv2d__im2col(image, kernel, stride=1, padding="valid"):
    """im2col: one row per output position, one matrix-vector product."""
    H, W, C = image.shape
    kh, kw, _ = kernel.shape
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    pads = R._pads(padding, H, W, kh, kw, sh, sw)
    xp = np.pad(image, (*pads, (0, 0)))
    Ho = (xp.shape[0] - kh) // sh + 1
    Wo = (xp.shape[1] - kw) // sw + 1
    cols = np.empty((Ho * Wo, kh * kw * C))
    for i in range(Ho):
        for j in range(Wo):
            cols[i * Wo + j] = xp[i * sh:i * sh + kh, j * sw:j * sw + kw, :].ravel()
    return (cols @ kernel.ravel()).reshape(Ho, Wo)


def conv2d__float32(image, kernel, stride=1, padding="valid"):
    """The reference computed and returned in float32."""
    return R.conv2d(np.asarray(image, np.float32), np.asarray(kernel, np.float32), stride,
                    padding).astype(np.float32)


def conv2d__fft(image, kernel, stride=1, padding="valid"):
    """One 3-D FFT convolution with the kernel flipped on all axes."""
    H, W, C = image.shape
    kh, kw, _ = kernel.shape
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    pads = R._pads(padding, H, W, kh, kw, sh, sw)
    xp = np.pad(image.astype(float), (*pads, (0, 0)))
    out = scipy.signal.fftconvolve(xp, kernel[::-1, ::-1, ::-1], mode="valid")[:, :, 0]
    return out[::sh, ::sw]


# ---- conv2d_layer ------------------------------------------------------------------------
def conv2d_layer__keras(x, weights, bias, stride=1, padding="valid", activation=None):
    """keras.layers.Conv2D itself (float32), activation applied by hand."""
    layer = keras.layers.Conv2D(weights.shape[3], weights.shape[:2], strides=stride, padding=padding)
    layer.build(x.shape)
    layer.set_weights([weights, bias])
    z = np.asarray(layer(np.asarray(x, np.float32)))
    if activation == "relu":
        return np.maximum(z, 0)
    return activation(z) if callable(activation) else z


def conv2d_layer__via_conv2d(x, weights, bias, stride=1, padding="valid", activation=None):
    """A loop over samples and filters calling a (loop) conv2d, stacked channels-last."""
    N, cout = x.shape[0], weights.shape[3]
    out = np.stack([np.stack([conv2d__loops(x[n], weights[..., o], stride, padding) + bias[o]
                              for o in range(cout)], axis=-1) for n in range(N)])
    if activation is None:
        return out
    if isinstance(activation, str):
        return np.maximum(out, 0)
    return activation(out)


def conv2d_layer__float32(x, weights, bias, stride=1, padding="valid", activation=None):
    """The reference computed and returned in float32."""
    out = R.conv2d_layer(np.asarray(x, np.float32), np.asarray(weights, np.float32),
                         np.asarray(bias, np.float32), stride, padding, None).astype(np.float32)
    if activation == "relu":
        return np.maximum(out, np.float32(0))
    return out if activation is None else activation(out).astype(np.float32)


# ---- pool2d ------------------------------------------------------------------------------
def pool2d__loops(x, pool_size=2, stride=None, mode="max"):
    """A double loop over output positions, np.max / np.mean over each window."""
    ph, pw = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    if stride is None:
        stride = (ph, pw)
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    N, H, W, C = x.shape
    Ho, Wo = (H - ph) // sh + 1, (W - pw) // sw + 1
    out = np.zeros((N, Ho, Wo, C))
    op = np.max if mode == "max" else np.mean
    for i in range(Ho):
        for j in range(Wo):
            out[:, i, j, :] = op(x[:, i * sh:i * sh + ph, j * sw:j * sw + pw, :], axis=(1, 2))
    return out


def pool2d__keras(x, pool_size=2, stride=None, mode="max"):
    """keras MaxPooling2D / AveragePooling2D (float32)."""
    cls = keras.layers.MaxPooling2D if mode == "max" else keras.layers.AveragePooling2D
    return np.asarray(cls(pool_size, strides=stride)(np.asarray(x, np.float32)))


def pool2d__reshape(x, pool_size=2, stride=None, mode="max"):
    """A reshape for non-overlapping windows (keeps an integer dtype for max), sliding windows otherwise."""
    ph, pw = (pool_size, pool_size) if isinstance(pool_size, int) else tuple(pool_size)
    s = (ph, pw) if stride is None else ((stride, stride) if isinstance(stride, int) else tuple(stride))
    N, H, W, C = x.shape
    if s == (ph, pw):
        Ho, Wo = H // ph, W // pw
        blocks = x[:, :Ho * ph, :Wo * pw].reshape(N, Ho, ph, Wo, pw, C)
        return blocks.max(axis=(2, 4)) if mode == "max" else blocks.mean(axis=(2, 4))
    windows = sliding_window_view(x, (ph, pw), axis=(1, 2))[:, ::s[0], ::s[1]]
    return windows.max(axis=(-2, -1)) if mode == "max" else windows.mean(axis=(-2, -1))
