"""Named, vectorised functions that can cross the sandbox boundary as data.

Some exercises take callables (``continuous_convolution(f, g, t)``, the
``activation`` of ``conv2d_layer``). A callable cannot be sent to the student's
worker without pickling, so the grader sends a :class:`Function` (a kind plus
numeric parameters, plain JSON) and both sides rebuild the same numpy function
from this table. The grader draws the parameters at grading time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


def _box(lo: float, hi: float) -> Callable:
    return lambda a: ((a >= lo) & (a < hi)).astype(float)


def _gaussian(mu: float = 0.0, sigma: float = 1.0) -> Callable:
    return lambda a: np.exp(-((a - mu) ** 2) / (2 * sigma**2))


def _exp_decay(rate: float = 1.0) -> Callable:
    return lambda a: np.where(a >= 0, np.exp(-rate * np.maximum(a, 0)), 0.0)


def _leaky_relu(alpha: float = 0.1) -> Callable:
    return lambda a: np.where(a > 0, a, alpha * a)


def _tanh() -> Callable:
    return np.tanh


def _square() -> Callable:
    return np.square


KINDS: dict[str, Callable[..., Callable]] = {
    "box": _box,
    "gaussian": _gaussian,
    "exp_decay": _exp_decay,
    "leaky_relu": _leaky_relu,
    "tanh": _tanh,
    "square": _square,
}


@dataclass(frozen=True)
class Function:
    """A vectorised numpy function described by a kind and its parameters."""

    kind: str
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown function kind {self.kind!r}; known: {sorted(KINDS)}")
        for key, value in self.params.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise TypeError(f"parameter {key}={value!r} of {self.kind} is not a number")

    def __call__(self, a):
        return KINDS[self.kind](**self.params)(np.asarray(a, dtype=float))

    def to_json(self) -> dict:
        return {"kind": self.kind, "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: dict) -> "Function":
        return cls(str(data["kind"]), {str(k): float(v) for k, v in dict(data["params"]).items()})

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.kind}({args})"
