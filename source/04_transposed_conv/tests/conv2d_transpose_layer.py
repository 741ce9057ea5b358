from otter.test_files import test_case

OK_FORMAT = False

name = "conv2d_transpose_layer"
points = 4


def _pair(value):
    import numpy as np

    return (int(value), int(value)) if np.ndim(value) == 0 else (int(value[0]), int(value[1]))


def _keras(x, weights, bias, stride, padding):
    """The oracle: keras.layers.Conv2DTranspose holding weights (kh, kw, Cout, Cin) and bias (Cout,)."""
    import keras
    import numpy as np

    kh, kw, cout, cin = weights.shape
    layer = keras.layers.Conv2DTranspose(cout, (kh, kw), strides=stride, padding=padding)
    layer.build((None,) + x.shape[1:])
    layer.set_weights([weights.astype("float32"), bias.astype("float32")])
    return keras.ops.convert_to_numpy(layer(x.astype("float32"))).astype(float)


def _scatter(x, weights, bias, stride, padding, crop_top_first=False, tap_step=False):
    """Known variants of the layer: the crop of 'same' moved to the top/left, or the kernel taps spaced by the stride."""
    import numpy as np

    (sh, sw), (kh, kw) = _pair(stride), weights.shape[:2]
    n, h, w, _ = x.shape
    if tap_step:   # x[i] * W[a] at i + a * s: a dilated kernel, not a stride
        rows, cols = h + (kh - 1) * sh, w + (kw - 1) * sw
        full = np.zeros((n, rows, cols, weights.shape[2]))
        for a in range(kh):
            for b in range(kw):
                full[:, a * sh:a * sh + h, b * sw:b * sw + w] += x @ weights[a, b].T
        return full + bias
    rows, cols = h * sh + max(kh - sh, 0), w * sw + max(kw - sw, 0)
    full = np.zeros((n, rows, cols, weights.shape[2]))
    for a in range(kh):
        for b in range(kw):
            full[:, a:a + (h - 1) * sh + 1:sh, b:b + (w - 1) * sw + 1:sw] += x @ weights[a, b].T
    if padding == "same":
        extra_h, extra_w = max(kh - sh, 0), max(kw - sw, 0)
        top = (extra_h + 1) // 2 if crop_top_first else extra_h // 2
        left = (extra_w + 1) // 2 if crop_top_first else extra_w // 2
        full = full[:, top:top + h * sh, left:left + w * sw]
    return full + bias


def _run(conv2d_transpose_layer, x, weights, bias, stride, padding):
    import numpy as np

    kh, kw, cout, cin = weights.shape
    try:
        got = conv2d_transpose_layer(x.copy(), weights.copy(), bias.copy(), stride=stride, padding=padding)
    except (ValueError, IndexError) as error:
        if cin != cout:
            raise AssertionError(
                f"your function raised {type(error).__name__}: {error}, with Cin = {cin} input channels and "
                f"Cout = {cout} filters (weights of shape {weights.shape}). Keras stores a Conv2DTranspose kernel as "
                "(kh, kw, Cout, Cin), output channels BEFORE input channels, the opposite of Conv2D's "
                "(kh, kw, Cin, Cout): weights[a, b] has the shape (Cout, Cin).") from error
        raise
    got = np.asarray(got, dtype=float)
    _compare(got, x, weights, bias, stride, padding)


