from otter.test_files import test_case
import numpy as np

OK_FORMAT = False

name = "convolve1d"
points = 2

X = np.array([1.0, 2.0, 0.0, -1.0, 3.0, 0.5, 2.0])
F_ODD = np.array([1.0, 0.0, -2.0])     # asymmetric: forgetting the flip changes the result
F_EVEN = np.array([1.0, 10.0])


def _compare(out, expected, what):
    assert isinstance(out, np.ndarray), f"{what}: convolve1d must return a NumPy array, got {type(out).__name__}"
    assert out.shape == expected.shape, (
        f"{what}: expected an output of shape {expected.shape}, got {out.shape}. "
        "Output lengths: 'valid' n - m + 1, 'same' n, 'full' n + m - 1."
    )
    assert np.allclose(out, expected), f"{what}: expected {np.round(expected, 4)}, got {np.round(out, 4)}"


@test_case(points=0.5, hidden=False)
def test_valid_flips_filter(convolve1d):
    assert callable(convolve1d), "convolve1d is not defined: run the cell that defines it"
    out = convolve1d(X, F_ODD, "valid")
    not_flipped = np.correlate(X, F_ODD, "valid")
    if np.shape(out) == not_flipped.shape and np.allclose(out, not_flipped):
        raise AssertionError(
            "In mode 'valid', you did not flip the filter. A convolution reverses f before sliding it: "
            "convolve1d(x, f, mode) == correlate1d(x, f[::-1], mode) == np.convolve(x, f, mode)."
        )
    _compare(out, np.convolve(X, F_ODD, "valid"), f"convolve1d(x, f={F_ODD.tolist()}, mode='valid')")


@test_case(points=0.5, hidden=False)
def test_all_modes_odd_and_even(convolve1d):
    for f in (F_ODD, F_EVEN):
        for mode in ("valid", "same", "full"):
            _compare(convolve1d(X, f, mode), np.convolve(X, f, mode),
                     f"convolve1d(x, f={f.tolist()}, mode={mode!r})")


@test_case(points=0.25, hidden=False)
def test_small_example(convolve1d):
    _compare(convolve1d(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0]), "valid"), np.array([4.0, 7.0]),
             "convolve1d([1, 2, 3], [1, 2], mode='valid')")


@test_case(points=0.5, hidden=False)
def test_integers_and_inputs_unchanged(convolve1d):
    x = np.array([3, -1, 4, 1, -5, 9], dtype=int)
    f = np.array([2, 7, -1, 1], dtype=int)
    x_before, f_before = x.copy(), f.copy()
    out = np.asarray(convolve1d(x, f, "same"))
    assert np.array_equal(x, x_before) and np.array_equal(f, f_before), \
        "convolve1d modified its input arrays: work on copies instead"
    _compare(out, np.convolve(x, f, "same").astype(float), "integer inputs, mode='same'")
    assert out.dtype.kind == "f", f"convolve1d must return floats, got dtype {out.dtype}"


@test_case(points=0.25, hidden=False)
def test_filter_longer_than_series_raises(convolve1d):
    for mode in ("valid", "same", "full"):
        try:
            convolve1d(np.ones(2), np.ones(5), mode)
        except ValueError:
            continue
        raise AssertionError(
            f"convolve1d(x, f, mode={mode!r}) must raise ValueError when the filter is longer than the series "
            "(np.convolve silently swaps the two arrays; your function must not)."
        )
