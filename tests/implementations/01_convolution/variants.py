"""Realistic WRONG ways to write the exercises: each must fail exactly the hidden checks
tests/test_hidden_checks.py expects of it (WRONG there), and pass the others.

``<exercise>__<mistake>`` is sent as the notebook's cell for <exercise> (renamed),
the reference fills the other cells. ``R.name`` calls a reference function or
helper; it is copied into the cell.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import reference as R


def _check_lengths(x, f):
    """The required ValueError for a filter longer than the signal (the variants get this right)."""
    if len(f) > len(x):
        raise ValueError("f longer than x")


# ---- correlate1d -------------------------------------------------------------------------
def correlate1d__flipped(x, f, mode="valid"):
    """Uses np.convolve: flips the filter, a convolution instead of a cross-correlation."""
    _check_lengths(x, f)
    return np.convolve(x, f, mode)


def correlate1d__same_wrong_side(x, f, mode="valid"):
    """'same' with an even filter puts the extra zero of padding after the signal instead of before."""
    _check_lengths(x, f)
    if mode == "same":
        m = len(f)
        xp = np.pad(np.asarray(x, float), ((m - 1) // 2, m // 2))
        return sliding_window_view(xp, m) @ f
    return np.correlate(x, f, mode)


def correlate1d__valid_short(x, f, mode="valid"):
    """Off by one in 'valid': n - m outputs instead of n - m + 1."""
    _check_lengths(x, f)
    out = np.correlate(x, f, mode)
    return out[:-1] if mode == "valid" else out


def correlate1d__valid_long(x, f, mode="valid"):
    """Off by one in 'valid': slides one step past the end (n - m + 2 outputs)."""
    _check_lengths(x, f)
    if mode == "valid":
        return np.correlate(np.pad(np.asarray(x, float), (0, 1)), f, "valid")
    return np.correlate(x, f, mode)


def correlate1d__int_output(x, f, mode="valid"):
    """Allocates the output with np.zeros_like(x): an integer x truncates the results."""
    _check_lengths(x, f)
    n, m = len(x), len(f)
    if mode != "valid":
        return np.correlate(x, f, mode)
    out = np.zeros_like(x, shape=(n - m + 1,))
    for i in range(n - m + 1):
        out[i] = np.dot(x[i:i + m], f)
    return out


def correlate1d__no_length_check(x, f, mode="valid"):
    """Forgets to raise ValueError when the filter is longer than the signal."""
    return np.correlate(x, f, mode)


def correlate1d__default_full(x, f, mode="full"):
    """Wrong default: mode='full' instead of 'valid'."""
    _check_lengths(x, f)
    return np.correlate(x, f, mode)


def correlate1d__mutates(x, f, mode="valid"):
    """Zeroes the caller's x in place after computing ("cleaning up")."""
    _check_lengths(x, f)
    out = np.correlate(x, f, mode)
    x -= x
    return out


# ---- convolve1d --------------------------------------------------------------------------
def convolve1d__not_flipped(x, f, mode="valid"):
    """Forgets to flip the filter: a cross-correlation (np.correlate)."""
    _check_lengths(x, f)
    return np.correlate(x, f, mode)


