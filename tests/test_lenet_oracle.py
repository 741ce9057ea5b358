"""03's oracle builds the course's LeNet without Keras: what Keras builds from it is Keras's LeNet.

grader_tests/03_lenet/lenet_oracle.py writes the course's LeNet-5 as Keras JSON,
draws its initial weights and describes it (output shapes, parameter counts,
activations) in plain Python, so that the grading process never imports
TensorFlow. These tests hold each of those to Keras itself: the model Keras
builds from the JSON computes what the same layers written with Keras's
``Sequential`` compute, the description is ``model_probe.describe``'s, and the
weights are drawn on Keras's Glorot-uniform bounds.
"""

import subprocess
import sys

import numpy as np
import pytest

import grader_modules

ORACLE_DIR = grader_modules.GRADER_TESTS / "03_lenet"
O = grader_modules.load("03_lenet", "lenet_oracle")
SHAPES = [((32, 32, 1), 10), ((28, 28, 1), 5), ((36, 40, 3), 7)]


def _keras_lenet(keras, input_shape, num_classes, hidden="relu", pooling="max"):
    layers = keras.layers

    pool = layers.MaxPooling2D if pooling == "max" else layers.AveragePooling2D
    return keras.Sequential([
        keras.Input(input_shape),
        layers.Conv2D(6, 5, activation=hidden), pool(2),
        layers.Conv2D(16, 5, activation=hidden), pool(2),
        layers.Flatten(),
        layers.Dense(120, activation=hidden), layers.Dense(84, activation=hidden),
        layers.Dense(num_classes, activation="softmax"),
    ])


@pytest.mark.parametrize("input_shape, num_classes", SHAPES)
@pytest.mark.parametrize("hidden, pooling", [("relu", "max"), ("tanh", "average")])
def test_the_json_builds_the_course_lenet(keras, input_shape, num_classes, hidden, pooling):
    from convlab import model_probe

    built = keras.models.model_from_json(O.course_json(input_shape, num_classes, hidden, pooling))
    expected = _keras_lenet(keras, input_shape, num_classes, hidden, pooling)
    mine, theirs = model_probe.describe(built), model_probe.describe(expected)
    for key in ("input_shape", "output_shape", "params"):
        assert mine[key] == theirs[key], key
    strip = [{k: v for k, v in layer.items() if k != "name"} for layer in theirs["layers"]]
    assert [{k: v for k, v in layer.items() if k != "name"} for layer in mine["layers"]] == strip
    weights = [np.random.default_rng(1).normal(size=w.shape).astype(np.float32) for w in expected.get_weights()]
    built.set_weights(weights)
    expected.set_weights(weights)
    x = np.random.default_rng(2).uniform(size=(4, *input_shape)).astype(np.float32)
    np.testing.assert_allclose(built.predict(x, verbose=0), expected.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("input_shape, num_classes", SHAPES)
def test_the_description_is_model_probes(keras, input_shape, num_classes):
    from convlab import model_probe

    theirs = model_probe.describe(_keras_lenet(keras, input_shape, num_classes))
    mine = O.course_description(input_shape, num_classes)
    for key in ("input_shape", "output_shape", "params"):
        assert mine[key] == theirs[key], key
    fields = ("class", "output_shape", "params", "activation")
    assert mine["layers"] == [{k: layer[k] for k in fields} for layer in theirs["layers"]]
    assert O.stages(mine) == O.stages(theirs)
    keras_weights = _keras_lenet(keras, input_shape, num_classes).get_weights()
    assert O.weight_shapes(input_shape, num_classes) == [w.shape for w in keras_weights]


def test_initial_weights_are_drawn_as_keras_draws_them(keras):
    """Glorot-uniform kernels (within Keras's bound, spread over it), zero biases."""
    keras_weights = _keras_lenet(keras, (32, 32, 1), 10).get_weights()
    drawn = O.initial_weights(np.random.default_rng(0))
    assert [w.shape for w in drawn] == [w.shape for w in keras_weights]
    assert all(w.dtype == np.float32 for w in drawn)
    for mine, theirs in zip(drawn, keras_weights, strict=True):
        if mine.ndim == 1:
            assert not mine.any() and not theirs.any()
            continue
        receptive = int(np.prod(mine.shape[:-2]))
        bound = np.sqrt(6 / (receptive * (mine.shape[-2] + mine.shape[-1])))
        assert np.abs(theirs).max() <= bound and np.abs(mine).max() <= bound
        # the same uniform law: the spread of each is near that of U(-bound, bound)
        assert abs(mine.std() - bound / np.sqrt(3)) < 0.1 * bound
        assert abs(theirs.std() - bound / np.sqrt(3)) < 0.1 * bound
    assert not np.array_equal(drawn[0], O.initial_weights(np.random.default_rng(1))[0])


def test_grading_03_imports_no_tensorflow():
    """The grading process asks the oracle for the JSON, weights and description without Keras."""
    probe = ("import sys, numpy as np; sys.path.insert(0, sys.argv[1]); import lenet_oracle as O; "
             "O.course_json(); O.initial_weights(np.random.default_rng()); O.course_description(); "
             "O.course_description((28, 28, 1), 5); import training, conftest; "
             "print(sorted(m for m in ('keras', 'tensorflow', 'jax') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", probe, str(ORACLE_DIR)], capture_output=True, text=True,
                         cwd=ORACLE_DIR)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["[]"], run.stdout
