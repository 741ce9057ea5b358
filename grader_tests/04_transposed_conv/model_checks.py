"""Shared by the checks of the course's generator and simulator: the student's model, as data and as a function.

What is observable is checked, not incidental intermediate shapes (the
simulator's Reshape((f // 4, 4k)) then Reshape((1, f // 4, 4k)) is as good as
one Reshape to the final shape): the output shape, the parameter count, and
whether the course's model holding the student's weights computes what the
student's model computes on inputs the grader draws.
"""

from __future__ import annotations

import numpy as np

import transposed_oracle as O
from convlab.diagnose import expect, fail


def build(student, name: str, kwargs: dict, rng, input_size: int) -> dict:
    """The student's model from ``name(**kwargs)``: its description and its outputs on drawn inputs."""
    handle = student.keep(name, **kwargs)
    description = student.describe_model(handle)
    inputs = rng.normal(size=(4, input_size)).astype(np.float32)
    description["probe"] = (inputs, np.asarray(student.method(handle, "predict", inputs, verbose=0)))
    return description


def call_text(name: str, kwargs: dict) -> str:
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"


def expect_output_shape(model: dict, expected: tuple, what: str, hint: str) -> None:
    expect(model["output_shape"] == (None, *expected),
           f"{what} outputs {model['output_shape'][1:]}; expected {expected}{hint}")


def expect_params(model: dict, reference, what: str) -> None:
    expect(model["params"] == reference.count_params(),
           f"{what} has {model['params']:,} parameters; the course's model has {reference.count_params():,}")


def expect_same_function(model: dict, reference, what: str) -> None:
    inputs, outputs = model["probe"]
    if not O.same_function(reference, model["weights"], inputs, outputs):
        fail(f"{what}: the course's model holding your model's weights does not compute what your model "
             "computes: check each layer's size, activation, strides and padding against the course")
