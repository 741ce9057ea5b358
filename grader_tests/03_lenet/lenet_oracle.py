"""The course's LeNet-5, what a student's model is compared with.

A model arrives as plain data (``convlab.model_probe.describe``). Its layers
are read as *stages*: an ``InputLayer`` is not a stage, and an ``Activation``
or ``ReLU`` layer belongs to the stage before it, so ``Conv2D(6, 5)`` followed
by ``ReLU()`` is the same stage as ``Conv2D(6, 5, activation="relu")``, and the
functional API is as good as ``Sequential``.

Activations and pooling are judged by what the model computes, not by names:
the course's topology is run in numpy with the student's own weights under
each combination of hidden activation, output activation and pooling, and the
combination that reproduces the student's outputs says what their model does.
Names are only the fallback when the weights do not fit the course's shapes.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

COURSE_KINDS = ["conv", "pool", "conv", "pool", "flatten", "dense", "dense", "dense"]
FOLDED = {"Activation", "ReLU", "Softmax", "LeakyReLU", "ELU", "PReLU"}
KIND = {"Conv2D": "conv", "MaxPooling2D": "pool", "AveragePooling2D": "pool", "Flatten": "flatten", "Dense": "dense"}


@dataclass
class Stage:
    kind: str
    layer: str          # Keras class of the main layer
    output_shape: tuple | None
    params: int
    activation: str | None


def stages(description: dict) -> list[Stage]:
    found: list[Stage] = []
    for layer in description["layers"]:
        name = layer["class"]
        if name == "InputLayer":
            continue
        if name in FOLDED and found and found[-1].activation in (None, "linear"):
            found[-1].activation = layer["activation"]
            found[-1].output_shape = layer["output_shape"]
            continue
        activation = layer["activation"] if name in ("Conv2D", "Dense") or name in FOLDED else None
        found.append(Stage(KIND.get(name, name), name, layer["output_shape"], layer["params"], activation))
    return found


def course_layers(num_classes=10, hidden="relu", pooling="max") -> list[tuple[str, dict]]:
    """The course's LeNet-5 after its input, layer by layer: (Keras class, constructor arguments)."""
    pool = "MaxPooling2D" if pooling == "max" else "AveragePooling2D"
    return [("Conv2D", {"filters": 6, "kernel_size": (5, 5), "activation": hidden}), (pool, {"pool_size": (2, 2)}),
            ("Conv2D", {"filters": 16, "kernel_size": (5, 5), "activation": hidden}), (pool, {"pool_size": (2, 2)}),
            ("Flatten", {}),
            ("Dense", {"units": 120, "activation": hidden}), ("Dense", {"units": 84, "activation": hidden}),
            ("Dense", {"units": num_classes, "activation": "softmax"})]


def course_json(input_shape=(32, 32, 1), num_classes=10, hidden="relu", pooling="max") -> str:
    """The course's LeNet-5 as Keras 3 JSON, for ``model_from_json`` in the worker.

    Written here rather than by Keras so that the grading process never imports
    TensorFlow (700 MB and five seconds a shard); Keras fills in every argument
    left out with its default, and tests/test_lenet_oracle.py holds the model it
    builds to the one Keras's own ``Sequential`` gives.
    """
    layers = [{"module": "keras.layers", "class_name": "InputLayer",
               "config": {"batch_shape": [None, *input_shape], "dtype": "float32"}}]
    layers += [{"module": "keras.layers", "class_name": kind, "config": arguments}
               for kind, arguments in course_layers(num_classes, hidden, pooling)]
    return json.dumps({"module": "keras", "class_name": "Sequential", "config": {"name": "lenet5", "layers": layers}})


