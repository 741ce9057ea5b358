"""A Keras model as plain data, extracted inside the worker.

A student's model cannot cross to the grader as a Python object (nothing from
the worker is unpickled) and cannot always be reloaded from a ``.keras`` file
(a ``Lambda`` layer, a ``Layer`` subclass or ``activation=tf.nn.softmax`` do
not reload in a fresh process). So the worker describes it: layer classes,
output shapes, parameter counts, activation names and the weights as arrays.
The grader trusts none of it blindly: it rebuilds the course's model with these
weights and compares its outputs with the student's model's outputs on inputs
the grader draws.

Runs in the worker; imports Keras only when asked to describe a model.
"""

from __future__ import annotations

import numpy as np

#: Layer settings copied into the description when a layer has them.
CONFIG_KEYS = ("filters", "kernel_size", "strides", "padding", "pool_size", "units", "use_bias",
               "data_format", "rate", "target_shape", "dilation_rate")


def _activation_name(layer) -> str | None:
    """The activation a layer applies, by name: ``Conv2D(..., activation="relu")``, ``ReLU()``, ``Activation("tanh")``."""
    name = type(layer).__name__
    if name in ("ReLU", "Softmax", "LeakyReLU", "ELU", "PReLU"):
        return name.lower()
    function = getattr(layer, "activation", None)
    if function is None:
        return None
    return str(getattr(function, "__name__", type(function).__name__))


def _plain(value):
    """Config values as JSON-able data (tuples stay tuples; anything else becomes its repr)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    return repr(value)[:200]


def _shape(tensor_or_shape) -> tuple:
    shape = getattr(tensor_or_shape, "shape", tensor_or_shape)
    return tuple(None if d is None else int(d) for d in shape)


def _layer(layer) -> dict:
    try:
        output_shape = _shape(layer.output)
    except Exception:  # a layer never called (e.g. a model without an input) has no output yet
        output_shape = None
    config = layer.get_config() if hasattr(layer, "get_config") else {}
    return {"class": type(layer).__name__, "name": str(layer.name), "output_shape": output_shape,
            "params": int(layer.count_params()) if layer.built else 0,
            "activation": _activation_name(layer),
            "config": {key: _plain(config[key]) for key in CONFIG_KEYS if key in config}}


def _flat_layers(model) -> list:
    """The model's layers, those of a model nested in it in its place (an encoder and a decoder
    written as two Sequential models inside a third), without the nested models' own inputs:
    what the model computes, layer after layer, however it was put together."""
    import keras

    found = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found += [inner for inner in _flat_layers(layer) if type(inner).__name__ != "InputLayer"]
        else:
            found.append(layer)
    return found


def describe(model) -> dict:
    """What the grader needs of a model, as plain data; raises if ``model`` is not a built Keras model."""
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"this is a {type(model).__module__}.{type(model).__qualname__}, not a Keras model")
    if not model.built:
        raise ValueError("the model is not built: give it an input shape (keras.Input or InputLayer)")
    return {
        "class": type(model).__name__,
        "input_shape": _shape(model.inputs[0]) if getattr(model, "inputs", None) else None,
        "output_shape": _shape(model.outputs[0]) if getattr(model, "outputs", None) else None,
        "params": int(model.count_params()),
        "layers": [_layer(layer) for layer in _flat_layers(model)],
        "weights": [np.asarray(w, dtype=np.float32) for w in model.get_weights()],
        "compiled": bool(getattr(model, "compiled", False)),
        "loss": _plain(getattr(model, "loss", None)),
        "optimizer": type(model.optimizer).__name__ if getattr(model, "optimizer", None) is not None else None,
    }


def from_json(architecture: str, weights: list) -> object:
    """A model from Keras JSON and its weights (built-in layers only: ``safe_mode`` stays on)."""
    import keras

    model = keras.models.model_from_json(architecture)
    model.set_weights(weights)
    return model
