import numpy as np
import matplotlib.pyplot as plt
from convlab.public_checks import Notebook  # otter's checks; a failing check raises an error, so that Validate sees it
grader = Notebook()

def correlate1d(x, f, mode="valid"):
    """Cross-correlation of a 1-D time series with a filter (the filter is not flipped).

    out[i] = sum_j f[j] * x_padded[i + j]

    Parameters
    ----------
    x : array_like, shape (n,)
        The time series (real numbers).
    f : array_like, shape (m,), with 1 <= m <= n
        The filter.
    mode : {"valid", "same", "full"}
        "valid": no padding, n - m + 1 values;
        "same":  m // 2 zeros before and m - 1 - m // 2 zeros after x (NumPy's convention), n values;
        "full":  m - 1 zeros on each side, n + m - 1 values.

    Returns
    -------
    numpy.ndarray of floats, equal to np.correlate(x, f, mode).

    Raises
    ------
    ValueError
        If x or f is not 1-D, if f is empty or longer than x, or if mode is unknown.
    """
    x = np.asarray(x, dtype=float)
    f = np.asarray(f, dtype=float)
    if x.ndim != 1 or f.ndim != 1:
        raise ValueError("x and f must be 1-D arrays")
    n, m = len(x), len(f)
    if not 1 <= m <= n:
        raise ValueError(f"the filter length must be between 1 and len(x) = {n}, got {m}")
    if mode == "valid":
        before, after = 0, 0
    elif mode == "same":
        before, after = m // 2, m - 1 - m // 2
    elif mode == "full":
        before, after = m - 1, m - 1
    else:
        raise ValueError(f"mode must be 'valid', 'same' or 'full', got {mode!r}")
    padded = np.pad(x, (before, after))
    windows = np.lib.stride_tricks.sliding_window_view(padded, m)  # one row per output value
    return windows @ f

grader.check("correlate1d")

def gaussian_kernel1d(size, width=2.0):
    """The course's Gaussian filter: exp(-u**2 / 2) on u = np.linspace(-width, width, size),
    normalised so that its values sum to 1.

    Parameters
    ----------
    size : int >= 1
        Number of coefficients.
    width : float
        The grid goes from -width to width.

    Returns
    -------
    numpy.ndarray of floats, shape (size,), summing to 1.

    Raises
    ------
    ValueError
        If size < 1.
    """
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    f = np.exp(-np.linspace(-width, width, num=size) ** 2 / 2)
    return f / f.sum()

grader.check("gaussian_kernel1d")

np.random.seed(0)
walk = np.cumsum(0.1 * np.random.randn(50))   # the course's random_walk(size=50)
smooth = correlate1d(walk, gaussian_kernel1d(5), mode="same")

plt.figure(figsize=(7, 3))
plt.plot(walk, label="raw time series")
plt.plot(smooth, label="activation map (Gaussian-smoothed time series)")
plt.legend()
plt.show()

f_bump = np.concatenate([-np.ones(4), np.ones(4), -np.ones(4)])
shift = 20
x_first = np.zeros(100)
x_first[10:70] = np.sin(np.linspace(0, 2 * np.pi, num=60))
x_shifted = np.roll(x_first, shift)            # the same bump, 20 steps later
act_first = np.correlate(x_first, f_bump, mode="same")
act_shifted = np.correlate(x_shifted, f_bump, mode="same")

fig, axes = plt.subplots(3, 1, figsize=(7, 5.5))
axes[0].stem(f_bump)
axes[0].set_title("Filter")
axes[1].plot(x_first, "b-", label="input")
axes[1].plot(x_shifted, "b--", label=f"input shifted by {shift}")
axes[1].set_title("Input time series")
axes[1].legend(loc="lower left", fontsize="small")
axes[2].plot(act_first, "r-", label="activation map")
axes[2].plot(act_shifted, "r--", label="activation map of the shifted input")
axes[2].set_title("Activation map")
axes[2].legend(loc="upper left", fontsize="small")
fig.tight_layout()
plt.show()

print("activation map of the shifted input == activation map shifted by", shift, ":",
      np.allclose(act_shifted[shift:], act_first[:-shift]))