def convolve1d__same_wrong_side(x, f, mode="valid"):
    """'same' with an even filter cut from the full output one element too late."""
    _check_lengths(x, f)
    if mode == "same":
        m = len(f)
        return np.convolve(x, f, "full")[m // 2: m // 2 + len(x)]
    return np.convolve(x, f, mode)


def convolve1d__flip_in_place(x, f, mode="valid"):
    """Flips the caller's filter in place (f[:] = f[::-1])."""
    _check_lengths(x, f)
    f[:] = f[::-1]
    return np.correlate(x, f, mode)


def convolve1d__no_length_check(x, f, mode="valid"):
    """Forgets to raise ValueError when the filter is longer than the signal."""
    return np.convolve(x, f, mode)


# ---- gaussian_kernel1d -------------------------------------------------------------------
def gaussian_kernel1d__not_normalised(size, width=2.0):
    """Forgets to divide by the sum."""
    return np.exp(-np.linspace(-width, width, size) ** 2 / 2)


def gaussian_kernel1d__unit_range(size, width=2.0):
    """Samples from -1 to 1 whatever the width."""
    g = np.exp(-np.linspace(-1, 1, size) ** 2 / 2)
    return g / g.sum()


def gaussian_kernel1d__ignores_width(size, width=2.0):
    """Hard-codes the default width 2."""
    g = np.exp(-np.linspace(-2, 2, size) ** 2 / 2)
    return g / g.sum()


def gaussian_kernel1d__integer_offsets(size, width=2.0):
    """The scipy-style kernel: integer offsets from the centre with standard deviation width."""
    x = np.arange(size) - (size - 1) / 2
    g = np.exp(-x**2 / (2 * width**2))
    return g / g.sum()


def gaussian_kernel1d__step_division(size, width=2.0):
    """Computes the step as 2 * width / (size - 1): divides by zero for size 1."""
    step = 2 * width / (size - 1)
    g = np.exp(-(-width + step * np.arange(size)) ** 2 / 2)
    return g / g.sum()


# ---- continuous_convolution --------------------------------------------------------------
def continuous_convolution__no_delta(f, g, t, lo=-10.0, hi=10.0, delta=0.01):
    """Forgets to multiply the sum by the step delta."""
    a = np.arange(lo, hi, delta)
    return (f(a) * g(np.asarray(t, float)[..., None] - a)).sum(axis=-1)


def continuous_convolution__sign(f, g, t, lo=-10.0, hi=10.0, delta=0.01):
    """Evaluates g(a - t) instead of g(t - a)."""
    a = np.arange(lo, hi, delta)
    return (f(a) * g(a - np.asarray(t, float)[..., None])).sum(axis=-1) * delta


def continuous_convolution__linspace(f, g, t, lo=-10.0, hi=10.0, delta=0.01):
    """Builds the grid with np.linspace(lo, hi, n): includes hi, so the step is not delta."""
    a = np.linspace(lo, hi, int((hi - lo) / delta))
    return (f(a) * g(np.asarray(t, float)[..., None] - a)).sum(axis=-1) * delta


def continuous_convolution__includes_hi(f, g, t, lo=-10.0, hi=10.0, delta=0.01):
    """Extends the grid to include hi."""
    a = np.arange(lo, hi + delta / 2, delta)
    return (f(a) * g(np.asarray(t, float)[..., None] - a)).sum(axis=-1) * delta


def continuous_convolution__ignores_lo_hi(f, g, t, lo=-10.0, hi=10.0, delta=0.01):
    """Always sums over the default grid from -10 to 10."""
    return R.continuous_convolution(f, g, t, delta=delta)


def continuous_convolution__ignores_delta(f, g, t, lo=-10.0, hi=10.0, delta=0.01):
    """Always uses the default step 0.01."""
    return R.continuous_convolution(f, g, t, lo, hi)


def continuous_convolution__loop_over_t(f, g, t, lo=-10.0, hi=10.0, delta=0.01):
    """Loops over the first axis of t only: a 2-D t breaks it."""
    a = np.arange(lo, hi, delta)
    return np.array([np.sum(f(a) * g(ti - a)) * delta for ti in t])


def continuous_convolution__swapped(f, g, t, lo=-10.0, hi=10.0, delta=0.01):
    """Sums g(a) * f(t - a): the same integral, not the Riemann sum asked for."""
    a = np.arange(lo, hi, delta)
    return (g(a) * f(np.asarray(t, float)[..., None] - a)).sum(axis=-1) * delta


def continuous_convolution__mutates(f, g, t, lo=-10.0, hi=10.0, delta=0.01):
    """Zeroes the caller's t in place after computing."""
    out = R.continuous_convolution(f, g, t, lo, hi, delta)
    t.fill(0)
    return out


# ---- conv2d ------------------------------------------------------------------------------
def conv2d__flipped(image, kernel, stride=1, padding="valid"):
    """Flips the kernel: a true convolution instead of a cross-correlation."""
    return R.conv2d(image, np.asarray(kernel)[::-1, ::-1], stride, padding)


def conv2d__no_channel_sum(image, kernel, stride=1, padding="valid"):
    """Correlates each channel separately and stacks them instead of summing over channels."""
    return np.stack([R.conv2d(image[..., c:c + 1], kernel[..., c:c + 1], stride, padding)
                     for c in range(image.shape[2])], axis=-1)


def conv2d__channels_first(image, kernel, stride=1, padding="valid"):
    """Assumes (C, H, W) images and kernels, like PyTorch."""
    C, H, W = image.shape
    _, kh, kw = kernel.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for c in range(C):
        for i in range(H - kh + 1):
            for j in range(W - kw + 1):
                out[i, j] += np.sum(image[c, i:i + kh, j:j + kw] * kernel[c])
    return out


def conv2d__same_wrong_side(image, kernel, stride=1, padding="valid"):
    """Odd total 'same' padding: puts the extra row/column before (top/left) instead of after."""
    if padding != "same":
        return R.conv2d(image, kernel, stride, padding)
    (H, W, C), (kh, kw) = image.shape, kernel.shape[:2]
    sh, sw = R._pair(stride)
    pads = tuple(p[::-1] for p in R._pads("same", H, W, kh, kw, sh, sw))
    return R.conv2d(np.pad(image, (*pads, (0, 0))), kernel, stride, "valid")


def conv2d__stride_ignored(image, kernel, stride=1, padding="valid"):
    """Ignores the stride: always the stride-1 output."""
    return R.conv2d(image, kernel, 1, padding)


def conv2d__one_side_padding(image, kernel, stride=1, padding="valid"):
    """Puts all the padding before the image (top/left)."""
    (H, W, C), (kh, kw) = image.shape, kernel.shape[:2]
    sh, sw = R._pair(stride)
    (a, b), (c, d) = R._pads(padding, H, W, kh, kw, sh, sw)
    return R.conv2d(np.pad(image, ((a + b, 0), (c + d, 0), (0, 0))), kernel, stride, "valid")


def conv2d__same_stride1_padding(image, kernel, stride=1, padding="valid"):
    """'same' with a stride: pads as for stride 1, then subsamples."""
    if padding != "same":
        return R.conv2d(image, kernel, stride, padding)
    sh, sw = R._pair(stride)
    return R.conv2d(image, kernel, 1, "same")[::sh, ::sw]


def conv2d__same_stride_floor(image, kernel, stride=1, padding="valid"):
    """'same' with a stride: floor(n / s) output rows and columns instead of ceil(n / s)."""
    if padding != "same":
        return R.conv2d(image, kernel, stride, padding)
    (H, W, C), (kh, kw) = image.shape, kernel.shape[:2]
    sh, sw = R._pair(stride)
    pads = []
    for n, k, s in ((H, kh, sh), (W, kw, sw)):
        total = max((n // s - 1) * s + k - n, 0)
        pads.append((total // 2, total - total // 2))
    out = R.conv2d(np.pad(image, (*pads, (0, 0))), kernel, stride, "valid")
    return out[:H // sh, :W // sw]


def conv2d__pair_padding_swapped(image, kernel, stride=1, padding="valid"):
    """Reads padding=(ph, pw) as (pw, ph)."""
    if isinstance(padding, (tuple, list)):
        padding = tuple(padding)[::-1]
    return R.conv2d(image, kernel, stride, padding)


def conv2d__int_output(image, kernel, stride=1, padding="valid"):
    """Returns the image's dtype: a uint8 image truncates (and wraps) the results."""
    return R.conv2d(image, kernel, stride, padding).astype(image.dtype)


def conv2d__mutates(image, kernel, stride=1, padding="valid"):
    """Zeroes the caller's kernel in place after computing."""
    out = R.conv2d(image, kernel, stride, padding)
    kernel *= 0
    return out


# ---- conv2d_layer ------------------------------------------------------------------------
def conv2d_layer__weights_transposed(x, weights, bias, stride=1, padding="valid", activation=None):
    """Reads weights as (kh, kw, Cout, Cin) instead of Keras's (kh, kw, Cin, Cout)."""
    kh, kw, cout, cin = weights.shape
    out = np.stack([np.stack([sum(R.conv2d(x[n][..., c:c + 1], weights[:, :, o, c][..., None], stride, padding)
                                  for c in range(cin)) + bias[o] for o in range(cout)], axis=-1)
                    for n in range(x.shape[0])])
    if activation == "relu":
        return np.maximum(out, 0)
    return out if activation is None else activation(out)


def conv2d_layer__no_bias(x, weights, bias, stride=1, padding="valid", activation=None):
    """Forgets to add the bias."""
    return R.conv2d_layer(x, weights, np.zeros_like(bias), stride, padding, activation)


def conv2d_layer__activation_ignored(x, weights, bias, stride=1, padding="valid", activation=None):
    """Never applies the activation."""
    return R.conv2d_layer(x, weights, bias, stride, padding, None)


def conv2d_layer__relu_before_bias(x, weights, bias, stride=1, padding="valid", activation=None):
    """Applies the activation before adding the bias."""
    z = R.conv2d_layer(x, weights, np.zeros_like(bias), stride, padding, activation)
    return z + bias


def conv2d_layer__flipped(x, weights, bias, stride=1, padding="valid", activation=None):
    """Flips the weights: a true convolution instead of a cross-correlation."""
    return R.conv2d_layer(x, weights[::-1, ::-1], bias, stride, padding, activation)


def conv2d_layer__channels_first_output(x, weights, bias, stride=1, padding="valid", activation=None):
    """Returns (N, Cout, H', W'), channels-first, instead of channels-last."""
    return R.conv2d_layer(x, weights, bias, stride, padding, activation).transpose(0, 3, 1, 2)


def conv2d_layer__every_activation_relu(x, weights, bias, stride=1, padding="valid", activation=None):
    """Applies relu whatever activation is given."""
    return R.conv2d_layer(x, weights, bias, stride, padding, None if activation is None else "relu")


def conv2d_layer__stride_ignored(x, weights, bias, stride=1, padding="valid", activation=None):
    """Ignores the stride: always the stride-1 output."""
    return R.conv2d_layer(x, weights, bias, 1, padding, activation)


def conv2d_layer__same_wrong_side(x, weights, bias, stride=1, padding="valid", activation=None):
    """Odd total 'same' padding (even kernel): puts the extra row/column before instead of after."""
    if padding != "same":
        return R.conv2d_layer(x, weights, bias, stride, padding, activation)
    _, H, W, _ = x.shape
    kh, kw = weights.shape[:2]
    pads = tuple(p[::-1] for p in R._pads("same", H, W, kh, kw, stride, stride))
    return R.conv2d_layer(np.pad(x, ((0, 0), *pads, (0, 0))), weights, bias, stride, "valid", activation)


def conv2d_layer__mutates(x, weights, bias, stride=1, padding="valid", activation=None):
    """Zeroes the caller's bias in place after computing."""
    out = R.conv2d_layer(x, weights, bias, stride, padding, activation)
    bias[:] = 0
    return out


# ---- pool2d ------------------------------------------------------------------------------
def pool2d__default_stride_one(x, pool_size=2, stride=None, mode="max"):
    """Defaults the stride to 1 instead of the pool size."""
    return R.pool2d(x, pool_size, 1 if stride is None else stride, mode)


def pool2d__stride_ignored(x, pool_size=2, stride=None, mode="max"):
    """Ignores the stride argument: always moves by the pool size."""
    return R.pool2d(x, pool_size, None, mode)


def pool2d__modes_swapped(x, pool_size=2, stride=None, mode="max"):
    """Computes the mean for 'max' and the maximum for 'avg'."""
    return R.pool2d(x, pool_size, stride, "avg" if mode == "max" else "max")


def pool2d__ceil(x, pool_size=2, stride=None, mode="max"):
    """Keeps the incomplete windows at the bottom/right edge (ceil instead of floor)."""
    ph, pw = R._pair(pool_size)
    sh, sw = R._pair(stride if stride is not None else pool_size)
    N, H, W, C = x.shape
    Ho, Wo = -(-(H - ph) // sh) + 1, -(-(W - pw) // sw) + 1
    out = np.zeros((N, Ho, Wo, C))
    op = np.max if mode == "max" else np.mean
    for i in range(Ho):
        for j in range(Wo):
            out[:, i, j] = op(x[:, i * sh:i * sh + ph, j * sw:j * sw + pw], axis=(1, 2))
    return out


def pool2d__max_starts_at_zero(x, pool_size=2, stride=None, mode="max"):
    """Starts the running maximum at 0: negative windows give 0."""
    if mode != "max":
        return R.pool2d(x, pool_size, stride, mode)
    return np.maximum(R.pool2d(x, pool_size, stride, mode), 0)


def pool2d__int_output(x, pool_size=2, stride=None, mode="max"):
    """Returns the input's dtype: averages of integers are truncated."""
    return R.pool2d(x, pool_size, stride, mode).astype(x.dtype)


def pool2d__pool_pair_swapped(x, pool_size=2, stride=None, mode="max"):
    """Reads pool_size=(ph, pw) as (pw, ph)."""
    if not isinstance(pool_size, int):
        pool_size = tuple(pool_size)[::-1]
        stride = stride if stride is not None else pool_size
    return R.pool2d(x, pool_size, stride, mode)


def pool2d__avg_divides_in_place(x, pool_size=2, stride=None, mode="max"):
    """Average pooling that divides the caller's array in place (x /= ph * pw) and sums the windows."""
    if mode != "avg":
        return R.pool2d(x, pool_size, stride, mode)
    ph, pw = R._pair(pool_size)
    x /= ph * pw
    sh, sw = R._pair(stride if stride is not None else pool_size)
    return sliding_window_view(x, (ph, pw), axis=(1, 2))[:, ::sh, ::sw].sum(axis=(-2, -1))


def pool2d__mutates(x, pool_size=2, stride=None, mode="max"):
    """Clips the caller's x at 0 in place after computing."""
    out = R.pool2d(x, pool_size, stride, mode)
    np.maximum(x, 0, out=x)
    return out
