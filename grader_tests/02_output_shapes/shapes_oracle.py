"""What the hidden checks of 02_output_shapes compare with: Keras itself, and the cases to ask about.

Every expected length, padding, parameter count and layer summary comes from
Keras 3 (on JAX: see keras()) building the same layer or stack in the grader's
process (shapes symbolically, weights created but never initialised; the only
computation is the probe that reads where "same" padding goes). Results are
cached per configuration: a class of 100 students costs each configuration one
build.

Cases are drawn with hypothesis from the grading run's seed (conftest.py): the
same cases for every student of a run, new ones the next run, drawn once per
process. A check asks the student about all its cases and reports the simplest
one that fails. There is no shrinking: a wrong submission costs no extra calls
and every student with the same mistake reads the same message.
"""

from __future__ import annotations

import functools
import math
import numbers
import os
import re
import zlib
from typing import NamedTuple

import numpy as np

from convlab.diagnose import fail, fail_if
from convlab.student import StudentError

# ---- Keras -----------------------------------------------------------------------------

#: The layer types of the summarize contract and the constructor arguments that shape them.
ARGUMENTS = {
    "Conv1D": ("filters", "kernel_size", "strides", "padding", "dilation_rate", "use_bias"),
    "Conv2D": ("filters", "kernel_size", "strides", "padding", "dilation_rate", "use_bias"),
    "Conv1DTranspose": ("filters", "kernel_size", "strides", "padding", "output_padding", "dilation_rate",
                        "use_bias"),
    "Conv2DTranspose": ("filters", "kernel_size", "strides", "padding", "output_padding", "dilation_rate",
                        "use_bias"),
    "MaxPooling1D": ("pool_size", "strides", "padding"),
    "MaxPooling2D": ("pool_size", "strides", "padding"),
    "AveragePooling1D": ("pool_size", "strides", "padding"),
    "AveragePooling2D": ("pool_size", "strides", "padding"),
    "Flatten": (),
    "Dense": ("units", "use_bias"),
    "Reshape": ("target_shape",),
    "ZeroPadding1D": ("padding",),
    "ZeroPadding2D": ("padding",),
}
#: Keras's other names for the same layers (accepted in the data the student writes).
ALIASES = {"MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D",
           "AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D"}
#: Arguments that change nothing in the shapes or parameter counts (left out of the build).
IGNORED = {"activation", "name", "input_shape", "input_dim", "kernel_initializer", "bias_initializer",
           "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
           "bias_constraint", "trainable"}


def keras():
    """Keras on JAX, unless the environment names another backend.

    Shapes and parameter counts are Keras's own code whatever the backend, and JAX's
    "same" convolution pads as TensorFlow's does (tests/test_shapes_oracle.py compares
    every answer here under both); TensorFlow would cost each grading process 700 MB
    and five seconds, JAX a third of both.
    """
    os.environ.setdefault("KERAS_BACKEND", "jax")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras as k

    return k


def _first_line(exc: BaseException) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("Exception encountered")]
    return (lines[0] if lines else type(exc).__name__)[:200]


class Built(NamedTuple):
    """A stack as Keras builds it: one (type, output_shape, params) per layer, up to the first it refuses."""

    rows: tuple
    refused_at: int | None = None  # index of the first layer Keras cannot build
    reason: str | None = None  # Keras's message about it

    @property
    def total(self) -> int:
        return sum(r[2] for r in self.rows)


def freeze(value):
    """Hashable form of plain data (lists become tuples, dicts sorted item tuples)."""
    if isinstance(value, dict):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


@functools.cache
def _summary(layers: tuple, input_shape: tuple) -> Built:
    k = keras()
    shape, rows = input_shape, []
    # initialize_variables=False: the weights keep their shapes but never get values (no time, no
    # memory, whatever sizes a student's list asks for); nothing in the grader initialises them later
    with k.StatelessScope(initialize_variables=False):
        for index, (kind, arguments) in enumerate(layers):
            try:
                layer = getattr(k.layers, kind)(**dict(arguments))
                out = layer(k.KerasTensor((None, *shape)))
                shape = tuple(int(n) for n in out.shape[1:])
                params = int(layer.count_params())
            except Exception as exc:  # noqa: BLE001 - whatever Keras refuses is the stack's problem
                return Built(tuple(rows), index, _first_line(exc))
            rows.append((kind, shape, params))
    return Built(tuple(rows))


