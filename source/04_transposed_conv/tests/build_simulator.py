from otter.test_files import test_case

OK_FORMAT = False

name = "build_simulator"
points = 2


def _course_simulator(k, f):
    """(layer type, output shape without the batch axis, parameters) of the course's simulator."""
    return [("Dense", (f * k,), (4 * k + 1) * f * k),
            ("Reshape", (f // 4, 4 * k), 0),
            ("Reshape", (1, f // 4, 4 * k), 0),
            ("Conv2DTranspose", (1, f // 2, 2 * k), 5 * 2 * k * 4 * k + 2 * k),
            ("Conv2DTranspose", (1, f, k), 5 * k * 2 * k + k),
            ("Reshape", (f, k), 0)]


def _activation(layer):
    function = getattr(layer, "activation", None)
    return getattr(function, "__name__", None) if function is not None else None


def _build(build_simulator, *args):
    import keras

    model = build_simulator(*args)
    assert isinstance(model, keras.Model), f"build_simulator must return a Keras model, got {type(model).__name__}"
    assert model.built, "the model has no input shape yet: start it with keras.Input(shape=(4 * k,))"
    return model


def _check(model, k, f):
    rows = _course_simulator(k, f)
    call = f"build_simulator(k={k}, f={f})"
    assert tuple(model.input_shape) == (None, 4 * k), (
        f"{call}: the input shape is {model.input_shape}, expected (None, {4 * k}): the input holds 4k values")
    layers, activations = [], []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        if kind in ("ReLU", "Activation") and layers and activations[-1] in (None, "linear"):
            activations[-1] = "relu" if kind == "ReLU" else _activation(layer)    # a separate activation layer
            continue
        layers.append(layer)
        activations.append(_activation(layer))
    kinds = [type(layer).__name__ for layer in layers]
    expected_kinds = [kind for kind, _, _ in rows]
    assert kinds == expected_kinds, f"{call}: the layers are {kinds}, the course's simulator is {expected_kinds}"
    for index, (layer, (kind, shape, params)) in enumerate(zip(layers, rows)):
        got = tuple(layer.output.shape[1:])
        if got != shape:
            hint = ""
            if kind == "Conv2DTranspose":
                hint = (" The course's layers use kernel_size=(1, 5), strides=(1, 2) and padding='same': the height "
                        "stays 1 and each layer doubles the time steps (padding='valid' would give "
                        "(i - 1) * 2 + 5 steps).")
            raise AssertionError(f"{call}: layer {index + 1} ({kind}) outputs {got}, expected {shape}.{hint}")
        if layer.count_params() != params:
            raise AssertionError(
                f"{call}: layer {index + 1} ({kind}, output {shape}) has {layer.count_params():,} parameters, "
                f"expected {params:,}. A Conv2DTranspose with a (1, 5) kernel has 1 * 5 * filters * in_channels "
                "weights plus one bias per filter; a Dense layer (inputs + 1) * units.")
    total = sum(params for _, _, params in rows)
    assert model.count_params() == total, f"{call} has {model.count_params():,} parameters, expected {total:,}"
    assert activations[0] == "relu", (
        f"{call}: the course's Dense layer has activation='relu', got {activations[0]!r}")


@test_case(points=1.5, hidden=False)
def test_course_simulator(build_simulator):
    assert callable(build_simulator), "build_simulator is not defined: run the cell that defines it"
    model = _build(build_simulator)
    _check(model, 6, 20)
    assert tuple(model.output_shape) == (None, 20, 6), (
        f"the simulator outputs {model.output_shape}, expected (None, 20, 6): f = 20 time steps of k = 6 channels")
    assert model.count_params() == 4818


@test_case(points=0.5, hidden=False)
def test_other_k_and_f(build_simulator):
    model = _build(build_simulator, 4, 12)
    if tuple(model.output_shape) == (None, 20, 6):
        raise AssertionError("build_simulator(k=4, f=12) outputs (None, 20, 6), the course's defaults: use k and f, "
                             "do not write 6 and 20 in the model")
    _check(model, 4, 12)
    assert tuple(model.output_shape) == (None, 12, 4), (
        f"build_simulator(k=4, f=12) outputs {model.output_shape}, expected (None, 12, 4)")
