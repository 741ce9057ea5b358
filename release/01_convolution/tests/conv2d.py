from otter.test_files import test_case
import numpy as np

OK_FORMAT = False

name = "conv2d"
points = 4

_rng = np.random.default_rng(2024)
IMAGE = np.round(_rng.normal(size=(5, 7, 2)), 2)        # H=5, W=7, C=2 (not square)
KERNEL = np.round(_rng.normal(size=(2, 3, 2)), 2)       # even height, odd width, asymmetric


def _reference(image, kernel, stride, pads):
    """Slow, obvious loop: pads = ((top, bottom), (left, right))."""
    sh, sw = stride
    padded = np.pad(image.astype(float), list(pads) + [(0, 0)])
    kh, kw, _ = kernel.shape
    out_h = (padded.shape[0] - kh) // sh + 1
    out_w = (padded.shape[1] - kw) // sw + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = np.sum(padded[i * sh:i * sh + kh, j * sw:j * sw + kw, :] * kernel)
    return out


def _compare(out, expected, what):
    assert isinstance(out, np.ndarray), f"{what}: conv2d must return a NumPy array, got {type(out).__name__}"
    assert out.shape == expected.shape, (
        f"{what}: expected an output of shape {expected.shape}, got {out.shape}. "
        "H' = (H + pad_top + pad_bottom - kh) // sh + 1, and the same rule for W'."
    )
    assert np.allclose(out, expected, atol=1e-5), (  # float32 results are right to about 1e-6
        f"{what}: wrong values (max error {np.max(np.abs(out - expected)):.3g}). "
        "Expected out[i, j] = sum over u, v, c of kernel[u, v, c] * padded[i*sh + u, j*sw + v, c]: "
        "check the zeros on each side, the stride, and that the kernel is not flipped."
    )


@test_case(points=1, hidden=False)
def test_valid_multichannel(conv2d):
    assert callable(conv2d), "conv2d is not defined: run the cell that defines it"
    out = conv2d(IMAGE, KERNEL)
    flipped = _reference(IMAGE, KERNEL[::-1, ::-1], (1, 1), ((0, 0), (0, 0)))
    if np.shape(out) == flipped.shape and np.allclose(out, flipped):
        raise AssertionError("conv2d flipped the kernel: like a Keras convolution layer, it must compute a "
                             "cross-correlation (no flip).")
    one_channel = _reference(IMAGE[:, :, :1], KERNEL[:, :, :1], (1, 1), ((0, 0), (0, 0)))
    if np.shape(out) == one_channel.shape and np.allclose(out, one_channel):
        raise AssertionError("conv2d used only the first channel: the output sums over all C channels.")
    _compare(out, _reference(IMAGE, KERNEL, (1, 1), ((0, 0), (0, 0))), "image (5, 7, 2), kernel (2, 3, 2), 'valid'")


@test_case(points=0.5, hidden=False)
def test_explicit_padding(conv2d):
    _compare(conv2d(IMAGE, KERNEL, padding="full"), _reference(IMAGE, KERNEL, (1, 1), ((1, 1), (2, 2))),
             "padding='full' (kh - 1 = 1 row above and below, kw - 1 = 2 columns left and right)")
    _compare(conv2d(IMAGE, KERNEL, padding=1), _reference(IMAGE, KERNEL, (1, 1), ((1, 1), (1, 1))),
             "padding=1 (one row/column of zeros on each side)")
    _compare(conv2d(IMAGE, KERNEL, padding=(2, 0)), _reference(IMAGE, KERNEL, (1, 1), ((2, 2), (0, 0))),
             "padding=(2, 0) (2 rows above and below, no columns)")


@test_case(points=0.5, hidden=False)
def test_same_odd_kernel(conv2d):
    kernel = np.round(_rng.normal(size=(3, 3, 2)), 2)
    out = conv2d(IMAGE, kernel, padding="same")
    _compare(out, _reference(IMAGE, kernel, (1, 1), ((1, 1), (1, 1))),
             "padding='same' with a 3x3 kernel and stride 1 (one zero on each side, output shape (H, W))")


@test_case(points=1, hidden=False)
def test_same_even_kernel_tensorflow_convention(conv2d):
    image = np.arange(1.0, 10.0).reshape(3, 3, 1)
    kernel = np.ones((2, 2, 1))
    out = conv2d(image, kernel, padding="same")
    numpy_side = np.array([[1.0, 3.0, 5.0], [5.0, 12.0, 16.0], [11.0, 24.0, 28.0]])
    if np.shape(out) == (3, 3) and np.allclose(out, numpy_side):
        raise AssertionError(
            "padding='same' with a 2x2 kernel: you put the extra zero row/column above and on the left. "
            "conv2d follows TensorFlow: the smaller half of the padding goes top/left, the extra zero "
            "goes at the bottom/right."
        )
    _compare(out, np.array([[12.0, 16.0, 9.0], [24.0, 28.0, 15.0], [15.0, 17.0, 9.0]]),
             "3x3 image 1..9, 2x2 kernel of ones, padding='same'")


@test_case(points=0.5, hidden=False)
def test_strides(conv2d):
    kernel = np.round(_rng.normal(size=(3, 3, 2)), 2)
    _compare(conv2d(IMAGE, kernel, stride=2), _reference(IMAGE, kernel, (2, 2), ((0, 0), (0, 0))),
             "stride=2, 'valid' (expected shape (2, 3))")
    # 'same' with stride 2: out (3, 4); rows: P = (3-1)*2 + 3 - 5 = 2 -> (1, 1); cols: P = (4-1)*2 + 3 - 7 = 2 -> (1, 1)
    _compare(conv2d(IMAGE, kernel, stride=2, padding="same"), _reference(IMAGE, kernel, (2, 2), ((1, 1), (1, 1))),
             "stride=2, 'same' (expected shape (ceil(5/2), ceil(7/2)) = (3, 4))")
    # 'same' with stride (2, 3) and a (2, 3) kernel: rows P = 2*2 + 2 - 5 = 1 -> (0, 1); cols P = 2*3 + 3 - 7 = 2 -> (1, 1)
    _compare(conv2d(IMAGE, KERNEL, stride=(2, 3), padding="same"),
             _reference(IMAGE, KERNEL, (2, 3), ((0, 1), (1, 1))),
             "stride=(2, 3), 'same' with a (2, 3) kernel (1 zero row at the bottom only, 1 zero column on each side)")


@test_case(points=0.5, hidden=False)
def test_integers_and_inputs_unchanged(conv2d):
    image = np.arange(30, dtype=np.uint8).reshape(3, 5, 2) * 8
    kernel = np.array([[[1, -1], [2, 0]], [[0, 1], [-1, 3]]], dtype=int)
    image_before, kernel_before = image.copy(), kernel.copy()
    out = conv2d(image, kernel)
    assert np.array_equal(image, image_before) and np.array_equal(kernel, kernel_before), \
        "conv2d modified its input arrays: work on copies instead"
    _compare(np.asarray(out), _reference(image.astype(float), kernel.astype(float), (1, 1), ((0, 0), (0, 0))),
             "uint8 image and int kernel (convert the inputs to floats: uint8 arithmetic wraps around above 255)")
    assert np.asarray(out).dtype.kind == "f", f"conv2d must return floats, got dtype {np.asarray(out).dtype}"
    try:
        conv2d(IMAGE, np.ones((2, 2, 3)))
    except ValueError:
        return
    raise AssertionError("conv2d must raise ValueError when the image and the kernel have different numbers of channels.")
