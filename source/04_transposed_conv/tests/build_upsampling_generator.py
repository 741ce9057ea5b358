from otter.test_files import test_case

OK_FORMAT = False

name = "build_upsampling_generator"
points = 2

#: The course's generator on 100 noise values: (layer type, output shape without the batch axis, parameters).
COURSE_GENERATOR = [("Dense", (3200,), 323200), ("Reshape", (5, 5, 128), 0), ("Conv2DTranspose", (10, 10, 1), 1153)]


def _build(build_upsampling_generator, *args):
    import keras

    model = build_upsampling_generator(*args)
    assert isinstance(model, keras.Model), (
        f"build_upsampling_generator must return a Keras model, got {type(model).__name__}")
    assert model.built, "the model has no input shape yet: start it with keras.Input(shape=(latent_dim,))"
    return model


def _layers(model):
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


@test_case(points=1.5, hidden=False)
def test_course_generator(build_upsampling_generator):
    assert callable(build_upsampling_generator), "build_upsampling_generator is not defined: run the cell that defines it"
    model = _build(build_upsampling_generator)
    assert tuple(model.input_shape) == (None, 100), (
        f"the input shape is {model.input_shape}, expected (None, 100): keras.Input(shape=(latent_dim,))")
    output = tuple(model.output_shape)
    if output == (None, 11, 11, 1):
        raise AssertionError(
            "the generator outputs 11x11 images: that is the whole scatter of a 3x3 kernel with stride 2 on 5x5, "
            "(5 - 1) * 2 + 3 = 11, the default padding='valid' (the course's SECOND summary). The 10x10 generator "
            "uses padding='same', which keeps 5 * 2 = 10 rows. The parameter count does not change: 324,353 either way.")
    if output in [(None, 5, 5, 1), (None, 7, 7, 1)]:
        raise AssertionError(f"the generator outputs {output[1:]}: the up-sampling comes from the stride, "
                             "Conv2DTranspose(1, (3, 3), strides=(2, 2), padding='same')")
    assert output == (None, 10, 10, 1), f"the output shape is {output}, expected (None, 10, 10, 1)"
    kinds = [type(layer).__name__ for layer in _layers(model)]
    expected_kinds = [kind for kind, _, _ in COURSE_GENERATOR]
    assert kinds == expected_kinds, f"the layers are {kinds}, the course's generator is {expected_kinds}"
    for index, (layer, (kind, shape, params)) in enumerate(zip(_layers(model), COURSE_GENERATOR)):
        got_shape = tuple(layer.output.shape[1:])
        assert got_shape == shape, f"layer {index + 1} ({kind}) outputs {got_shape}, expected {shape}"
        if layer.count_params() != params:
            hint = ""
            if kind == "Conv2DTranspose":
                per_filter = (layer.count_params() - 1) / 128
                hint = (f" A Conv2DTranspose(1, (kh, kw)) on 128 maps has kh * kw * 1 * 128 + 1 parameters: "
                        f"yours has kh * kw = {per_filter:g}, the course's kernel is 3x3." if per_filter.is_integer()
                        else " A Conv2DTranspose(1, (3, 3)) on 128 maps has 3 * 3 * 1 * 128 + 1 = 1,153.")
            if kind == "Dense":
                hint = " Dense(128 * 5 * 5) on 100 values: 100 * 3200 weights + 3200 biases."
            raise AssertionError(f"layer {index + 1} ({kind}) has {layer.count_params():,} parameters, expected "
                                 f"{params:,}.{hint}")
    assert model.count_params() == 324353, f"the model has {model.count_params():,} parameters, expected 324,353"


@test_case(points=0.5, hidden=False)
def test_latent_dim(build_upsampling_generator):
    model = _build(build_upsampling_generator, 20)
    assert tuple(model.input_shape) == (None, 20), (
        f"build_upsampling_generator(20) has the input shape {model.input_shape}, expected (None, 20): "
        "use the latent_dim argument")
    assert tuple(model.output_shape) == (None, 10, 10, 1), (
        f"build_upsampling_generator(20) outputs {model.output_shape}, expected (None, 10, 10, 1)")
    assert model.count_params() == 21 * 3200 + 1153, (
        f"build_upsampling_generator(20) has {model.count_params():,} parameters, expected "
        f"{21 * 3200 + 1153:,} (Dense: 20 * 3200 + 3200, then 1,153)")
