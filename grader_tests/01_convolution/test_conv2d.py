"""Hidden checks of conv2d(image, kernel, stride=1, padding="valid").

image (H, W, C), kernel (kh, kw, C): cross-correlation summed over channels,
returning (H', W'). Padding "valid", "same" (TensorFlow's rule), "full", an int
or a pair (ph, pw); stride an int or a pair (sh, sw). The oracle is the numpy
Conv2D of layer_oracle.py with one filter and explicit paddings, which also
computes the known wrong variants the diagnoses name.
"""

import numpy as np
import pytest

from convlab.diagnose import expect_array, expect_inputs_left_alone, expect_unmodified
from layer_oracle import conv_layer, same_pads

pytestmark = pytest.mark.grade_id("conv2d")

FLIPPED = (
    "it equals the true convolution (kernel flipped in both directions); conv2d, like a "
    "convolution layer, computes a cross-correlation: do not flip the kernel"
)
NO_CHANNEL_SUM = "it keeps one output per channel; sum the products over the channels too"
FIRST_CHANNEL = "it only uses the first channel; sum the products over all channels"
SAME_SIDE = (
    "when the total 'same' padding is odd (an even kernel, or a stride), it cannot be split "
    "evenly: like TensorFlow, put the smaller half before (top/left) and the extra row/column "
    "after (bottom/right); you put it before"
)
ONE_SIDE = "it pads on one side only; the padding goes on both sides (top and bottom, left and right)"
ALL_ON_ONE_SIDE = (
    "it puts all the padding before the image (top/left); the padding is shared between "
    "both sides (top and bottom, left and right)"
)
STRIDE_IGNORED = "it ignores the stride (this is the stride-1 output)"
SAME_FLOOR = ("with a stride, 'same' gives ceil(H / s) rows and ceil(W / s) columns (a last, partial "
              "window is kept, reaching into the padding); you computed floor(H / s) and floor(W / s)")


def _xcorr(image, kernel, stride=(1, 1), pads=((0, 0), (0, 0))):
    """Cross-correlation of (H, W, C) with (kh, kw, C) after explicit zero padding: a Conv2D
    layer with one filter and no bias, on a batch of one image."""
    return conv_layer(np.asarray(image)[None], np.asarray(kernel)[..., None], 0.0, stride, pads)[0, :, :, 0]


def _image(rng, h=(6, 10), w=(6, 10), c=(2, 4)):
    H = int(rng.integers(h[0], h[1] + 1))
    W = int(rng.integers(w[0], w[1] + 1))
    while W == H:  # distinct sizes make transposes visible
        W = int(rng.integers(w[0], w[1] + 1))
    return rng.normal(size=(H, W, int(rng.integers(c[0], c[1] + 1))))


def _kernel(rng, image, kh_choices, kw_choices):
    return rng.normal(size=(int(rng.choice(kh_choices)), int(rng.choice(kw_choices)), image.shape[2]))


def _what(image, kernel, **kw):
    extra = "".join(f", {k}={v!r}" for k, v in kw.items())
    return (f"conv2d(image {'x'.join(map(str, image.shape))}, "
            f"kernel {'x'.join(map(str, kernel.shape))}{extra})")


def _flip(kernel):
    return kernel[::-1, ::-1]


def _one_sided(image, kernel, pads, stride=(1, 1)):
    """Wrong variants that pad only the top/left: with the before-part, or with everything."""
    (t, b), (l, r) = pads
    return {ONE_SIDE: _xcorr(image, kernel, stride, ((t, 0), (l, 0))),
            ALL_ON_ONE_SIDE: _xcorr(image, kernel, stride, ((t + b, 0), (l + r, 0)))}


def test_valid_multichannel(student, rng):
    image = _image(rng)
    kernel = _kernel(rng, image, [2, 3], [3, 4])
    got = student.call("conv2d", image, kernel)
    per_channel = np.stack([_xcorr(image[..., c:c + 1], kernel[..., c:c + 1])
                            for c in range(image.shape[2])], axis=-1)
    expect_array(got, _xcorr(image, kernel), what=_what(image, kernel),
                 variants={FLIPPED: _xcorr(image, _flip(kernel)), NO_CHANNEL_SUM: per_channel,
                           FIRST_CHANNEL: _xcorr(image[..., :1], kernel[..., :1])})