def convolve1d(x, f, mode="valid"):
    """Convolution of a 1-D time series with a filter: the cross-correlation with the reversed filter.

    Parameters
    ----------
    x : array_like, shape (n,)
        The time series (real numbers).
    f : array_like, shape (m,), with 1 <= m <= n
        The filter.
    mode : {"valid", "same", "full"}
        As in correlate1d (for "same", the extra zero of an even filter goes before x).

    Returns
    -------
    numpy.ndarray of floats, equal to np.convolve(x, f, mode).

    Raises
    ------
    ValueError
        If x or f is not 1-D, if f is empty or longer than x, or if mode is unknown.
    """
    f = np.asarray(f, dtype=float)
    if f.ndim != 1:
        raise ValueError("f must be a 1-D array")
    return correlate1d(x, f[::-1], mode)

grader.check("convolve1d")

def continuous_convolution(f, g, t, lo=-10.0, hi=10.0, delta=0.01):
    """Riemann-sum approximation of (f * g)(t) = integral of f(a) g(t - a) da.

    s(t) = sum over a in np.arange(lo, hi, delta) of f(a) * g(t - a) * delta

    Parameters
    ----------
    f, g : callables
        Vectorised functions (array in, array of the same shape out).
    t : array_like
        The shifts at which the convolution is evaluated.
    lo, hi, delta : float
        The integration grid is a = np.arange(lo, hi, delta).

    Returns
    -------
    numpy.ndarray of floats with the same shape as t.
    """
    t = np.asarray(t, dtype=float)
    a = np.arange(lo, hi, delta)
    f_values = np.asarray(f(a), dtype=float)                      # shape (len(a),)
    g_values = np.asarray(g(t.reshape(-1, 1) - a), dtype=float)   # shape (t.size, len(a))
    return (g_values @ f_values * delta).reshape(t.shape)

grader.check("continuous_convolution")

def box(x):
    return np.where(np.abs(x) <= 1, 1.0, 0.0)

def ramp(x):
    return np.where(np.abs(x) <= 1, 1.0 - (x + 1) / 2.0, 0.0)

ts = np.arange(-3, 3, 0.01)
box_ramp = continuous_convolution(box, ramp, ts)

plt.figure(figsize=(7, 3))
plt.plot(ts, box(ts), label=r"$f(x)$")
plt.plot(ts, ramp(ts), label=r"$g(x)$")
plt.plot(ts, box_ramp, label=r"$(f * g)(t)$")
plt.legend()
plt.show()

