"""Hidden checks of COURSE_MODELS, the layer lists of the course's own models.

COURSE_MODELS = {"har_conv1d": (input_shape, layers), "conditioning": ..., "simulator": ...,
"discriminator": ..., "lenet5": ..., "upsampling_generator": ...}, each list in the
summarize format. The grader summarizes the student's OWN lists by Keras 3's
rules (shapes_oracle.summary: Keras's shape and parameter rules reimplemented,
held to Keras by tests/test_shapes_oracle.py; their summarize is not used, so a
wrong list fails even when their summarize agrees with it) and compares, layer
by layer, with the summaries printed in the course text (../shared/seeds/: the
(80, 3) Conv1D stack, the conditioning stack, the simulator, the discriminator,
LeNet-5 and the 10x10 upsampling generator).
Keras's other names (MaxPool2D...) are accepted, and so are arguments that do
not change shapes or counts (activation, name, input_shape...). A layer Keras
refuses is reported with why; so is one written in a form outside what the
grader reproduces (a boolean for a number, use_bias=1, an empty target_shape...).
"""

import numbers

import pytest
import shapes_oracle as O
import stacks

from convlab.diagnose import fail

pytestmark = pytest.mark.grade_id("course_models")

# name -> (what the course calls it, input shape, its summary: (type, output shape, params) per layer, total)
COURSE = {
    "har_conv1d": ("the 1D Conv network on (80, 3) sensor windows", (80, 3), [
        ("Conv1D", (71, 100), 3100), ("Conv1D", (60, 100), 120100), ("MaxPooling1D", (20, 100), 0),
        ("Conv1D", (11, 160), 160160), ("Conv1D", (2, 160), 256160)], 539520),
    "conditioning": ("the conditioning stack", (40, 6), [
        ("Conv1D", (20, 6), 186), ("Conv1D", (10, 6), 186), ("Conv1D", (5, 6), 186), ("Conv1D", (3, 6), 186),
        ("Flatten", (18,), 0), ("Dense", (6,), 114)], 858),
    "simulator": ("the simulator", (24,), [
        ("Dense", (120,), 3000), ("Reshape", (5, 24), 0), ("Reshape", (1, 5, 24), 0),
        ("Conv2DTranspose", (1, 10, 12), 1452), ("Conv2DTranspose", (1, 20, 6), 366), ("Reshape", (20, 6), 0)],
        4818),
    "discriminator": ("the discriminator", (60, 6), [
        ("Conv1D", (30, 12), 372), ("Conv1D", (15, 24), 1464), ("Conv1D", (8, 48), 5808),
        ("Conv1D", (4, 96), 23136), ("Conv1D", (2, 192), 92352), ("Flatten", (384,), 0)], 123132),
    "lenet5": ("LeNet-5", (32, 32, 1), [
        ("Conv2D", (28, 28, 6), 156), ("MaxPooling2D", (14, 14, 6), 0), ("Conv2D", (10, 10, 16), 2416),
        ("MaxPooling2D", (5, 5, 16), 0), ("Flatten", (400,), 0), ("Dense", (120,), 48120),
        ("Dense", (84,), 10164), ("Dense", (10,), 850)], 61706),
    "upsampling_generator": ("the 10x10 upsampling generator", (100,), [
        ("Dense", (3200,), 323200), ("Reshape", (5, 5, 128), 0), ("Conv2DTranspose", (10, 10, 1), 1153)], 324353),
}
assert all(sum(p for _, _, p in rows) == total for _, _, rows, total in COURSE.values())
MAX_LAYERS = 100  # more is not a course model (and would only cost grading time)


