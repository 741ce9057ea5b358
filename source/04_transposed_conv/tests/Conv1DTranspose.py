from otter.test_files import test_case

OK_FORMAT = False

name = "Conv1DTranspose"
points = 2


def _layer(Conv1DTranspose, *args, **kwargs):
    import keras

    try:
        layer = Conv1DTranspose(*args, **kwargs)
    except TypeError as error:
        raise AssertionError(
            f"Conv1DTranspose{args} raised TypeError: {error}. The course's helper took an input tensor first; the "
            "Keras 3 version takes Conv1DTranspose(filters, kernel_size, strides=2, padding='same') and returns a "
            "layer, which you then call on a tensor.") from error
    if isinstance(layer, keras.KerasTensor):
        raise AssertionError("Conv1DTranspose returned a tensor: return the LAYER (an instance of your "
                             "keras.layers.Layer subclass); the caller applies it to a tensor.")
    assert isinstance(layer, keras.layers.Layer), (
        f"Conv1DTranspose must return a Keras layer (a keras.layers.Layer), got {type(layer).__name__}")
    return layer


def _apply(layer, x):
    import keras
    import numpy as np

    return np.asarray(keras.ops.convert_to_numpy(layer(x)))


@test_case(points=1, hidden=False)
def test_returns_a_layer_that_upsamples_time(Conv1DTranspose):
    import keras
    import numpy as np

    assert callable(Conv1DTranspose), "Conv1DTranspose is not defined: run the cell that defines it"
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    layer = _layer(Conv1DTranspose, 4, 5, strides=2, padding="same")
    y = _apply(layer, x)
    if y.shape == (2, 10, 1, 4):
        raise AssertionError("the output has the shape (2, 10, 1, 4): remove the width axis you added, "
                             "keras.ops.squeeze(x, axis=2)")
    if y.shape == (2, 5, 4) or y.shape == (2, 5, 3):
        raise AssertionError(f"the output has the shape {y.shape}: the time axis was not up-sampled. The inner "
                             "Conv2DTranspose needs strides=(strides, 1) and kernel_size=(kernel_size, 1).")
    assert y.shape == (2, 10, 4), (
        f"Conv1DTranspose(4, 5, strides=2, padding='same') on (batch, steps, channels) = (2, 5, 3) must give "
        f"(2, 10, 4) = (batch, steps * strides, filters), got {y.shape}")
    default = _apply(_layer(Conv1DTranspose, 4, 5), x)
    assert default.shape == (2, 10, 4), (
        f"Conv1DTranspose(4, 5) with the defaults strides=2, padding='same' must give (2, 10, 4), got {default.shape}")
    model = keras.Sequential([keras.Input((5, 3)), _layer(Conv1DTranspose, 4, 5)])
    assert tuple(model.output_shape) == (None, 10, 4), (
        f"inside keras.Sequential([keras.Input((5, 3)), Conv1DTranspose(4, 5)]) the output shape is "
        f"{model.output_shape}, expected (None, 10, 4)")


@test_case(points=1, hidden=False)
def test_weights_and_values_match_keras(Conv1DTranspose):
    import keras
    import numpy as np

    rng = np.random.default_rng(1)
    for steps, channels, filters, size, strides, padding in [(5, 3, 4, 5, 2, "same"), (4, 2, 3, 2, 3, "valid")]:
        x = rng.normal(size=(2, steps, channels)).astype("float32")
        layer = _layer(Conv1DTranspose, filters, size, strides=strides, padding=padding)
        _apply(layer, x)                                        # builds the layer
        weights = layer.get_weights()
        shapes = [tuple(w.shape) for w in weights]
        if shapes == [(size, filters, channels), (filters,)]:
            raise AssertionError(
                "your layer holds a kernel of shape (kernel_size, filters, channels), like keras.layers."
                "Conv1DTranspose. The course's helper is a Conv2DTranspose with a (kernel_size, 1) kernel: its "
                f"kernel has the shape (kernel_size, 1, filters, channels) = {(size, 1, filters, channels)}.")
        assert shapes == [(size, 1, filters, channels), (filters,)], (
            f"Conv1DTranspose({filters}, {size}) on {channels} channels: get_weights() must be [kernel of shape "
            f"{(size, 1, filters, channels)}, bias of shape ({filters},)], the weights of the inner "
            f"Conv2DTranspose(filters, (kernel_size, 1)); got the shapes {shapes}")
        kernel = rng.normal(size=(size, 1, filters, channels)).astype("float32")
        bias = rng.normal(size=filters).astype("float32")
        layer.set_weights([kernel, bias])
        reference = keras.layers.Conv1DTranspose(filters, size, strides=strides, padding=padding)
        reference.build((None, steps, channels))
        reference.set_weights([kernel[:, 0], bias])
        expected = _apply(reference, x)
        got = _apply(layer, x)
        setting = f"Conv1DTranspose({filters}, {size}, strides={strides}, padding={padding!r}) on {x.shape}"
        assert got.ndim == 3, (f"{setting}: the output has the shape {got.shape}; remove the width axis you added, "
                               "keras.ops.squeeze(x, axis=2)")
        assert got.shape == expected.shape, (
            f"{setting}: keras.layers.Conv1DTranspose gives the shape {expected.shape}, yours {got.shape}. "
            "Pass strides=(strides, 1) and padding=padding to the inner Conv2DTranspose.")
        assert np.allclose(got, expected, atol=1e-4), (
            f"{setting}: with the same weights, your values differ from keras.layers.Conv1DTranspose's (largest "
            f"difference {np.abs(got - expected).max():.3g}). Add the axis at position 2, (batch, steps, 1, "
            "channels), so that the kernel's first axis runs along time.")