def conv2d(image, kernel, stride=1, padding="valid"):
    """2-D cross-correlation of a multichannel image with a kernel, summed over the channels.

    out[i, j] = sum_{u, v, c} kernel[u, v, c] * padded[i * sh + u, j * sw + v, c]

    Parameters
    ----------
    image : array_like, shape (H, W, C)
    kernel : array_like, shape (kh, kw, C)
    stride : int or (int, int)
        Step (sh, sw) of the kernel along the height and the width.
    padding : "valid", "same", "full", int or (int, int)
        "valid": no zeros; "full": kh - 1 rows / kw - 1 columns of zeros on each side;
        p or (ph, pw): that many zeros on each side;
        "same" (TensorFlow's convention): total padding max((ceil(H / sh) - 1) * sh + kh - H, 0)
        rows, the smaller half above and the rest below (same rule for the columns, extra on the right).

    Returns
    -------
    numpy.ndarray of floats, shape (H', W') with H' = (H + pad_top + pad_bottom - kh) // sh + 1.

    Raises
    ------
    ValueError
        For arrays that are not 3-D, different channel counts, an unknown padding, a negative padding,
        a stride that is not positive, or a kernel larger than the padded image.
    """
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    if image.ndim != 3 or kernel.ndim != 3:
        raise ValueError("image must have shape (H, W, C) and kernel shape (kh, kw, C)")
    if image.shape[2] != kernel.shape[2]:
        raise ValueError(f"image has {image.shape[2]} channels but kernel has {kernel.shape[2]}")
    (H, W, _), (kh, kw, _) = image.shape, kernel.shape
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    if sh < 1 or sw < 1:
        raise ValueError(f"strides must be positive, got {stride}")

    if isinstance(padding, str):
        if padding == "valid":
            pads = [(0, 0), (0, 0)]
        elif padding == "full":
            pads = [(kh - 1, kh - 1), (kw - 1, kw - 1)]
        elif padding == "same":
            pads = []
            for n, k, s in [(H, kh, sh), (W, kw, sw)]:
                total = max((-(-n // s) - 1) * s + k - n, 0)   # -(-n // s) is ceil(n / s)
                pads.append((total // 2, total - total // 2))  # the extra zero goes after
        else:
            raise ValueError(f"unknown padding {padding!r}")
    else:
        ph, pw = (padding, padding) if np.ndim(padding) == 0 else padding
        if ph < 0 or pw < 0:
            raise ValueError(f"padding must be non-negative, got {padding}")
        pads = [(ph, ph), (pw, pw)]

    padded = np.pad(image, pads + [(0, 0)])
    if padded.shape[0] < kh or padded.shape[1] < kw:
        raise ValueError("the kernel is larger than the padded image")
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw), axis=(0, 1))
    windows = windows[::sh, ::sw]                  # shape (H', W', C, kh, kw)
    return np.einsum("ijcuv,uvc->ij", windows, kernel)

grader.check("conv2d")

x_small = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
f_even = np.array([1.0, 10.0])
numpy_same = np.correlate(np.pad(x_small, (1, 0)), f_even, mode="valid")       # zero before
tensorflow_same = np.correlate(np.pad(x_small, (0, 1)), f_even, mode="valid")  # zero after
print("NumPy 'same':     ", numpy_same, "equal to np.correlate(x, f, 'same'):",
      np.allclose(numpy_same, np.correlate(x_small, f_even, mode="same")))
print("TensorFlow 'same':", tensorflow_same)

from matplotlib import cbook

with cbook.get_sample_data("grace_hopper.jpg") as image_file:
    photo = plt.imread(image_file)[::4, ::4] / 255.0   # shape (150, 128, 3), values in [0, 1]

g = gaussian_kernel1d(9, width=2.0)
blur_kernel = np.repeat(np.outer(g, g)[:, :, None], 3, axis=2) / 3
edge_kernel = np.repeat(np.array([[-1.0, 0.0, 1.0]] * 3)[:, :, None], 3, axis=2) / 9
blurred = conv2d(photo, blur_kernel, padding="same")
edges = conv2d(photo, edge_kernel, padding="valid")

fig, axes = plt.subplots(1, 3, figsize=(9, 3.5))
axes[0].imshow(photo)
axes[0].set_title("RGB image")
axes[1].imshow(blurred, cmap="gray")
axes[1].set_title("Gaussian filter, 'same'")
axes[2].imshow(edges, cmap="gray")
axes[2].set_title("vertical-edge filter, 'valid'")
for ax in axes:
    ax.axis("off")
fig.tight_layout()
plt.show()

def conv2d_layer(x, weights, bias, stride=1, padding="valid", activation=None):
    """Forward pass of a 2-D convolution layer, like keras.layers.Conv2D (no kernel flip).

    out[n, i, j, o] = activation(sum_{u, v, c} weights[u, v, c, o] * padded[n, i*sh + u, j*sw + v, c] + bias[o])

    Parameters
    ----------
    x : array_like, shape (N, H, W, Cin)
        A batch of images.
    weights : array_like, shape (kh, kw, Cin, Cout)
        One filter per output channel, as Keras stores them.
    bias : array_like, shape (Cout,)
    stride : int or (int, int)
    padding : {"valid", "same"}
        "same" follows TensorFlow's convention (as in conv2d).
    activation : None, "relu" or callable
        Applied element by element after adding the bias.

    Returns
    -------
    numpy.ndarray of floats, shape (N, H', W', Cout).

    Raises
    ------
    ValueError
        For inconsistent shapes, an unknown padding, an unknown activation string, a stride that is
        not positive, or a kernel larger than the padded input.
    """
    x = np.asarray(x, dtype=float)
    weights = np.asarray(weights, dtype=float)
    bias = np.asarray(bias, dtype=float)
    if x.ndim != 4 or weights.ndim != 4:
        raise ValueError("x must have shape (N, H, W, Cin) and weights shape (kh, kw, Cin, Cout)")
    (N, H, W, cin), (kh, kw, cin_w, cout) = x.shape, weights.shape
    if cin != cin_w:
        raise ValueError(f"x has {cin} channels but the weights expect {cin_w}")
    if bias.shape != (cout,):
        raise ValueError(f"bias must have shape ({cout},), got {bias.shape}")
    if isinstance(activation, str) and activation != "relu":
        raise ValueError(f"unknown activation {activation!r}")
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    if sh < 1 or sw < 1:
        raise ValueError(f"strides must be positive, got {stride}")

    if padding == "valid":
        pads = [(0, 0), (0, 0)]
    elif padding == "same":
        pads = []
        for n, k, s in [(H, kh, sh), (W, kw, sw)]:
            total = max((-(-n // s) - 1) * s + k - n, 0)
            pads.append((total // 2, total - total // 2))
    else:
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")

    padded = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    if padded.shape[1] < kh or padded.shape[2] < kw:
        raise ValueError("the kernel is larger than the padded image")
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw), axis=(1, 2))
    windows = windows[:, ::sh, ::sw]               # shape (N, H', W', Cin, kh, kw)
    z = np.einsum("nijcuv,uvco->nijo", windows, weights) + bias
    if activation is None:
        return z
    if activation == "relu":
        return np.maximum(z, 0.0)
    return np.asarray(activation(z), dtype=float)

grader.check("conv2d_layer")

def pool2d(x, pool_size=2, stride=None, mode="max"):
    """Max or average pooling of a batch of activation maps, without padding (like Keras).

    Parameters
    ----------
    x : array_like, shape (N, H, W, C)
    pool_size : int or (int, int)
        Window size (ph, pw).
    stride : None, int or (int, int)
        Step (sh, sw) of the window; None means pool_size.
    mode : {"max", "avg"}

    Returns
    -------
    numpy.ndarray of floats, shape (N, H', W', C) with H' = (H - ph) // sh + 1 (same rule for W').

    Raises
    ------
    ValueError
        If x is not 4-D, mode is unknown, a size or stride is not positive,
        or the window is larger than the input.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 4:
        raise ValueError("x must have shape (N, H, W, C)")
    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    ph, pw = (pool_size, pool_size) if np.ndim(pool_size) == 0 else pool_size
    if stride is None:
        sh, sw = ph, pw
    else:
        sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    if min(ph, pw, sh, sw) < 1:
        raise ValueError("pool sizes and strides must be positive")
    if ph > x.shape[1] or pw > x.shape[2]:
        raise ValueError("the pooling window is larger than the input")
    windows = np.lib.stride_tricks.sliding_window_view(x, (ph, pw), axis=(1, 2))
    windows = windows[:, ::sh, ::sw]               # shape (N, H', W', C, ph, pw)
    if mode == "max":
        return windows.max(axis=(-2, -1))
    return windows.mean(axis=(-2, -1))

grader.check("pool2d")

gray = photo.mean(axis=2, keepdims=True)[None]        # batch of one grey image, shape (1, 150, 128, 1)
sobel = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
layer_weights = np.stack([sobel, sobel.T], axis=-1)[:, :, None, :]   # shape (3, 3, 1, 2)
maps = conv2d_layer(gray, layer_weights, np.zeros(2), padding="same", activation="relu")
pooled = pool2d(maps, pool_size=2, mode="max")

fig, axes = plt.subplots(2, 2, figsize=(6, 6))
for c, name in enumerate(["vertical edges", "horizontal edges"]):
    axes[0, c].imshow(maps[0, :, :, c], cmap="gray")
    axes[0, c].set_title(f"{name} {maps.shape[1:3]}")
    axes[1, c].imshow(pooled[0, :, :, c], cmap="gray")
    axes[1, c].set_title(f"after max pooling {pooled.shape[1:3]}")
for ax in axes.ravel():
    ax.axis("off")
fig.tight_layout()
plt.show()