from otter.test_files import test_case

OK_FORMAT = False

name = "build_dcgan_generator"
points = 3

ACTIVATION_LAYERS = {"LeakyReLU", "ReLU", "Activation", "ELU", "PReLU"}


def _build(build_dcgan_generator, *args):
    import keras

    model = build_dcgan_generator(*args)
    assert isinstance(model, keras.Model), f"build_dcgan_generator must return a Keras model, got {type(model).__name__}"
    assert model.built, "the model has no input shape yet: start it with keras.Input(shape=(latent_dim,))"
    return model


def _layers(model):
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def _of(model, kind):
    return [layer for layer in _layers(model) if type(layer).__name__ == kind]


def _activation(layer):
    function = getattr(layer, "activation", None)
    return getattr(function, "__name__", None) if function is not None else None


def _expected_rows(latent_dim, height, width, channels):
    """(what, parameters) of the generator of the notebook's table."""
    h, w = height // 8, width // 8
    return [("Dense(h/8 * w/8 * 128, use_bias=False)", latent_dim * h * w * 128),
            ("BatchNormalization", 4 * h * w * 128),
            ("Conv2DTranspose(64, 4, use_bias=False)", 4 * 4 * 64 * 128), ("BatchNormalization", 4 * 64),
            ("Conv2DTranspose(32, 4, use_bias=False)", 4 * 4 * 32 * 64), ("BatchNormalization", 4 * 32),
            (f"Conv2DTranspose({channels}, 4, activation='tanh')", 4 * 4 * channels * 32 + channels)]


def _check_structure(model, latent_dim, image_shape):
    height, width, channels = image_shape
    call = f"build_dcgan_generator({latent_dim}, {image_shape})"
    assert tuple(model.input_shape) == (None, latent_dim), (
        f"{call}: the input shape is {model.input_shape}, expected (None, {latent_dim})")
    assert tuple(model.output_shape) == (None,) + tuple(image_shape), (
        f"{call}: the output shape is {model.output_shape}, expected {(None,) + tuple(image_shape)}")
    dense = _of(model, "Dense")
    assert len(dense) == 1, f"{call}: expected one Dense layer (the projection of the noise), got {len(dense)}"
    start = (height // 8, width // 8, 128)
    assert dense[0].units == start[0] * start[1] * 128, (
        f"{call}: the Dense layer has {dense[0].units} units, expected {start[0]} * {start[1]} * 128 = "
        f"{start[0] * start[1] * 128}: three stride-2 layers multiply the size by 8, so the maps start at "
        f"{start}")
    reshape = _of(model, "Reshape")
    assert reshape and tuple(reshape[0].output.shape[1:]) == start, (
        f"{call}: the Reshape layer must give the maps {start}, got "
        f"{tuple(reshape[0].output.shape[1:]) if reshape else 'no Reshape layer'}")
    transposed = _of(model, "Conv2DTranspose")
    assert len(transposed) == 3, f"{call}: expected three Conv2DTranspose layers, got {len(transposed)}"
    for index, layer in enumerate(transposed):
        assert tuple(layer.strides) == (2, 2) and layer.padding == "same", (
            f"{call}: Conv2DTranspose layer {index + 1} has strides={tuple(layer.strides)}, padding={layer.padding!r}; "
            "each must double the size: strides=2, padding='same'")
    filters = [layer.filters for layer in transposed]
    assert filters == [64, 32, channels], (
        f"{call}: the Conv2DTranspose layers have {filters} filters, expected [64, 32, {channels}] "
        "(128 -> 64 -> 32 -> the image's channels)")


@test_case(points=1, hidden=False)
def test_shapes_at_every_stage(build_dcgan_generator):
    assert callable(build_dcgan_generator), "build_dcgan_generator is not defined: run the cell that defines it"
    model = _build(build_dcgan_generator)
    _check_structure(model, 100, (32, 32, 1))
    expected = [(8, 8, 64), (16, 16, 32), (32, 32, 1)]
    got = [tuple(layer.output.shape[1:]) for layer in _of(model, "Conv2DTranspose")]
    assert got == expected, f"the Conv2DTranspose layers output {got}, expected {expected}"


@test_case(points=1, hidden=False)
def test_batch_norm_activations_and_tanh(build_dcgan_generator):
    import keras
    import numpy as np

    model = _build(build_dcgan_generator)
    norms = _of(model, "BatchNormalization")
    assert len(norms) == 3, (
        f"the generator has {len(norms)} BatchNormalization layers, expected 3: after the Dense layer and after "
        "each of the first two Conv2DTranspose layers (not after the output layer)")
    hidden = [layer for layer in _layers(model) if type(layer).__name__ in ACTIVATION_LAYERS
              and _activation(layer) not in ("tanh", "sigmoid")]
    assert len(hidden) >= 3, (
        f"found {len(hidden)} activation layers after the batch normalizations, expected 3: LeakyReLU (or ReLU) "
        "after each BatchNormalization")
    last = _layers(model)[-1]
    final = _activation(last)
    if final in ("sigmoid",):
        raise AssertionError("the output activation is a sigmoid, which gives images in [0, 1]; a DCGAN generator "
                             "ends with tanh, images in [-1, 1]")
    assert final == "tanh", (
        f"the last layer ({type(last).__name__}) has the activation {final!r}: the DCGAN generator ends with "
        "activation='tanh', so that the images lie in [-1, 1]")
    z = np.random.default_rng(0).normal(size=(3, 100)).astype("float32") * 3
    images = np.asarray(keras.ops.convert_to_numpy(model(z)))
    assert images.min() >= -1 and images.max() <= 1, (
        f"the generated pixels go from {images.min():.3g} to {images.max():.3g}: tanh keeps them in [-1, 1]")


@test_case(points=1, hidden=False)
def test_other_image_shape_and_parameter_counts(build_dcgan_generator):
    model = _build(build_dcgan_generator, 100, (64, 64, 3))
    _check_structure(model, 100, (64, 64, 3))
    for image_shape in [(32, 32, 1), (64, 64, 3)]:
        model = _build(build_dcgan_generator, 100, image_shape)
        rows = _expected_rows(100, *image_shape)
        expected = sum(params for _, params in rows)
        if model.count_params() != expected:
            dense = _of(model, "Dense")[0]
            transposed = _of(model, "Conv2DTranspose")
            hint = ""
            if dense.use_bias:
                hint = (" The Dense layer has a bias: a BatchNormalization follows it, which subtracts the mean, so "
                        "the bias is useless: use_bias=False.")
            elif any(layer.use_bias for layer in transposed[:2]):
                hint = " The first two Conv2DTranspose layers are followed by BatchNormalization: use_bias=False."
            elif any(tuple(layer.kernel_size) != (4, 4) for layer in transposed):
                hint = (f" The kernels are {[tuple(layer.kernel_size) for layer in transposed]}: the notebook's "
                        "generator uses 4x4 kernels, a multiple of the stride 2.")
            table = ", ".join(f"{what}: {params:,}" for what, params in rows)
            raise AssertionError(f"build_dcgan_generator(100, {image_shape}) has {model.count_params():,} "
                                 f"parameters, expected {expected:,} ({table}).{hint}")
    try:
        build_dcgan_generator(100, (30, 30, 1))
    except ValueError:
        return
    raise AssertionError("build_dcgan_generator(100, (30, 30, 1)) must raise ValueError: 30 is not a multiple of 8")
