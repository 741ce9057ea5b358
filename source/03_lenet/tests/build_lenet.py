from otter.test_files import test_case

OK_FORMAT = False

name = "build_lenet"
points = 5

#: The course's LeNet-5 on a 32x32 grey image: (layer type, output shape without the batch axis, parameters).
COURSE_LENET = [("Conv2D", (28, 28, 6), 156), ("MaxPooling2D", (14, 14, 6), 0),
                ("Conv2D", (10, 10, 16), 2416), ("MaxPooling2D", (5, 5, 16), 0), ("Flatten", (400,), 0),
                ("Dense", (120,), 48120), ("Dense", (84,), 10164), ("Dense", (10,), 850)]
ACTIVATION_LAYERS = {"Activation", "ReLU", "Softmax"}


def _build(build_lenet, *args):
    import keras

    model = build_lenet(*args)
    assert isinstance(model, keras.Model), (
        f"build_lenet must return a Keras model (keras.Sequential([...]) or keras.Model(inputs, outputs)), "
        f"got {type(model).__name__}")
    assert model.built, (
        "the model has no input shape yet, so Keras cannot tell its output shapes and parameter counts: "
        "start it with keras.Input(shape=input_shape)")
    return model


def _activation_name(layer):
    kind = type(layer).__name__
    if kind == "ReLU":
        return "relu"
    if kind == "Softmax":
        return "softmax"
    function = getattr(layer, "activation", None)
    return getattr(function, "__name__", str(function)) if function is not None else None


def _main_layers(model):
    """[(type, layer, activation)] with separate Activation/ReLU/Softmax layers folded into the layer before."""
    rows = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        if kind in ACTIVATION_LAYERS and rows and rows[-1][2] in (None, "linear"):
            rows[-1] = (rows[-1][0], rows[-1][1], _activation_name(layer))
            continue
        rows.append((kind, layer, _activation_name(layer) if kind in ("Conv2D", "Dense") else None))
    return rows


def _shape(layer):
    return tuple(layer.output.shape[1:])


@test_case(points=1.5, hidden=False)
def test_shapes_and_parameter_count(build_lenet):
    assert callable(build_lenet), "build_lenet is not defined: run the cell that defines it"
    model = _build(build_lenet)
    assert tuple(model.input_shape) == (None, 32, 32, 1), (
        f"the model's input shape is {model.input_shape}, expected (None, 32, 32, 1): "
        "start with keras.Input(shape=input_shape)")
    rows = _main_layers(model)
    for index, ((kind, layer, _), (expected_kind, shape, params)) in enumerate(zip(rows, COURSE_LENET)):
        if kind != expected_kind:
            break        # the layer types are the next check's business
        if _shape(layer) != shape:
            hint = ""
            if kind == "Conv2D" and _shape(layer)[:2] != shape[:2]:
                hint = (" A 5x5 filter without padding (padding='valid', the default) fits at "
                        "i - 5 + 1 positions along each axis; check kernel_size=5 and the padding.")
            elif kind == "MaxPooling2D":
                hint = " MaxPool2D(pool_size=2) halves the height and the width."
            elif kind in ("Conv2D", "Dense"):
                hint = " Check the number of filters or units."
            raise AssertionError(f"layer {index + 1} ({kind}) outputs {_shape(layer)}, expected {shape}.{hint}")
        assert layer.count_params() == params, (
            f"layer {index + 1} ({kind}, output {shape}) has {layer.count_params():,} parameters, expected "
            f"{params:,}. A Conv2D layer has (kh * kw * C_in + 1) * C_out, a Dense layer (inputs + 1) * units: "
            "did you drop the bias (use_bias=False)?")
    assert tuple(model.output_shape) == (None, 10), (
        f"the model's output shape is {model.output_shape}, expected (None, 10): one probability per digit")
    assert model.count_params() == 61706, (
        f"the model has {model.count_params():,} parameters, expected 61,706 (the course's LeNet-5)")


