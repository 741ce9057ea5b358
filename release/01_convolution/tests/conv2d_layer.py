from otter.test_files import test_case
import numpy as np

OK_FORMAT = False

name = "conv2d_layer"
points = 3

_rng = np.random.default_rng(7)
X = np.round(_rng.normal(size=(2, 5, 6, 3)), 2)      # N=2, H=5, W=6, Cin=3
WEIGHTS = np.round(_rng.normal(size=(3, 2, 3, 4)), 2) # kh=3, kw=2, Cin=3, Cout=4 (Keras layout)
BIAS = np.array([0.5, -1.0, 0.0, 2.0])


def _reference(x, weights, bias, stride, pads):
    """Slow, obvious loop: pads = ((top, bottom), (left, right)); no activation."""
    sh, sw = stride
    padded = np.pad(x.astype(float), [(0, 0)] + list(pads) + [(0, 0)])
    kh, kw, _, cout = weights.shape
    out_h = (padded.shape[1] - kh) // sh + 1
    out_w = (padded.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], out_h, out_w, cout))
    for n in range(x.shape[0]):
        for i in range(out_h):
            for j in range(out_w):
                patch = padded[n, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
                for o in range(cout):
                    out[n, i, j, o] = np.sum(patch * weights[:, :, :, o]) + bias[o]
    return out


def _compare(out, expected, what):
    assert isinstance(out, np.ndarray), f"{what}: conv2d_layer must return a NumPy array, got {type(out).__name__}"
    assert out.shape == expected.shape, (
        f"{what}: expected an output of shape (N, H', W', Cout) = {expected.shape}, got {out.shape}"
    )
    assert np.allclose(out, expected, atol=1e-5), (  # float32 results are right to about 1e-6
        f"{what}: wrong values (max error {np.max(np.abs(out - expected)):.3g}). Output channel o uses the filter "
        "weights[:, :, :, o] (no flip), summed over the input channels, plus bias[o]; with 'same', the extra "
        "zero goes at the bottom/right."
    )


@test_case(points=None, hidden=False)
def test_valid_with_bias(conv2d_layer):
    assert callable(conv2d_layer), "conv2d_layer is not defined: run the cell that defines it"
    out = conv2d_layer(X, WEIGHTS, BIAS)
    _compare(out, _reference(X, WEIGHTS, BIAS, (1, 1), ((0, 0), (0, 0))),
             "batch (2, 5, 6, 3), weights (3, 2, 3, 4), padding='valid', no activation")


@test_case(points=None, hidden=False)
def test_activations(conv2d_layer):
    z = _reference(X, WEIGHTS, BIAS, (1, 1), ((0, 0), (0, 0)))
    _compare(conv2d_layer(X, WEIGHTS, BIAS, activation="relu"), np.maximum(z, 0),
             "activation='relu' (max(z, 0) applied after adding the bias)")
    _compare(conv2d_layer(X, WEIGHTS, BIAS, activation=np.tanh), np.tanh(z),
             "activation=np.tanh (a callable applied element by element after adding the bias)")


@test_case(points=None, hidden=False)
def test_same_and_stride(conv2d_layer):
    # 'same', stride 1, kernel (3, 2): rows P = 2 -> (1, 1); cols P = 1 -> (0, 1), the extra zero on the right
    _compare(conv2d_layer(X, WEIGHTS, BIAS, padding="same"),
             _reference(X, WEIGHTS, BIAS, (1, 1), ((1, 1), (0, 1))),
             "padding='same', stride 1 (TensorFlow's convention: the extra zero column goes on the right)")
    # 'same', stride 2: out (3, 3); rows P = 2*2 + 3 - 5 = 2 -> (1, 1); cols P = 2*2 + 2 - 6 = 0
    _compare(conv2d_layer(X, WEIGHTS, BIAS, stride=2, padding="same"),
             _reference(X, WEIGHTS, BIAS, (2, 2), ((1, 1), (0, 0))),
             "padding='same', stride=2 (expected shape (2, 3, 3, 4))")
    _compare(conv2d_layer(X, WEIGHTS, BIAS, stride=(1, 3)),
             _reference(X, WEIGHTS, BIAS, (1, 3), ((0, 0), (0, 0))),
             "padding='valid', stride=(1, 3)")


@test_case(points=None, hidden=False)
def test_inputs_unchanged_and_bad_padding(conv2d_layer):
    x, w, b = X.copy(), WEIGHTS.copy(), BIAS.copy()
    conv2d_layer(x, w, b, padding="same", activation="relu")
    assert np.array_equal(x, X) and np.array_equal(w, WEIGHTS) and np.array_equal(b, BIAS), \
        "conv2d_layer modified its input arrays: work on copies instead"
    try:
        conv2d_layer(X, WEIGHTS, BIAS, padding="full")
    except ValueError:
        return
    raise AssertionError("conv2d_layer must raise ValueError for a padding other than 'valid' or 'same' (here 'full').")
