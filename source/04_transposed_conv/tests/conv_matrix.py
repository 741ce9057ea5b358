from otter.test_files import test_case

OK_FORMAT = False

name = "conv_matrix"
points = 2


def _correlate(x, kernel):
    """The valid cross-correlation of x with kernel (1-D or 2-D), no flip."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    x, kernel = np.asarray(x, dtype=float), np.asarray(kernel, dtype=float)
    windows = sliding_window_view(x, kernel.shape)
    axes = tuple(range(x.ndim, 2 * x.ndim))
    return np.tensordot(windows, kernel, axes=(axes, tuple(range(kernel.ndim))))


def _matrix(conv_matrix, input_shape, kernel):
    import numpy as np

    C = conv_matrix(input_shape, kernel)
    assert isinstance(C, np.ndarray), f"conv_matrix must return a NumPy array, got {type(C).__name__}"
    assert C.ndim == 2, f"conv_matrix must return a 2-D matrix, got an array of shape {C.shape}"
    return C


def _shape_hint(C, n_in, n_valid, n_same):
    if C.shape == (n_in, n_in) or C.shape == (n_same, n_in):
        return (f"C has the shape {C.shape}, as for padding='same' (as many outputs as inputs). "
                f"The valid convolution has no zero padding: the kernel fits at fewer positions, so C has "
                f"{n_valid} rows and {n_in} columns.")
    if C.shape == (n_in, n_valid):
        return (f"C has the shape {C.shape}: that is C.T. C maps the {n_in} input values to the {n_valid} outputs, "
                f"so it has one ROW per output: shape ({n_valid}, {n_in}).")
    return f"C must have the shape ({n_valid}, {n_in}) (one row per output, one column per input), got {C.shape}"


@test_case(points=1, hidden=False)
def test_one_dimension(conv_matrix):
    import numpy as np

    assert callable(conv_matrix), "conv_matrix is not defined: run the cell that defines it"
    kernel = np.array([1.0, 2.0, 4.0])
    x = np.array([3.0, -1.0, 2.0, 0.5, 5.0, -2.0, 1.0])
    C = _matrix(conv_matrix, 7, kernel)
    if C.shape != (5, 7):
        raise AssertionError(_shape_hint(C, 7, 5, 7))
    assert np.issubdtype(C.dtype, np.floating), f"C must be a float matrix, got the dtype {C.dtype}"
    expected = np.correlate(x, kernel, "valid")
    got = C @ x
    if not np.allclose(got, expected):
        if np.allclose(got, np.convolve(x, kernel, "valid")):
            raise AssertionError(
                "C @ x is the TRUE convolution of x with the kernel (the kernel flipped): row 0 of C is "
                f"{C[0].tolist()}. A convolution layer computes a cross-correlation: row j holds k_0, k_1, k_2 "
                "in this order at the columns j, j + 1, j + 2.")
        raise AssertionError(
            f"with the kernel (1, 2, 4) on 7 values, row 0 of C is {C[0].tolist()}, expected "
            "[1, 2, 4, 0, 0, 0, 0], and row j is row 0 shifted j columns to the right")
    again = _matrix(conv_matrix, (7,), kernel)
    assert again.shape == (5, 7) and np.allclose(again, C), (
        "conv_matrix((7,), kernel) must give the same matrix as conv_matrix(7, kernel): a 1-D input_shape may be "
        "an int or a 1-tuple")
    integer = _matrix(conv_matrix, 5, np.array([1, 2]))
    assert np.issubdtype(integer.dtype, np.floating), (
        f"with an integer kernel, C has the dtype {integer.dtype}: build it as a float matrix "
        "(np.zeros(..., dtype=float)), so that it can hold any kernel")


@test_case(points=1, hidden=False)
def test_two_dimensions(conv_matrix):
    import numpy as np

    kernel = np.array([[1.0, 2.0, 0.0], [-1.0, 3.0, 5.0]])          # 2x3, no symmetry
    x = np.arange(20.0).reshape(4, 5) ** 1.5 - 7
    C = _matrix(conv_matrix, (4, 5), kernel)
    if C.shape != (9, 20):
        raise AssertionError(_shape_hint(C, 20, 9, 20)
                             + " For a (4, 5) image and a (2, 3) kernel: (4 - 2 + 1) * (5 - 3 + 1) = 9 rows, "
                               "4 * 5 = 20 columns.")
    assert np.issubdtype(C.dtype, np.floating), f"C must be a float matrix, got the dtype {C.dtype}"
    expected = _correlate(x, kernel)
    got = C @ x.ravel()
    if np.allclose(got, expected.ravel()):
        return
    if np.allclose(got, _correlate(x, kernel[::-1, ::-1]).ravel()):
        raise AssertionError(
            "C @ x.ravel() is the TRUE convolution of x (the kernel flipped in both directions). A convolution "
            "layer computes a cross-correlation: kernel entry (a, b) multiplies pixel (i + a, j + b).")
    if (np.allclose(got, expected.ravel(order="F")) or np.allclose(C @ x.ravel(order="F"), expected.ravel())
            or np.allclose(C @ x.ravel(order="F"), expected.ravel(order="F"))):
        raise AssertionError(
            "your C flattens the image column by column: flatten it ROW by row (x.ravel(), NumPy's default): "
            "pixel (r, c) of an h x w image is column r * w + c, and output (i, j) is row i * (w - kw + 1) + j.")
    raise AssertionError(
        "C @ x.ravel() is not the valid cross-correlation of x with the kernel: with a (4, 5) image and a (2, 3) "
        "kernel, row 0 of C must hold kernel[0] at the columns 0-2 and kernel[1] at the columns 5-7 (the next "
        f"image row); yours is {C[0].tolist()}")