@test_case(points=1.5, hidden=False)
def test_layer_types_in_order(build_lenet):
    model = _build(build_lenet)
    kinds = [kind for kind, _, _ in _main_layers(model)]
    expected = [kind for kind, _, _ in COURSE_LENET]
    if "AveragePooling2D" in kinds:
        raise AssertionError(
            "your model uses AveragePooling2D: the original LeNet-5 averaged, but the course's LeNet uses max "
            "pooling, layers.MaxPool2D(pool_size=2).")
    assert kinds == expected, (
        f"the layers (apart from the input and separate activation layers) are {kinds}; the course's LeNet-5 is "
        f"{expected}")
    rows = _main_layers(model)
    for index, (kind, layer, _) in enumerate(rows):
        if kind == "Conv2D":
            assert tuple(layer.kernel_size) == (5, 5) and layer.padding == "valid", (
                f"layer {index + 1}: the course's Conv2D layers have 5x5 filters and padding='valid', got "
                f"kernel_size={tuple(layer.kernel_size)}, padding={layer.padding!r}")
        if kind == "MaxPooling2D":
            assert tuple(layer.pool_size) == (2, 2) and tuple(layer.strides) == (2, 2), (
                f"layer {index + 1}: MaxPool2D(pool_size=2), windows of 2x2 side by side; got "
                f"pool_size={tuple(layer.pool_size)}, strides={tuple(layer.strides)}")


@test_case(points=1, hidden=False)
def test_activations(build_lenet):
    model = _build(build_lenet)
    rows = [(index, kind, activation) for index, (kind, _, activation) in enumerate(_main_layers(model))
            if kind in ("Conv2D", "Dense")]
    assert rows, "no Conv2D or Dense layer found in the model"
    *hidden, (last_index, _, last_activation) = rows
    if last_activation in (None, "linear"):
        raise AssertionError(
            f"the last layer (layer {last_index + 1}) has no softmax: it outputs raw scores (logits), not "
            "probabilities, and with the loss's default from_logits=False the loss stays near ln 10 = 2.303. "
            "Use Dense(num_classes, activation='softmax').")
    assert last_activation == "softmax", (
        f"the last layer's activation is {last_activation!r}: the output layer turns the scores into "
        "probabilities with activation='softmax'")
    for index, kind, activation in hidden:
        if activation == "tanh":
            raise AssertionError(
                f"layer {index + 1} ({kind}) uses tanh: that is the original LeNet-5's choice; the course's LeNet "
                "uses ReLU in every hidden Conv2D and Dense layer (activation='relu').")
        assert activation == "relu", (
            f"layer {index + 1} ({kind}) has the activation {activation!r}; every hidden Conv2D and Dense layer of "
            "the course's LeNet uses activation='relu' (without it, stacked layers collapse into one linear map)")


@test_case(points=1, hidden=False)
def test_other_input_shape_and_classes(build_lenet):
    model = _build(build_lenet, (28, 28, 1), 5)
    assert tuple(model.input_shape) == (None, 28, 28, 1), (
        f"build_lenet((28, 28, 1), 5) has the input shape {model.input_shape}, expected (None, 28, 28, 1): "
        "use the input_shape argument, do not write (32, 32, 1) in the model")
    assert tuple(model.output_shape) == (None, 5), (
        f"build_lenet((28, 28, 1), 5) has the output shape {model.output_shape}, expected (None, 5): "
        "the last Dense layer has num_classes units")
    flatten = [layer for kind, layer, _ in _main_layers(model) if kind == "Flatten"]
    if flatten and _shape(flatten[0]) != (256,):
        raise AssertionError(
            f"on 28x28 images, Flatten must give 4 * 4 * 16 = 256 values, got {_shape(flatten[0])}: "
            "28 -> 24 -> 12 -> 8 -> 4 along each axis")
    assert model.count_params() == 44001, (
        f"build_lenet((28, 28, 1), 5) has {model.count_params():,} parameters, expected 44,001")