def test_same_odd_kernel(student, rng):
    image = _image(rng)
    kernel = _kernel(rng, image, [3, 5], [3, 5])
    pads = ((kernel.shape[0] // 2,) * 2, (kernel.shape[1] // 2,) * 2)
    got = student.call("conv2d", image, kernel, padding="same")
    expect_array(got, _xcorr(image, kernel, pads=pads), what=_what(image, kernel, padding="same"),
                 variants={FLIPPED: _xcorr(image, _flip(kernel), pads=pads),
                           **_one_sided(image, kernel, pads)})


def test_same_even_kernel(student, rng):
    image = _image(rng)
    kernel = _kernel(rng, image, [2, 4], [2, 4])
    kh, kw = kernel.shape[:2]
    pads = (same_pads(image.shape[0], kh, 1), same_pads(image.shape[1], kw, 1))
    wrong_side = (pads[0][::-1], pads[1][::-1])
    got = student.call("conv2d", image, kernel, padding="same")
    expect_array(got, _xcorr(image, kernel, pads=pads), what=_what(image, kernel, padding="same"),
                 variants={SAME_SIDE: _xcorr(image, kernel, pads=wrong_side),
                           FLIPPED: _xcorr(image, _flip(kernel), pads=pads),
                           **_one_sided(image, kernel, pads)})


def test_full(student, rng):
    image = _image(rng)
    kernel = _kernel(rng, image, [2, 3], [3, 4])
    kh, kw = kernel.shape[:2]
    full = ((kh - 1, kh - 1), (kw - 1, kw - 1))
    got = student.call("conv2d", image, kernel, padding="full")
    expect_array(got, _xcorr(image, kernel, pads=full), what=_what(image, kernel, padding="full"),
                 variants={FLIPPED: _xcorr(image, _flip(kernel), pads=full),
                           **_one_sided(image, kernel, full),
                           "'full' pads kh - 1 rows and kw - 1 columns on each side; you padded "
                           "kh // 2 and kw // 2 ('same')":
                           _xcorr(image, kernel, pads=((kh // 2,) * 2, (kw // 2,) * 2))})


def test_integer_padding(student, rng):
    image = _image(rng)
    kernel = _kernel(rng, image, [2, 3], [2, 3])
    p = int(rng.integers(1, 3))
    got = student.call("conv2d", image, kernel, padding=p)
    expect_array(got, _xcorr(image, kernel, pads=((p, p), (p, p))), what=_what(image, kernel, padding=p),
                 variants={**_one_sided(image, kernel, ((p, p), (p, p))),
                           f"padding={p} adds {p} zero rows/columns on each side; you added "
                           f"{p} in total": _xcorr(image, kernel, pads=((p // 2, p - p // 2),) * 2)})


def test_pair_padding(student, rng):
    image = _image(rng)
    kernel = _kernel(rng, image, [2, 3], [2, 3])
    ph, pw = (1, 2) if rng.random() < 0.5 else (2, 1)
    got = student.call("conv2d", image, kernel, padding=(ph, pw))
    expect_array(got, _xcorr(image, kernel, pads=((ph, ph), (pw, pw))),
                 what=_what(image, kernel, padding=(ph, pw)),
                 variants={"padding=(ph, pw) pads ph rows at the top and bottom and pw columns at "
                           "the left and right; you swapped them":
                           _xcorr(image, kernel, pads=((pw, pw), (ph, ph))),
                           **_one_sided(image, kernel, ((ph, ph), (pw, pw)))})


def test_stride(student, rng):
    s = int(rng.integers(2, 4))
    image = _image(rng, h=(7, 11), w=(7, 11))
    kernel = _kernel(rng, image, [2, 3], [2, 3])
    got = student.call("conv2d", image, kernel, stride=s)
    expect_array(got, _xcorr(image, kernel, (s, s)), what=_what(image, kernel, stride=s),
                 variants={STRIDE_IGNORED: _xcorr(image, kernel),
                           "it applies the stride to the rows only": _xcorr(image, kernel, (s, 1)),
                           "it applies the stride to the columns only": _xcorr(image, kernel, (1, s))})


def _floor_same(image, kernel, stride):
    """'same' computed for floor(n / s) outputs per axis instead of ceil(n / s)."""
    (H, W, _), (kh, kw) = image.shape, kernel.shape[:2]
    pads = [(t // 2, t - t // 2) for t in (max((n // s - 1) * s + k - n, 0)
                                           for n, k, s in ((H, kh, stride[0]), (W, kw, stride[1])))]
    return _xcorr(image, kernel, stride, pads)[:H // stride[0], :W // stride[1]]


def test_same_padding_with_stride_pair(student, rng):
    # (sh, sw) = (2, 3) with kernel (3, 5), and sizes that separate every known mistake on every
    # draw: H odd and W = 2 modulo 3 are not multiples of their strides (ceil(n / s) outputs, not
    # floor), and W is not 1 modulo 3, so TensorFlow's 'same' padding of the columns differs from
    # the stride-1 padding kw - 1.
    sh, sw = 2, 3
    H, W = 2 * int(rng.integers(3, 6)) + 1, 3 * int(rng.integers(2, 4)) + 2
    image = rng.normal(size=(H, W, int(rng.integers(2, 4))))
    kernel = rng.normal(size=(3, 5, image.shape[2]))
    pads = (same_pads(H, 3, sh), same_pads(W, 5, sw))
    naive = ((1, 1), (2, 2))
    got = student.call("conv2d", image, kernel, stride=(sh, sw), padding="same")
    expect_array(got, _xcorr(image, kernel, (sh, sw), pads),
                 what=_what(image, kernel, stride=(sh, sw), padding="same"),
                 variants={STRIDE_IGNORED: _xcorr(image, kernel, pads=naive),
                           "with a stride, 'same' padding follows TensorFlow: total padding "
                           "max((ceil(H / s) - 1) * s + kh - H, 0), half of it (rounded down) before; "
                           "you used the stride-1 padding kh - 1": _xcorr(image, kernel, (sh, sw), naive),
                           "it swaps the two strides (stride=(sh, sw): sh for rows, sw for columns)":
                           _xcorr(image, kernel, (sw, sh), (same_pads(H, 3, sw), same_pads(W, 5, sh))),
                           SAME_SIDE: _xcorr(image, kernel, (sh, sw), (pads[0][::-1], pads[1][::-1])),
                           SAME_FLOOR: _floor_same(image, kernel, (sh, sw)),
                           **_one_sided(image, kernel, pads, (sh, sw))})


def test_uint8_image(student, rng):
    H, W = (int(v) for v in rng.integers(6, 10, size=2))
    image = rng.integers(0, 256, size=(H, W, 3)).astype(np.uint8)
    kernel = rng.normal(size=(3, 3, 3))
    got = student.call("conv2d", image, kernel)
    expect_array(got, _xcorr(image, kernel), what=_what(image, kernel) + " with a uint8 image",
                 variants={FLIPPED: _xcorr(image, _flip(kernel))})


def test_inputs_unmodified(student, rng):
    """The image and the kernel are left alone, whatever the padding and the stride. This counts
    only from a conv2d whose 'same' output is right, on an odd kernel and stride 1 (a padding with
    no side to get wrong): a function that does nothing must not earn it, and the mistakes of
    other paddings and strides are their checks'."""
    image = _image(rng)
    kernel = _kernel(rng, image, [3], [3, 5])
    got = student.call("conv2d", image, kernel, padding="same")
    expect_unmodified(student.mutated, {0: "image", 1: "kernel"}, what="conv2d")
    pads = (same_pads(image.shape[0], kernel.shape[0], 1), same_pads(image.shape[1], kernel.shape[1], 1))
    expect_array(got, _xcorr(image, kernel, pads=pads), what=_what(image, kernel, padding="same"))
    expect_inputs_left_alone(student, "conv2d", (image, kernel), {0: "image", 1: "kernel"},
                             [{}, {"padding": "full"}, {"padding": 1}, {"padding": (1, 2)}, {"stride": 2},
                              {"stride": (2, 3), "padding": "same"}])
