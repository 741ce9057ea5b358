"""What the hidden checks of conv2d, conv2d_layer and pool2d compare with: plain numpy.

Keras's Conv2D, MaxPooling2D and AveragePooling2D define the answers, but
importing TensorFlow costs each grading process five seconds and 700 MB for a
few dozen small arrays. These functions compute the same thing with numpy
sliding windows; tests/test_layer_oracle.py holds them to Keras's layers
(float64) on drawn configurations, so the answers are still Keras's, proved
once in the test suite instead of recomputed in every grading run. The same
functions, given the wrong padding, stride or weights, compute the wrong
variants the diagnoses name.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def pair(v):
    """An int or a pair, as a pair (Keras's pool_size, strides and kernel sizes take either)."""
    return (v, v) if isinstance(v, (int, np.integer)) else tuple(v)


def same_pads(n, k, s):
    """TensorFlow's 'same': total = max((ceil(n/s) - 1) * s + k - n, 0), floor half before."""
    total = max((-(-n // s) - 1) * s + k - n, 0)
    return (total // 2, total - total // 2)


def conv_layer(x, weights, bias, stride=1, padding="valid"):
    """Conv2D's output for x (N, H, W, Cin), weights (kh, kw, Cin, Cout), bias (Cout,), in float64.

    ``padding`` is "valid", "same" (TensorFlow's split), or explicit ((top, bottom), (left, right)).
    """
    x = np.asarray(x, dtype=np.float64)
    (kh, kw), (sh, sw) = weights.shape[:2], pair(stride)
    if padding == "valid":
        pads = ((0, 0), (0, 0))
    elif padding == "same":
        pads = (same_pads(x.shape[1], kh, sh), same_pads(x.shape[2], kw, sw))
    else:
        pads = padding
    padded = np.pad(x, ((0, 0), *pads, (0, 0)))
    windows = sliding_window_view(padded, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]  # N, H', W', Cin, kh, kw
    return np.einsum("nijcab,abco->nijo", windows, np.asarray(weights, dtype=np.float64)) + bias


def pooling(x, pool_size, stride, mode, partial=False):
    """MaxPooling2D / AveragePooling2D with valid padding (mode "max" or "avg"), in float64.

    partial=True also keeps the incomplete windows at the bottom and right (a wrong variant).
    """
    (ph, pw), (sh, sw) = pair(pool_size), pair(stride)
    x = np.asarray(x, dtype=np.float64)
    if partial:
        _, H, W, _ = x.shape
        extra_h = (-(H - ph)) % sh if H >= ph else ph - H
        extra_w = (-(W - pw)) % sw if W >= pw else pw - W
        x = np.pad(x, ((0, 0), (0, extra_h), (0, extra_w), (0, 0)), constant_values=np.nan)
    windows = sliding_window_view(x, (ph, pw), axis=(1, 2))[:, ::sh, ::sw]
    return (np.nanmax if mode == "max" else np.nanmean)(windows, axis=(-2, -1))
