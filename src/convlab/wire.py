"""Values as plain data, for the pipe between the trusted grader and the worker.

Nothing that crosses is ever unpickled: arrays travel as ``.npy`` bytes loaded
with ``allow_pickle=False`` (so an ``object`` array or an ndarray subclass
cannot smuggle code or a rigged ``__eq__``), numbers and strings as JSON, and
callables as :class:`convlab.functions.Function` descriptions. Tuples and lists
are tagged so that ``stride=(2, 1)`` reaches the student as a tuple. Objects
that cannot be plain data (a Keras model, a ``History``) stay in the worker;
the grader holds a :class:`Handle` naming them and passes it back as an argument.
"""

from __future__ import annotations

import base64
import io
import json
import math
from dataclasses import dataclass

import numpy as np

from convlab.functions import Function

#: Nesting deeper than this is refused rather than walked.
MAX_DEPTH = 16


class WireError(ValueError):
    """A value that cannot cross the sandbox boundary, with a reason a student understands."""


@dataclass(frozen=True)
class Handle:
    """An object kept in the worker (e.g. the model a student's ``build_lenet`` returned).

    ``worker`` numbers the worker process that holds it: a handle does not
    survive the worker, and the grader says so instead of calling a stranger.
    """

    key: str
    worker: int = 0
    what: str = ""   # for messages: "the result of build_lenet"
    kind: str = ""   # its type, as the worker reported it: "a keras...Sequential"


def describe(value) -> str:
    """A short human name for the type of ``value``, for messages."""
    if isinstance(value, np.ndarray):
        return f"a numpy array of dtype {value.dtype}"
    return f"a {type(value).__module__}.{type(value).__qualname__}".replace("a builtins.", "a ")


def encode(value, depth: int = 0):
    """Turn ``value`` into JSON-able data, or raise :class:`WireError`."""
    if depth > MAX_DEPTH:
        raise WireError("the value is nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return {"float": repr(value)} if not math.isfinite(value) else value
    if isinstance(value, np.generic) and not isinstance(value, np.void):
        if value.dtype.kind in "biuf":
            return encode(value.item(), depth + 1)
        raise WireError(f"returned {describe(value)}, not a real number")
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise WireError("returned a numpy array of Python objects (dtype=object), not numbers")
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(value).view(np.ndarray), allow_pickle=False)
        return {"array": base64.b64encode(buffer.getvalue()).decode("ascii")}
    if isinstance(value, Function):
        return {"function": value.to_json()}
    if isinstance(value, Handle):
        return {"handle": value.key}
    if isinstance(value, (tuple, list)):
        tag = "tuple" if isinstance(value, tuple) else "list"
        return {tag: [encode(item, depth + 1) for item in value]}
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise WireError("returned a dict whose keys are not all strings")
        return {"dict": {key: encode(item, depth + 1) for key, item in value.items()}}
    if hasattr(value, "__array__") and depth < MAX_DEPTH:
        # A tensor (TensorFlow, Keras, JAX) is an array by another name: what a Keras layer returns.
        try:
            array = np.asarray(value)
        except Exception:  # the student's object may raise anything
            array = None
        if type(array) is np.ndarray:
            return encode(array, depth + 1)
    raise WireError(f"returned {describe(value)}, which is not a number, string or numpy array")


def decode(data, depth: int = 0):
    """Inverse of :func:`encode`; strict, since the data may come from the student's side."""
    if depth > MAX_DEPTH:
        raise WireError("the value is nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        raise WireError("untagged list in message")
    if not isinstance(data, dict) or len(data) != 1:
        raise WireError("malformed value in message")
    (tag, payload), = data.items()
    if tag == "float":
        return float(payload)
    if tag == "array":
        array = np.load(io.BytesIO(base64.b64decode(payload, validate=True)), allow_pickle=False)
        if type(array) is not np.ndarray:
            raise WireError("malformed array in message")
        return array
    if tag == "function":
        return Function.from_json(payload)
    if tag == "handle":
        return Handle(str(payload))
    if tag in ("tuple", "list"):
        items = [decode(item, depth + 1) for item in payload]
        return tuple(items) if tag == "tuple" else items
    if tag == "dict":
        return {str(key): decode(item, depth + 1) for key, item in payload.items()}
    raise WireError(f"unknown value tag {tag!r}")


def dumps(message: dict) -> bytes:
    """One message as one line of JSON."""
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def loads(line: bytes) -> dict:
    message = json.loads(line)
    if not isinstance(message, dict):
        raise WireError("a message is not a JSON object")
    return message