def _plain(value) -> bool:
    """Plain data the oracle may be given: numbers, strings, booleans, None, and tuples/lists of them."""
    if value is None or isinstance(value, (str, bool, numbers.Integral)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return False


def _normalised(name, layers):
    """The student's layer dicts, ready for the oracle (aliases resolved, shape-neutral arguments dropped),
    or fail saying what is wrong with them."""
    where = f"COURSE_MODELS[{name!r}]"
    if not isinstance(layers, (list, tuple)) or not layers:
        fail(f"{where}: the layers should be a non-empty list of dicts, got {layers!r:.100}")
    if len(layers) > MAX_LAYERS:
        fail(f"{where} has {len(layers)} layers; the course's models have at most 8")
    out = []
    for n, layer in enumerate(layers):
        if not isinstance(layer, dict) or not isinstance(layer.get("type"), str):
            fail(f"{where}: layer {n} should be a dict with a 'type', like {{'type': 'Conv1D', 'filters': 100, "
                 f"'kernel_size': 10}}; got {layer!r:.100}")
        kind = O.ALIASES.get(layer["type"], layer["type"])
        if kind not in O.ARGUMENTS:
            fail(f"{where}: layer {n} has type {layer['type']!r}, not one of {', '.join(O.ARGUMENTS)}")
        clean = {"type": kind}
        for key, value in layer.items():
            if key == "type" or key in O.IGNORED:
                continue
            if key not in O.ARGUMENTS[kind]:
                fail(f"{where}: layer {n} ({kind}) has the argument {key!r}, which {kind} does not take here; "
                     f"its arguments are {', '.join(O.ARGUMENTS[kind]) or 'none'}")
            if not _plain(value):
                fail(f"{where}: layer {n} ({kind}) has {key}={value!r:.60}; use ints, strings, booleans or tuples")
            clean[key] = value
        out.append(clean)
    return out


def _weighted(rows) -> list:
    """The layers with weights (convolutions and Dense) as (type, output shape, params): with the total and
    the final output shape, what must match the course's summary (Reshape, Flatten and pooling layers
    may differ, e.g. the simulator written without its first Reshape)."""
    return [tuple(r) for r in rows if r[0].startswith(("Conv", "Dense"))]


def _check_model(student, name):
    title, input_shape, course_rows, total = COURSE[name]
    models = student.value("COURSE_MODELS")
    if not isinstance(models, dict):
        fail(f"COURSE_MODELS should be a dict (model name -> (input_shape, layers)), got a {type(models).__name__}")
    if name not in models:
        fail(f"COURSE_MODELS has no {name!r} entry ({title})")
    entry = models[name]
    if not isinstance(entry, (list, tuple)) or len(entry) != 2:
        fail(f"COURSE_MODELS[{name!r}] should be a pair (input_shape, layers), got {entry!r:.100}")
    shape, layers = entry
    if not isinstance(shape, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool)
                                                       for v in shape):
        fail(f"COURSE_MODELS[{name!r}]: the input shape should be a tuple of ints, got {shape!r:.60}")
    if tuple(shape) != input_shape:
        fail(f"COURSE_MODELS[{name!r}]: {title} takes inputs of shape {input_shape} in the course "
             f"(batch left out), yours is {tuple(shape)}")
    layers = _normalised(name, layers)
    built = O.summary(layers, input_shape)
    where = f"COURSE_MODELS[{name!r}] ({title})"
    if built.refused_at is not None:
        n = built.refused_at
        who = "the grader does not take" if built.outside else "Keras cannot build"
        fail(f"{where}: {who} layers[{n}] {stacks.layer_text(layers[n])}: {built.reason}")
    if _weighted(built.rows) == _weighted(course_rows) and built.rows[-1][1] == course_rows[-1][1]:
        return
    text = f"{where}, as Keras builds it, has {built.total:,} parameters and output {built.rows[-1][1]}"
    text += f"; the course's summary shows {total:,} parameters and output {course_rows[-1][1]}"
    if len(built.rows) != len(course_rows):
        text += f"; it has {O.plural(len(built.rows), 'layer')}, the course's {len(course_rows)}"
    for n, (mine, theirs) in enumerate(zip(built.rows, course_rows)):
        if mine != theirs:
            text += (f"; first difference at layers[{n}] {stacks.layer_text(layers[n])}: Keras gives "
                     f"{mine[0]} {mine[1]} with {mine[2]:,} parameters, the course shows {theirs[0]} "
                     f"{theirs[1]} with {theirs[2]:,}")
            break
    fail(text)


def test_models_is_a_dict_of_the_six(student):
    models = student.value("COURSE_MODELS")
    if not isinstance(models, dict):
        fail(f"COURSE_MODELS should be a dict (model name -> (input_shape, layers)), got a {type(models).__name__}")
    missing = [name for name in COURSE if name not in models]
    if missing:
        fail(f"COURSE_MODELS has no entry for {', '.join(map(repr, missing))}; the six names are "
             f"{', '.join(map(repr, COURSE))}")


def test_har_conv1d(student):
    _check_model(student, "har_conv1d")


def test_conditioning(student):
    _check_model(student, "conditioning")


def test_simulator(student):
    _check_model(student, "simulator")


def test_discriminator(student):
    _check_model(student, "discriminator")


def test_lenet5(student):
    _check_model(student, "lenet5")


def test_upsampling_generator(student):
    _check_model(student, "upsampling_generator")
