"""Hidden checks of build_lenet(input_shape=(32, 32, 1), num_classes=10).

The model comes back as plain data (layers, shapes, parameter counts,
weights) and as its outputs on images the grader draws; it is compared with
the course's LeNet-5 (lenet_oracle). Each property is its own check, so the
original LeNet (tanh, average pooling: the same 61,706 parameters) loses
exactly the activation and pooling checks.
"""

import numpy as np
import pytest

import lenet_oracle as O
from convlab.diagnose import expect, fail

pytestmark = pytest.mark.grade_id("build_lenet")

OTHER = {"input_shape": (28, 28, 1), "num_classes": 5}


@pytest.fixture(scope="session")
def lenet(student, split, run_seed):
    """The default model: its description and its outputs on drawn images (half digits, half noise)."""
    handle = student.keep("build_lenet")
    description = student.describe_model(handle)
    rng = np.random.default_rng([run_seed, 5])
    probe = np.concatenate([split.x(rng.choice(split.train, 8, replace=False)),
                            rng.uniform(0, 1, (8, 32, 32, 1)).astype(np.float32)])
    outputs = student.method(handle, "predict", probe, verbose=0)
    return description, probe, np.asarray(outputs)


@pytest.fixture(scope="session")
def lenet_other(student):
    return student.describe_model(student.keep("build_lenet", **OTHER))


def _kinds(stages) -> str:
    return ", ".join(s.layer for s in stages)


def _first_difference(description, expected, attribute) -> str:
    """Where the model's layers first differ from the course's in ``attribute``, in words."""
    got, want = O.stages(description), O.stages(expected)
    if len(got) != len(want):
        return (f"the model has {len(got)} layers ({_kinds(got)}); "
                f"the course's LeNet-5 has {len(want)} ({_kinds(want)})")
    for k, (g, w) in enumerate(zip(got, want, strict=True), start=1):
        mine, theirs = getattr(g, attribute), getattr(w, attribute)
        if mine != theirs:
            mine, theirs = (f"{mine:,}", f"{theirs:,}") if attribute == "params" else (mine, theirs)
            return f"layer {k} ({g.layer}) has {attribute.replace('_', ' ')} {mine}, the course's {theirs}"
    return ""


def test_is_a_keras_model_from_32x32x1_images_to_10_classes(lenet):
    description, _, outputs = lenet
    expect(description["input_shape"] == (None, 32, 32, 1),
           f"the model's input is {description['input_shape']}; expected (None, 32, 32, 1): start with "
           "keras.Input(input_shape)")
    expect(description["output_shape"] == (None, 10),
           f"the model's output is {description['output_shape']}; expected (None, 10), one per class")
    expect(outputs.shape == (16, 10), f"model.predict on 16 images gave shape {outputs.shape}, not (16, 10)")


def test_layers_in_the_course_order(lenet, lenet_other):
    for description, what in ((lenet[0], "build_lenet()"), (lenet_other, "build_lenet((28, 28, 1), 5)")):
        got = [s.kind for s in O.stages(description)]
        expect(got == O.COURSE_KINDS,
               f"{what} has the layers {_kinds(O.stages(description))}; LeNet-5 is Conv2D, pooling, Conv2D, "
               "pooling, Flatten, Dense(120), Dense(84), Dense(num_classes)")


def _both(lenet, lenet_other):
    return ((lenet[0], O.course_description(), "build_lenet()"),
            (lenet_other, O.course_description(**OTHER), "build_lenet((28, 28, 1), 5)"))


def test_output_shapes(lenet, lenet_other):
    for description, expected, what in _both(lenet, lenet_other):
        difference = _first_difference(description, expected, "output_shape")
        expect(not difference, f"{what}: {difference} (a valid 5x5 convolution takes 4 rows "
                               "and 4 columns off, a 2x2 pooling halves them)")


def test_parameter_count(lenet, lenet_other):
    for description, expected, what in _both(lenet, lenet_other):
        if description["params"] != expected["params"]:
            difference = _first_difference(description, expected, "params")
            fail(f"{what} has {description['params']:,} parameters; the course's LeNet-5 has "
                 f"{expected['params']:,}" + (f": {difference}" if difference else ""))


def _computes(lenet) -> dict | None:
    description, probe, outputs = lenet
    return O.what_it_computes(description["weights"], probe, outputs)


def test_hidden_layers_use_relu(lenet):
    computed = _computes(lenet)
    if computed is not None:
        expect(computed["hidden"] == "relu",
               f"with your weights, your model computes the course's LeNet with {computed['hidden']} in the hidden "
               "layers; the course uses ReLU (the original LeNet-5 of 1998 used tanh)")
        return
    hidden = [s for s in O.stages(lenet[0]) if s.kind in ("conv", "dense")][:-1]
    wrong = [f"{s.layer} ({s.activation})" for s in hidden if s.activation != "relu"]
    expect(hidden and not wrong, f"these hidden layers do not use ReLU: {', '.join(wrong) or 'none found'}")


def test_output_layer_is_softmax(lenet):
    computed = _computes(lenet)
    if computed is not None:
        expect(computed["output"] == "softmax",
               f"the last layer gives {computed['output']} outputs; a classifier ends with "
               "Dense(num_classes, activation='softmax') so that the outputs are class probabilities "
               "(without it the loss stays near ln 10 = 2.303 unless from_logits=True)")
        return
    outputs = lenet[2]
    expect(outputs.ndim == 2 and np.all(outputs >= 0) and np.allclose(outputs.sum(axis=1), 1, atol=1e-4),
           "the model's outputs are not probabilities (non-negative, summing to 1 per image): end with softmax")


def test_pooling_takes_the_maximum(lenet):
    computed = _computes(lenet)
    if computed is not None:
        expect(computed["pooling"] == "max",
               "your pooling layers take the average of each 2x2 window (as the original LeNet-5 did); "
               "the course's LeNet uses MaxPool2D(2), which keeps the strongest response")
        return
    pools = [s.layer for s in O.stages(lenet[0]) if s.kind == "pool"]
    expect(pools and all(p == "MaxPooling2D" for p in pools),
           f"the pooling layers are {', '.join(pools) or 'missing'}; the course's LeNet uses MaxPool2D(2)")