def _walk(input_shape, num_classes):
    """(Keras class, output shape without the batch, weight shapes, activation) per layer of the course's LeNet."""
    shape = tuple(input_shape)
    for kind, arguments in course_layers(num_classes):
        if kind == "Conv2D":
            (kh, kw), f = arguments["kernel_size"], arguments["filters"]
            weights = [(kh, kw, shape[-1], f), (f,)]
            shape = (shape[0] - kh + 1, shape[1] - kw + 1, f)
        elif kind == "MaxPooling2D":
            weights, shape = [], (shape[0] // 2, shape[1] // 2, shape[2])
        elif kind == "Flatten":
            weights, shape = [], (math.prod(shape),)
        else:
            weights, shape = [(shape[-1], arguments["units"]), (arguments["units"],)], (arguments["units"],)
        yield kind, shape, weights, arguments.get("activation")


def weight_shapes(input_shape=(32, 32, 1), num_classes=10) -> list[tuple]:
    """The shapes of ``get_weights()`` of the course's LeNet, in Keras's order."""
    return [w for _, _, weights, _ in _walk(input_shape, num_classes) for w in weights]


def initial_weights(rng: np.random.Generator, input_shape=(32, 32, 1), num_classes=10) -> list[np.ndarray]:
    """Fresh initial weights as Keras draws them: Glorot-uniform kernels, zero biases."""
    drawn = []
    for shape in weight_shapes(input_shape, num_classes):
        if len(shape) == 1:
            drawn.append(np.zeros(shape, np.float32))
            continue
        receptive = math.prod(shape[:-2])
        limit = math.sqrt(6 / (receptive * (shape[-2] + shape[-1])))
        drawn.append(rng.uniform(-limit, limit, shape).astype(np.float32))
    return drawn


@functools.cache
def course_description(input_shape=(32, 32, 1), num_classes=10) -> dict:
    """What ``convlab.model_probe.describe`` gives of the course's LeNet, the fields the checks compare."""
    layers = [{"class": kind, "output_shape": (None, *shape), "params": sum(math.prod(w) for w in weights),
               "activation": activation}
              for kind, shape, weights, activation in _walk(input_shape, num_classes)]
    return {"input_shape": (None, *input_shape), "output_shape": layers[-1]["output_shape"],
            "params": sum(layer["params"] for layer in layers), "layers": layers}


# -- what a model computes, in numpy --------------------------------------------------
ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "linear": lambda z: z,
}
OUTPUTS = {
    "softmax": lambda z: np.exp(z - z.max(-1, keepdims=True)) / np.exp(z - z.max(-1, keepdims=True)).sum(-1, keepdims=True),
    "linear": lambda z: z,
    "sigmoid": ACTIVATIONS["sigmoid"],
}


def _conv(x, kernel, bias):
    windows = sliding_window_view(x, kernel.shape[:2], axis=(1, 2))  # (n, h, w, c, kh, kw)
    return np.einsum("nhwcij,ijcf->nhwf", windows, kernel) + bias


def _pool(x, mode):
    n, h, w, c = x.shape
    blocks = x[:, : h // 2 * 2, : w // 2 * 2].reshape(n, h // 2, 2, w // 2, 2, c)
    return blocks.max(axis=(2, 4)) if mode == "max" else blocks.mean(axis=(2, 4))


def forward(weights: list, x: np.ndarray, hidden="relu", output="softmax", pooling="max") -> np.ndarray:
    k1, b1, k2, b2, w3, b3, w4, b4, w5, b5 = [np.asarray(w, dtype=np.float64) for w in weights]
    act = ACTIVATIONS[hidden]
    h = _pool(act(_conv(np.asarray(x, dtype=np.float64), k1, b1)), pooling)
    h = _pool(act(_conv(h, k2, b2)), pooling)
    h = h.reshape(len(h), -1)
    h = act(act(h @ w3 + b3) @ w4 + b4)
    return OUTPUTS[output](h @ w5 + b5)


def fits_course_weights(weights: list) -> bool:
    return [tuple(np.shape(w)) for w in weights] == weight_shapes()


def what_it_computes(weights: list, x: np.ndarray, outputs: np.ndarray) -> dict | None:
    """The (hidden, output, pooling) under which the course's LeNet with these weights gives
    ``outputs`` on ``x``; None if the weights do not fit or no combination does."""
    if not fits_course_weights(weights) or np.shape(outputs) != (len(x), 10):
        return None
    outputs = np.asarray(outputs, dtype=np.float64)
    for hidden, output, pooling in itertools.product(ACTIVATIONS, OUTPUTS, ("max", "average")):
        with np.errstate(all="ignore"):
            expected = forward(weights, x, hidden, output, pooling)
        scale = max(float(np.abs(expected).max()), 1e-6)
        if np.allclose(outputs, expected, rtol=1e-3, atol=1e-4 * scale):
            return {"hidden": hidden, "output": output, "pooling": pooling}
    return None
