from otter.test_files import test_case
import numpy as np

OK_FORMAT = False

name = "correlate1d"
points = 2

# A short series and asymmetric filters: flipping the filter changes the result.
X = np.array([1.0, 2.0, 0.0, -1.0, 3.0, 0.5, 2.0])
F_ODD = np.array([1.0, 0.0, -2.0])
F_EVEN = np.array([1.0, 10.0])


def _compare(out, expected, what):
    assert isinstance(out, np.ndarray), f"{what}: correlate1d must return a NumPy array, got {type(out).__name__}"
    assert out.shape == expected.shape, (
        f"{what}: expected an output of shape {expected.shape}, got {out.shape}. "
        "Output lengths: 'valid' n - m + 1, 'same' n, 'full' n + m - 1."
    )
    if not np.allclose(out, expected):
        hint = ""
        if out.shape == expected.shape and np.allclose(out, expected[::-1]):
            hint = " Your output is reversed."
        raise AssertionError(f"{what}: expected {np.round(expected, 4)}, got {np.round(out, 4)}.{hint}")


@test_case(points=0.5, hidden=False)
def test_valid_no_flip(correlate1d):
    assert callable(correlate1d), "correlate1d is not defined: run the cell that defines it"
    out = correlate1d(X, F_ODD, "valid")
    expected = np.correlate(X, F_ODD, "valid")
    flipped = np.correlate(X, F_ODD[::-1], "valid")
    if np.shape(out) == flipped.shape and np.allclose(out, flipped):
        raise AssertionError(
            "In mode 'valid', you flipped the filter. correlate1d computes a cross-correlation, "
            "out[i] = sum_j f[j] * x[i + j], without reversing f (that is convolve1d's job)."
        )
    _compare(out, expected, f"correlate1d(x, f={F_ODD.tolist()}, mode='valid')")


@test_case(points=0.5, hidden=False)
def test_full_and_same_odd_filter(correlate1d):
    for mode in ("full", "same"):
        _compare(correlate1d(X, F_ODD, mode), np.correlate(X, F_ODD, mode),
                 f"correlate1d(x, f={F_ODD.tolist()}, mode={mode!r})")


@test_case(points=0.5, hidden=False)
def test_same_even_filter(correlate1d):
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    out = correlate1d(x, F_EVEN, "same")
    if np.shape(out) == (5,) and np.allclose(out, [21.0, 32.0, 43.0, 54.0, 5.0]):
        raise AssertionError(
            "In mode 'same' with an even filter, you put the extra zero after the series (TensorFlow's "
            "convention). correlate1d follows np.correlate, which puts it before: m // 2 zeros before, "
            "m - 1 - m // 2 after."
        )
    _compare(out, np.array([10.0, 21.0, 32.0, 43.0, 54.0]), "correlate1d([1, 2, 3, 4, 5], [1, 10], mode='same')")


@test_case(points=0.25, hidden=False)
def test_integers_floats_and_inputs_unchanged(correlate1d):
    x = np.array([3, -1, 4, 1, -5, 9], dtype=int)
    f = np.array([2, 7, -1], dtype=int)
    x_before, f_before = x.copy(), f.copy()
    out = correlate1d(x, f, "full")
    assert np.array_equal(x, x_before) and np.array_equal(f, f_before), \
        "correlate1d modified its input arrays: work on copies instead"
    _compare(np.asarray(out), np.correlate(x, f, "full").astype(float), "integer inputs, mode='full'")
    assert np.asarray(out).dtype.kind == "f", f"correlate1d must return floats, got dtype {np.asarray(out).dtype}"


@test_case(points=0.25, hidden=False)
def test_filter_longer_than_series_raises(correlate1d):
    for mode in ("valid", "same", "full"):
        try:
            correlate1d(np.ones(3), np.ones(4), mode)
        except ValueError:
            continue
        raise AssertionError(
            f"correlate1d(x, f, mode={mode!r}) must raise ValueError when the filter is longer than the series "
            "(len(f) > len(x))."
        )
