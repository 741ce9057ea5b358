"""A Keras model as plain data (convlab.model_probe), as the worker describes it to the grader."""

import os

import numpy as np
import pytest

from convlab import model_probe, wire

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
keras = pytest.importorskip("keras")
layers = keras.layers


def small_model():
    inputs = keras.Input((8, 8, 1))
    h = layers.Conv2D(2, 3)(inputs)
    h = layers.ReLU()(h)
    h = layers.AveragePooling2D(2)(h)
    h = layers.Flatten()(h)
    outputs = layers.Dense(3, activation="softmax")(h)
    return keras.Model(inputs, outputs)


def test_a_functional_model_is_described_layer_by_layer():
    described = model_probe.describe(small_model())
    assert [layer["class"] for layer in described["layers"]] == [
        "InputLayer", "Conv2D", "ReLU", "AveragePooling2D", "Flatten", "Dense"]
    assert described["input_shape"] == (None, 8, 8, 1) and described["output_shape"] == (None, 3)
    conv, relu, pool = described["layers"][1:4]
    assert (conv["output_shape"], conv["params"], conv["activation"]) == ((None, 6, 6, 2), 20, "linear")
    assert relu["activation"] == "relu" and pool["config"]["pool_size"] == (2, 2)
    assert described["params"] == 20 + 18 * 3 + 3
    assert [w.shape for w in described["weights"]] == [(3, 3, 1, 2), (2,), (18, 3), (3,)]
    assert described["compiled"] is False and described["optimizer"] is None


def test_the_description_crosses_the_wire():
    described = model_probe.describe(small_model())
    back = wire.decode(wire.encode(described))
    assert back["layers"][1]["output_shape"] == (None, 6, 6, 2)
    np.testing.assert_array_equal(back["weights"][0], described["weights"][0])


def test_what_is_not_a_built_model_is_refused_with_a_reason():
    with pytest.raises(TypeError, match="not a Keras model"):
        model_probe.describe([1, 2, 3])
    with pytest.raises(ValueError, match="not built"):
        model_probe.describe(keras.Sequential([layers.Dense(2)]))


def test_a_model_rebuilt_from_json_and_weights_computes_the_same():
    model = small_model()
    x = np.random.default_rng(0).uniform(size=(4, 8, 8, 1)).astype("float32")
    rebuilt = model_probe.from_json(model.to_json(), model.get_weights())
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_nested_models_are_described_by_their_layers():
    """An encoder and a decoder as two Sequential models inside a third, or called in the functional
    API: the layers of what the model computes, not InputLayer, Sequential, Sequential."""
    encoder = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(2, 3, strides=2, padding="same")])
    decoder = keras.Sequential([keras.Input((4, 4, 2)), layers.Conv2DTranspose(1, 3, strides=2, padding="same")])
    stacked = keras.Sequential([keras.Input((8, 8, 1)), encoder, decoder])
    inputs = keras.Input((8, 8, 1))
    functional = keras.Model(inputs, decoder(encoder(inputs)))
    for model, first in ((stacked, []), (functional, ["InputLayer"])):
        described = model_probe.describe(model)
        assert [layer["class"] for layer in described["layers"]] == first + ["Conv2D", "Conv2DTranspose"]
        assert [layer["output_shape"] for layer in described["layers"][len(first):]] == [(None, 4, 4, 2),
                                                                                         (None, 8, 8, 1)]
        assert [w.shape for w in described["weights"]] == [(3, 3, 1, 2), (2,), (3, 3, 1, 2), (1,)]
