from otter.test_files import test_case

OK_FORMAT = False

name = "conv_transpose_via_matrix"
points = 1


def _scatter(y, input_shape, kernel):
    """C.T @ y without C: each y value adds a scaled copy of the kernel at its own position (stride 1, no flip)."""
    import numpy as np

    y, kernel = np.atleast_2d(np.asarray(y, dtype=float)), np.atleast_2d(np.asarray(kernel, dtype=float))
    out = np.zeros((y.shape[0] + kernel.shape[0] - 1, y.shape[1] + kernel.shape[1] - 1))
    for (i, j), value in np.ndenumerate(y):
        out[i:i + kernel.shape[0], j:j + kernel.shape[1]] += value * kernel
    return out.reshape(input_shape)


def _call(conv_transpose_via_matrix, y, input_shape, kernel):
    import numpy as np

    try:
        out = conv_transpose_via_matrix(y, input_shape, kernel)
    except ValueError as error:
        if "matmul" in str(error) or "aligned" in str(error) or "mismatch" in str(error):
            raise AssertionError(
                f"conv_transpose_via_matrix raised '{error}'. C has one row per convolution output, so C.T @ v "
                f"needs v with C.shape[0] values: flatten y (y.ravel()) and multiply by C.T, not by C.") from error
        raise
    out = np.asarray(out)
    return out


@test_case(points=0.5, hidden=False)
def test_one_dimension(conv_transpose_via_matrix):
    import numpy as np

    assert callable(conv_transpose_via_matrix), "conv_transpose_via_matrix is not defined: run the cell that defines it"
    kernel = np.array([1.0, 2.0, 4.0])
    y = np.array([1.0, -1.0, 3.0, 0.5, 2.0])
    got = _call(conv_transpose_via_matrix, y, 7, kernel)
    assert got.shape == (7,), f"for y of 5 values, input_shape 7 and a kernel of 3, expected the shape (7,), got {got.shape}"
    if np.allclose(got, _scatter(y, (7,), kernel[::-1])):
        raise AssertionError(
            "C.T @ y scatters the FLIPPED kernel: your conv_matrix builds the true convolution. Fix conv_matrix "
            "first (row j holds k_0, k_1, k_2 in this order); conv_transpose_via_matrix uses it.")
    assert np.allclose(got, _scatter(y, (7,), kernel)), (
        f"expected C.T @ y = {_scatter(y, (7,), kernel).tolist()} (each y_j adds y_j * kernel at the positions "
        f"j, j + 1, j + 2), got {np.round(got, 4).tolist()}")


@test_case(points=0.5, hidden=False)
def test_two_dimensions_equal_keras(conv_transpose_via_matrix):
    import keras
    import numpy as np

    kernel = np.array([[1.0, 2.0, 0.0], [-1.0, 3.0, 5.0]])
    y = np.array([[1.0, -2.0, 0.5], [2.0, 1.0, -1.0], [0.0, 3.0, 1.5]])
    got = _call(conv_transpose_via_matrix, y, (4, 5), kernel)
    if got.shape == (20,):
        raise AssertionError("C.T @ y.ravel() is a vector of h * w = 20 values: reshape it to input_shape, (4, 5)")
    assert got.shape == (4, 5), f"for input_shape (4, 5), expected the shape (4, 5), got {got.shape}"
    layer = keras.layers.Conv2DTranspose(1, (2, 3))          # stride 1, padding "valid": C.T
    layer.build((None, 3, 3, 1))
    layer.set_weights([kernel[:, :, None, None].astype("float32"), np.zeros(1, "float32")])
    expected = keras.ops.convert_to_numpy(layer(y[None, :, :, None].astype("float32")))[0, :, :, 0]
    if np.allclose(got, _scatter(y, (4, 5), kernel[::-1, ::-1]), atol=1e-4):
        raise AssertionError(
            "the result scatters the FLIPPED kernel: your conv_matrix builds the true convolution. Fix conv_matrix "
            "first; conv_transpose_via_matrix uses it.")
    assert np.allclose(got, expected, atol=1e-4), (
        "C.T @ y must equal Keras's Conv2DTranspose with the same kernel, stride 1 and padding 'valid'; it does "
        f"not (largest difference {np.abs(got - expected).max():.3g}). Check conv_matrix on 2-D inputs first.")