def _compare(got, x, weights, bias, stride, padding):
    import numpy as np

    expected = _keras(x, weights, bias, stride, padding)
    (sh, sw), (kh, kw, cout, cin) = _pair(stride), weights.shape
    n, h, w, _ = x.shape
    setting = (f"input {x.shape}, kernel ({kh}, {kw}) with Cout = {cout}, Cin = {cin}, stride {(sh, sw)}, "
               f"padding={padding!r}")
    if got.ndim != 4:
        raise AssertionError(f"{setting}: return an array of shape (N, out_h, out_w, Cout), like the layer; yours has "
                             f"the shape {got.shape}")
    if got.shape != expected.shape:
        hint = ""
        if got.shape[-1] == cin != cout:
            hint = (f" Your output has {cin} channels, the number of INPUT channels: Keras stores the kernel as "
                    "(kh, kw, Cout, Cin), so the number of filters is weights.shape[2].")
        elif padding == "valid" and got.shape[1:3] == ((h - 1) * sh + kh, (w - 1) * sw + kw):
            hint = (" That is the textbook (i - 1) * s + k. When the stride is larger than the kernel, Keras keeps "
                    "i * s + max(k - s, 0) rows: i * s, and the last s - k rows hold only the bias.")
        elif got.shape[1:3] == (h - 1 + kh, w - 1 + kw) or got.shape[1:3] == (h, w):
            hint = " The stride was ignored: input pixel (i, j) starts its copy of the kernel at (i * sh, j * sw)."
        elif got.shape[1:3] == (h + (kh - 1) * sh, w + (kw - 1) * sw):
            hint = (" That is the shape of the kernel entries spaced by the stride (i + a * s: a dilated kernel). The "
                    "stride spaces the COPIES: input i starts its copy at i * s, and entry a lands at i * s + a.")
        elif got.shape[1] < h * sh or got.shape[2] < w * sw:
            hint = (" Your output is too small: the stride of a transposed convolution acts on the INPUT, spacing the "
                    "copies of the kernel s rows apart in the output; it does not skip output rows (that is what a "
                    "strided convolution does).")
        elif padding == "same" and got.shape[1:3] == (h * sh + max(kh - sh, 0), w * sw + max(kw - sw, 0)):
            hint = " That is the 'valid' shape: padding='same' keeps i * s rows and j * s columns."
        raise AssertionError(f"{setting}: Keras outputs the shape {expected.shape}, yours is {got.shape}.{hint}")
    if np.allclose(got, expected, atol=1e-4, rtol=1e-4):
        return
    hints = []
    if np.allclose(got, _keras(x, weights[::-1, ::-1], bias, stride, padding), atol=1e-4, rtol=1e-4):
        hints.append("your output is Keras's with the kernel FLIPPED (a true convolution). Conv2DTranspose "
                     "scatters x[i] * W[a] to output position i * s + a: entry a lands at offset a, no flip.")
    if cin == cout and np.allclose(got, _keras(x, weights.transpose(0, 1, 3, 2), bias, stride, padding),
                                   atol=1e-4, rtol=1e-4):
        hints.append("your output is what Keras gives with the kernel read as (kh, kw, Cin, Cout). Keras stores a "
                     "Conv2DTranspose kernel as (kh, kw, Cout, Cin): output channel o gets "
                     "sum over c of x[..., c] * W[a, b, o, c].")
    if padding == "same" and np.allclose(got, _scatter(x, weights, bias, stride, padding, crop_top_first=True),
                                         atol=1e-4, rtol=1e-4):
        hints.append(f"'same' is cropped on the wrong side. The full scatter has max(k - s, 0) extra rows "
                     f"({max(kh - sh, 0)}) and columns ({max(kw - sw, 0)}); Keras crops floor(extra / 2) at the "
                     "top / left and the rest at the bottom / right, so an odd extra row goes at the BOTTOM.")
    dilated = _scatter(x, weights, bias, stride, "valid", tap_step=True)
    if (sh, sw) != (1, 1) and dilated.shape == got.shape and np.allclose(got, dilated, atol=1e-4, rtol=1e-4):
        hints.append("you spaced the kernel entries by the stride (output i + a * s: a dilated kernel). The stride "
                     "spaces the COPIES: input i starts its copy at i * s, and entry a lands at i * s + a.")
    if np.allclose(got + bias, expected, atol=1e-4, rtol=1e-4):
        hints.append("the bias is missing: add bias[o] to every pixel of output channel o.")
    elif np.allclose(got - bias, expected, atol=1e-4, rtol=1e-4):
        hints.append("the bias is added twice.")
    if not hints:
        wrong = ~np.isclose(got, expected, atol=1e-4, rtol=1e-4)
        hints.append(f"{wrong.sum()} of {wrong.size} values differ from keras.layers.Conv2DTranspose holding the same "
                     f"weights (largest difference {np.abs(got - expected).max():.3g}); the first differs at "
                     f"(n, row, column, channel) = {tuple(int(v) for v in np.argwhere(wrong)[0])}.")
    raise AssertionError(f"{setting}: " + " ".join(hints))


@test_case(points=1, hidden=False)
def test_one_channel_stride_one(conv2d_transpose_layer):
    import numpy as np

    assert callable(conv2d_transpose_layer), "conv2d_transpose_layer is not defined: run the cell that defines it"
    x = np.array([[1.0, 2.0, -1.0, 0.5], [0.0, 3.0, 1.0, -2.0], [2.0, -1.0, 0.5, 1.0]]).reshape(1, 3, 4, 1)
    weights = np.array([[1.0, 2.0, 0.0], [-1.0, 3.0, 5.0]]).reshape(2, 3, 1, 1)   # no symmetry: a flip shows
    _run(conv2d_transpose_layer, x, weights, np.array([0.5]), 1, "valid")


@test_case(points=1, hidden=False)
def test_channels_and_stride_two(conv2d_transpose_layer):
    import numpy as np

    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 3, 4, 2))
    _run(conv2d_transpose_layer, x, rng.normal(size=(3, 3, 3, 2)), rng.normal(size=3), 2, "valid")   # Cin 2, Cout 3
    _run(conv2d_transpose_layer, x, rng.normal(size=(2, 3, 2, 2)), rng.normal(size=2), (2, 1), "valid")  # Cin = Cout


@test_case(points=1, hidden=False)
def test_same_padding(conv2d_transpose_layer):
    import numpy as np

    rng = np.random.default_rng(5)
    # extra rows max(3 - 2, 0) = 1 and columns max(4 - 1, 0) = 3: both odd, the crop side shows
    _run(conv2d_transpose_layer, rng.normal(size=(1, 4, 3, 2)), rng.normal(size=(3, 4, 2, 2)), rng.normal(size=2),
         (2, 1), "same")
    # the course's generator layer: 3x3, stride 2, on 5x5 maps
    _run(conv2d_transpose_layer, rng.normal(size=(1, 5, 5, 4)), rng.normal(size=(3, 3, 1, 4)), rng.normal(size=1),
         2, "same")
    # kernel 5, stride 2 (3 extra rows), and a stride larger than the kernel (nothing to crop)
    _run(conv2d_transpose_layer, rng.normal(size=(1, 3, 3, 1)), rng.normal(size=(5, 1, 2, 1)), rng.normal(size=2),
         (2, 3), "same")


@test_case(points=1, hidden=False)
def test_stride_larger_than_kernel(conv2d_transpose_layer):
    import numpy as np

    rng = np.random.default_rng(6)
    x = rng.normal(size=(1, 4, 3, 2))
    weights, bias = rng.normal(size=(2, 1, 3, 2)), rng.normal(size=3)
    _run(conv2d_transpose_layer, x, weights, bias, (3, 2), "valid")
    as_int = np.asarray(conv2d_transpose_layer(x, weights, bias, stride=2, padding="valid"), dtype=float)
    as_pair = np.asarray(conv2d_transpose_layer(x, weights, bias, stride=(2, 2), padding="valid"), dtype=float)
    assert as_int.shape == as_pair.shape and np.allclose(as_int, as_pair), (
        "stride=2 and stride=(2, 2) must give the same output: an int stride applies to both axes")
