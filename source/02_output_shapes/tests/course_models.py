from otter.test_files import test_case

OK_FORMAT = False

name = "course_models"
points = 3

TYPES = {"Conv1D", "Conv2D", "Conv1DTranspose", "Conv2DTranspose", "MaxPooling1D", "MaxPooling2D",
         "AveragePooling1D", "AveragePooling2D", "Flatten", "Dense", "Reshape", "ZeroPadding1D", "ZeroPadding2D"}

# name: (input shape, total parameters, final output shape), from the course's model.summary() prints
COURSE = {"har_conv1d": ((80, 3), 539520, (2, 160)),
          "conditioning": ((40, 6), 858, (6,)),
          "simulator": ((24,), 4818, (20, 6)),
          "discriminator": ((60, 6), 123132, (384,)),
          "lenet5": ((32, 32, 1), 61706, (10,)),
          "upsampling_generator": ((100,), 324353, (10, 10, 1))}


def _check_model(COURSE_MODELS, summarize, model):
    assert isinstance(COURSE_MODELS, dict), "COURSE_MODELS is not defined: run the cell that defines it"
    assert model in COURSE_MODELS, f"COURSE_MODELS has no entry {model!r} (it has {sorted(COURSE_MODELS)})"
    entry = COURSE_MODELS[model]
    assert isinstance(entry, tuple) and len(entry) == 2, (
        f"COURSE_MODELS[{model!r}] must be a pair (input_shape, layers), got {type(entry).__name__}")
    input_shape, layers = entry
    course_input, course_total, course_output = COURSE[model]
    assert tuple(input_shape) == course_input, (
        f"{model}: the course's input shape is {course_input} (batch dimension left out), got {input_shape!r}")
    assert isinstance(layers, list) and layers, f"{model}: the layers must be a non-empty list of dicts"
    for index, layer in enumerate(layers):
        assert isinstance(layer, dict) and layer.get("type") in TYPES, (
            f"{model}, layer {index}: each layer is a dict whose 'type' is one of {sorted(TYPES)}, got {layer!r}")
    assert callable(summarize), "summarize is not defined: run the cell that defines it"
    try:
        rows = summarize(layers, input_shape)
    except ValueError as error:
        raise AssertionError(f"{model}: your summarize refuses this stack: {error}") from None
    total = sum(row[2] for row in rows)
    assert total == course_total, (
        f"{model}: your summarize gives {total:,} parameters in total; the course's summary says "
        f"{course_total:,}. Compare your layers (and your parameter counts) with the course, layer by layer.")
    assert tuple(rows[-1][1]) == course_output, (
        f"{model}: your summarize ends with the output shape {rows[-1][1]}; the course's summary ends with "
        f"{course_output}.")


@test_case(points=0.5, hidden=False)
def test_har_conv1d(COURSE_MODELS, summarize):
    _check_model(COURSE_MODELS, summarize, "har_conv1d")


@test_case(points=0.5, hidden=False)
def test_conditioning(COURSE_MODELS, summarize):
    _check_model(COURSE_MODELS, summarize, "conditioning")


@test_case(points=0.5, hidden=False)
def test_simulator(COURSE_MODELS, summarize):
    _check_model(COURSE_MODELS, summarize, "simulator")


@test_case(points=0.5, hidden=False)
def test_discriminator(COURSE_MODELS, summarize):
    _check_model(COURSE_MODELS, summarize, "discriminator")


@test_case(points=0.5, hidden=False)
def test_lenet5(COURSE_MODELS, summarize):
    _check_model(COURSE_MODELS, summarize, "lenet5")


@test_case(points=0.5, hidden=False)
def test_upsampling_generator(COURSE_MODELS, summarize):
    _check_model(COURSE_MODELS, summarize, "upsampling_generator")
