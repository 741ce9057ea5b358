from otter.test_files import test_case
import numpy as np

OK_FORMAT = False

name = "pool2d"
points = 3

# One 4x4 map, one channel (the course's 2x2 max pooling picture has the same layout).
MAP = np.array([[2, 4, 3, 1],
                [5, 6, 8, 0],
                [1, 9, 2, 7],
                [3, 0, 4, 4]], dtype=float).reshape(1, 4, 4, 1)


def _reference(x, pool, stride, reduce):
    ph, pw = pool
    sh, sw = stride
    n, h, w, c = x.shape
    out_h, out_w = (h - ph) // sh + 1, (w - pw) // sw + 1
    out = np.zeros((n, out_h, out_w, c))
    for i in range(out_h):
        for j in range(out_w):
            out[:, i, j, :] = reduce(x[:, i * sh:i * sh + ph, j * sw:j * sw + pw, :], axis=(1, 2))
    return out


def _compare(out, expected, what):
    assert isinstance(out, np.ndarray), f"{what}: pool2d must return a NumPy array, got {type(out).__name__}"
    assert out.shape == expected.shape, (
        f"{what}: expected an output of shape {expected.shape}, got {out.shape}. "
        "Windows that do not fit are dropped: H' = (H - ph) // sh + 1."
    )
    assert np.allclose(out, expected, atol=1e-5), (  # float32 results are right to about 1e-6
        f"{what}: expected {np.round(expected[0, :, :, 0], 3).tolist()} (image 0, channel 0), "
        f"got {np.round(np.asarray(out, dtype=float)[0, :, :, 0], 3).tolist()}"
    )


@test_case(points=None, hidden=False)
def test_max_and_avg_2x2(pool2d):
    assert callable(pool2d), "pool2d is not defined: run the cell that defines it"
    _compare(pool2d(MAP), np.array([[6.0, 8.0], [9.0, 7.0]]).reshape(1, 2, 2, 1),
             "2x2 max pooling of a 4x4 map")
    _compare(pool2d(MAP, mode="avg"), np.array([[4.25, 3.0], [3.25, 4.25]]).reshape(1, 2, 2, 1),
             "2x2 average pooling of a 4x4 map")


@test_case(points=None, hidden=False)
def test_batch_channels_and_dropped_border(pool2d):
    x = np.random.default_rng(3).normal(size=(2, 5, 7, 3))   # 5x7 maps: the last row and column are dropped
    x_before = x.copy()
    _compare(pool2d(x), _reference(x, (2, 2), (2, 2), np.max),
             "2x2 max pooling of a batch (2, 5, 7, 3), each channel pooled separately")
    assert np.array_equal(x, x_before), "pool2d modified its input array: work on a copy instead"


@test_case(points=None, hidden=False)
def test_pairs_and_strides(pool2d):
    x = np.random.default_rng(4).normal(size=(1, 6, 7, 2))
    _compare(pool2d(x, pool_size=(2, 3), mode="avg"), _reference(x, (2, 3), (2, 3), np.mean),
             "pool_size=(2, 3), default stride = pool size")
    _compare(pool2d(x, pool_size=3, stride=(1, 2)), _reference(x, (3, 3), (1, 2), np.max),
             "pool_size=3, stride=(1, 2) (overlapping windows)")


@test_case(points=None, hidden=False)
def test_integers_and_bad_mode(pool2d):
    x = np.arange(16).reshape(1, 4, 4, 1)
    out = np.asarray(pool2d(x, mode="avg"))
    _compare(out, np.array([[2.5, 4.5], [10.5, 12.5]]).reshape(1, 2, 2, 1), "average pooling of integers")
    assert out.dtype.kind == "f", f"pool2d must return floats, got dtype {out.dtype}"
    try:
        pool2d(MAP, mode="median")
    except ValueError:
        return
    raise AssertionError("pool2d must raise ValueError for a mode other than 'max' or 'avg' (here 'median').")