def summary(layers, input_shape) -> Built:
    """Keras's summary of a stack given as the summarize contract's dicts (already checked)."""
    frozen = tuple((d["type"], freeze({a: v for a, v in d.items() if a != "type"})) for d in layers)
    return _summary(frozen, tuple(int(n) for n in input_shape))


@functools.cache
def conv_length(i: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int | None:
    """ZeroPadding1D(p) then Conv1D(kernel k, stride s, dilation d, valid); None where Keras refuses."""
    built = _summary((("ZeroPadding1D", (("padding", p),)),
                      ("Conv1D", (("dilation_rate", d), ("filters", 1), ("kernel_size", k), ("strides", s)))),
                     (i, 1))
    return None if built.refused_at is not None else built.rows[-1][1][0]


@functools.cache
def same_pads(i: int, k: int, s: int = 1, d: int = 1) -> tuple[int, int] | None:
    """The zeros TensorFlow adds before and after the input for Conv1D(padding="same").

    Read from Keras itself: a "same" convolution of x = 1..i with one filter per tap
    (filter t picks tap t) returns, at output j and filter t, the padded input's value at
    j*s + t*d; the first real x value found gives the zeros before. The zeros after are
    those the last window reads past the end of x. None where Keras refuses the layer or
    no window reaches x (the split cannot be observed).
    """
    kk = keras()
    k_eff = (k - 1) * d + 1
    try:
        kk.layers.Conv1D(1, k, strides=s, dilation_rate=d, padding="same")
    except ValueError:
        return None
    x = np.arange(1, i + 1, dtype="float32").reshape(1, i, 1)
    kernel = np.zeros((k, 1, k), dtype="float32")
    kernel[np.arange(k), 0, np.arange(k)] = 1.0
    out = np.asarray(kk.ops.conv(x, kernel, strides=s, padding="same", dilation_rate=d))[0]
    hits = np.argwhere(out > 0)
    if not len(hits):
        return None
    before = {int(j) * s + int(t) * d - (int(out[j, t]) - 1) for j, t in hits}
    assert len(before) == 1, f"inconsistent 'same' probe for i={i}, k={k}, s={s}, d={d}"
    before = before.pop()
    last_tap = (out.shape[0] - 1) * s + k_eff - 1 - before
    return before, max(0, last_tap - (i - 1))


@functools.cache
def pool_length(i: int, k: int, s: int | None = None, padding: str = "valid") -> int | None:
    """MaxPooling1D(pool_size=k, strides=s, padding); None where Keras refuses."""
    built = _summary((("MaxPooling1D", (("padding", padding), ("pool_size", k), ("strides", s))),), (i, 1))
    return None if built.refused_at is not None else built.rows[-1][1][0]


def transposed_crashes(k: int, padding: str, output_padding, d: int = 1) -> bool:
    """Keras builds this shape but TensorFlow's CPU kernel aborts at run time (AbortedError):
    'same' padding, an even dilated kernel and output_padding=0. The checks never ask about it."""
    return padding == "same" and output_padding == 0 and ((k - 1) * d + 1) % 2 == 0


@functools.cache
def transpose_length(i: int, k: int, s: int = 1, padding: str = "valid", output_padding=None,
                     d: int = 1) -> int | None:
    """Conv1DTranspose(kernel k, stride s, padding, output_padding, dilation d); None where Keras
    refuses it (output_padding >= stride, stride and dilation both above 1) or crashes on it."""
    if transposed_crashes(k, padding, output_padding, d):
        return None
    built = _summary((("Conv1DTranspose", (("dilation_rate", d), ("filters", 1), ("kernel_size", k),
                                           ("output_padding", output_padding), ("padding", padding),
                                           ("strides", s))),), (i, 1))
    return None if built.refused_at is not None else built.rows[-1][1][0]


@functools.cache
def conv_params(kernel_size, in_channels: int, filters: int, use_bias: bool = True, transposed: bool = False) -> int:
    """Parameters of Conv1D/Conv2D (or the transposed layers): an int kernel is a 1-D kernel."""
    kernel = (kernel_size,) if isinstance(kernel_size, int) else tuple(kernel_size)
    kind = f"Conv{len(kernel)}D" + ("Transpose" if transposed else "")
    built = _summary(((kind, (("filters", filters), ("kernel_size", kernel), ("use_bias", use_bias))),),
                     (*kernel, in_channels))
    assert built.refused_at is None, built.reason
    return built.rows[0][2]


@functools.cache
def dense_params(n_in: int, n_out: int, use_bias: bool = True) -> int:
    built = _summary((("Dense", (("units", n_out), ("use_bias", use_bias))),), (n_in,))
    assert built.refused_at is None, built.reason
    return built.rows[0][2]


# ---- cases -----------------------------------------------------------------------------
_CASES: dict = {}


def draw(name: str, strategy, n: int, seed: int, accept=None, always=()) -> list:
    """The cases ``always`` asked, then up to ``n`` other distinct cases drawn by hypothesis from
    ``strategy`` (those ``accept`` keeps), the same for a given run seed; drawn once per process.

    ``always`` holds cases of the strategy's family that separate each known mistake of it from
    the right answer: a draw can miss them (a stride that happens to divide, a bias that happens
    to be on), and a mistake must be caught on every run, not on most.
    """
    key = (name, seed)
    if key not in _CASES:
        from hypothesis import HealthCheck, Phase, Verbosity, assume, given, settings
        from hypothesis import seed as with_seed

        found = []

        @settings(database=None, deadline=None, max_examples=n, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet)
        @given(strategy)
        def collect(case):
            assume(accept is None or accept(case))
            if case not in found:
                found.append(case)

        with_seed(zlib.crc32(name.encode()) ^ seed)(collect)()
        _CASES[key] = found
    return list(always) + [case for case in _CASES[key] if case not in always]


def size(case) -> int:
    """How big a case is, to report the simplest failing one: the sum of its numbers."""
    if isinstance(case, dict):
        return sum(size(v) for v in case.values())
    if isinstance(case, (list, tuple)):
        return sum(size(v) for v in case) + len(case)
    if isinstance(case, bool) or case is None:
        return 0
    if isinstance(case, numbers.Number):
        return abs(int(case))
    return 0


def check_cases(cases, check) -> None:
    """Run ``check(case)`` (None when right, else a message) on every case; fail with the
    message of the simplest failing case, saying how many failed."""
    failures = [(size(c), n, msg) for n, c in enumerate(cases) if (msg := check(c))]
    if failures:
        _, _, message = min(failures)
        more = f" ({len(failures)} of the {len(cases)} cases tried are wrong)" if len(failures) > 1 else ""
        fail(message + more)


# ---- messages --------------------------------------------------------------------------
def whole_number_problem(got) -> str | None:
    """Why ``got`` is not a whole number (an int, or a float with a whole value), or None."""
    if got is None:
        return "returned None (did you forget the return statement?)"
    if isinstance(got, bool):
        return f"returned the boolean {got}, expected a whole number"
    if isinstance(got, numbers.Integral):
        return None
    if isinstance(got, numbers.Real):
        if not math.isfinite(got):
            return f"returned {got}"
        if float(got) != int(got):
            return f"returned {got}, which is not a whole number (use floor division // or math.floor)"
        return None
    if isinstance(got, np.ndarray):
        return f"returned a numpy array of shape {got.shape}, expected a single whole number"
    return f"returned a {type(got).__name__}, expected a single whole number"


def length_problem(got, expected: int, what: str, variants: dict | None = None) -> str | None:
    """None when ``got`` equals ``expected`` (an int or an integral float), else the message:
    "<what>: expected 4, got 3", plus the diagnosis of a known mistake whose answer it is."""
    problem = whole_number_problem(got)
    if problem:
        return f"{what}: {problem}"
    if got == expected:
        return None
    text = f"{what}: expected {expected}, got {int(got) if float(got).is_integer() else got}"
    return text + diagnoses(got, expected, variants)


def diagnoses(got, expected, variants: dict | None) -> str:
    """The " (diagnosis)" of the known mistakes whose answer ``got`` is (all, when two give it)."""
    found = [d for d, value in (variants or {}).items() if value is not None and value == got and value != expected]
    if not found:
        return ""
    also = "".join(f"; the same answer also comes from this mistake: {d}" for d in found[1:])
    return f" ({found[0]}{also})"


def expect_length(got, expected: int, what: str, variants: dict | None = None) -> None:
    fail_if(length_problem(got, expected, what, variants))


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def ask(student, what: str, name: str, *args, **kwargs):
    """``student.call(name, *args, **kwargs)``; if it raises, hangs or crashes, fail saying on which case."""
    try:
        return student.call(name, *args, **kwargs)
    except StudentError as error:
        raise StudentError(f"{what}: {error}") from None


def call_text(name: str, *args, **kwargs) -> str:
    inside = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{name}({', '.join(inside)})"
