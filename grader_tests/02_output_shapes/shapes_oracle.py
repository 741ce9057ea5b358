"""What the hidden checks of 02_output_shapes compare with: Keras 3's rules, and the cases to ask about.

Every expected length, "same" padding split, parameter count and layer summary
follows Keras 3's own rules for the layer types of ARGUMENTS, reimplemented here
in plain Python from Keras's source (3.15.1), so that grading imports neither Keras nor a
backend (they cost each grading process 370 MB and 4 s): the output lengths of
keras/src/ops/operation_utils.py (compute_conv_output_shape,
compute_pooling_output_shape) and backend/common/backend_utils.py (the
transposed lengths), the refusals of the layers' constructors
(argument_validation.standardize_tuple/standardize_padding, filters and units
above 0, output_padding below the stride, no stride above 1 together with a
dilation above 1) and input specs (the input rank), Dense on the last axis,
Flatten, Reshape (one -1 at most, the number of values kept) and ZeroPadding's
argument forms. tests/test_shapes_oracle.py holds all of it to real Keras
(TensorFlow backend): the grids of the length, padding and count questions, the
checks' own random stacks, and hypothesis-drawn stacks of whatever a student
might write; the same rows and parameter counts, the same layer refused.

The rules hold on a DOMAIN (_domain, _build): plain data (ints, strings, None,
True/False, tuples or lists of them) with ints of at most a million, and an input
of positive ints. Inside it are all the argument forms the course uses (ints or
tuples of ints per axis, padding names in any case and "causal" for Conv1D,
strides=None for pooling, output_padding None or ints, use_bias True/False,
Reshape with one -1, ZeroPadding as an int, a pair or a pair of pairs) and every
value of the per-axis sizes, padding and units that Keras refuses (a wrong number
of values, 0, negatives, None, strings, padding that is no padding name; pooling
takes exactly "valid" or "same"). Outside it: booleans where numbers go, use_bias
other than True/False, filters other than an int, a target_shape that is not a
non-empty tuple of ints, a negative ZeroPadding2D int (Keras crops with it),
layer types and arguments the summarize contract does not list, an output size of 0 (a
transposed "same" layer with an even kernel on a length of 1: Keras builds it,
TensorFlow cannot run it) or of 2**31 or more. A layer outside the domain is
refused by the oracle itself (Built.outside), with a reason for the student,
rather than answered with a guess at what Keras would do.

Results are cached per configuration: a class of 100 students costs each
configuration one computation.

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
import zlib
from typing import NamedTuple

import numpy as np

from convlab.diagnose import fail, fail_if
from convlab.student import StudentError

# ---- Keras 3's rules -------------------------------------------------------------------

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
#: Arguments that change nothing in the shapes or parameter counts (left out of the summary).
IGNORED = {"activation", "name", "input_shape", "input_dim", "kernel_initializer", "bias_initializer",
           "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
           "bias_constraint", "trainable"}

#: The domain's bounds: no argument of more than a million, no output size of 2**31 or more
#: (within them Keras's float arithmetic on sizes is exact, and so equal to the ints here).
LIMIT = 10**6
MAX_SIZE = 2**31 - 1


class Built(NamedTuple):
    """A stack as Keras builds it: one (type, output_shape, params) per layer, up to the first it refuses."""

    rows: tuple
    refused_at: int | None = None  # index of the first layer that cannot be built
    reason: str | None = None  # why, in words for the student
    outside: bool = False  # True: refused because the layer is outside the oracle's domain, not by Keras's rules

    @property
    def total(self) -> int:
        return sum(r[2] for r in self.rows)


class _Unplain:
    """A value that is not plain data (a float, a dict, a numpy number...): outside the domain."""

    def __init__(self, value):
        self.text = repr(value)[:60]

    def __eq__(self, other):
        return isinstance(other, _Unplain) and other.text == self.text

    def __hash__(self):
        return hash(self.text)

    def __repr__(self):
        return self.text


def _frozen(value):
    """Hashable form of an argument value: lists become tuples, anything but None, bools, ints,
    strings and lists/tuples of them an _Unplain."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return _Unplain(value)


class _Refused(Exception):
    """Keras refuses the layer (tests/test_shapes_oracle.py holds every such refusal to Keras's)."""


class _Outside(Exception):
    """The layer is outside the oracle's domain: refused without saying what Keras would do."""


def _int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ints(value) -> bool:
    """An int, or a tuple of ints."""
    return _int(value) or (isinstance(value, tuple) and all(_int(v) for v in value))


def _numbers(value):
    """Every number in a (nested) value."""
    if isinstance(value, tuple):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, (int, bool)):
        yield value


def _domain(kind: str, name: str, value) -> None:
    """Raise _Outside if argument ``name`` of ``kind`` has a value whose Keras rules the oracle does not have.

    Inside: any plain value of the sizes per axis (kernel_size, strides, dilation_rate,
    pool_size, output_padding, ZeroPadding's padding), padding and units, since Keras refuses
    all but its own forms of them and so do _axes, _pair, _conv, _pooling and _dense; filters
    an int; target_shape None, an int (both refused) or a non-empty tuple of ints; use_bias a
    bool. Outside: booleans where numbers go, numbers above LIMIT, values that are not plain
    data, a negative ZeroPadding2D int (Keras crops with it).
    """
    where = f"{name}={value!r}"
    if _has_unplain(value):
        raise _Outside(f"{where}: write ints, strings, True/False, None or tuples of them")
    if name == "use_bias":
        if not isinstance(value, bool):
            raise _Outside(f"{where}: use_bias is True or False")
        return
    if any(isinstance(v, bool) for v in _numbers(value)):
        raise _Outside(f"{where}: write a number as an int, not True or False")
    if any(abs(v) > LIMIT for v in _numbers(value)):
        raise _Outside(f"{where}: numbers above {LIMIT:,} are beyond what the grader checks")
    if name == "filters" and not _int(value):
        raise _Outside(f"{where}: filters is an int")
    if name == "target_shape" and not (value is None or _int(value) or (value and _ints(value))):
        raise _Outside(f"{where}: target_shape is a non-empty tuple of ints")
    if kind == "ZeroPadding2D" and _int(value) and value < 0:
        raise _Outside(f"{where}: a negative ZeroPadding2D crops (Keras allows that); zero padding adds 0 or "
                       "more zeros")


def _has_unplain(value) -> bool:
    if isinstance(value, _Unplain):
        return True
    return isinstance(value, tuple) and any(_has_unplain(v) for v in value)


def _axes(kind: str, name: str, value, rank: int, minimum: int) -> tuple:
    """Keras's standardize_tuple: an int on every axis or one int per axis, each at least ``minimum``."""
    values = (value,) * rank if _int(value) else value
    if not (isinstance(values, tuple) and len(values) == rank and all(_int(v) for v in values)):
        forms = "an int (or a tuple of one)" if rank == 1 else f"an int or {rank} ints, one per spatial axis"
        raise _Refused(f"{name}={value!r}: {kind} takes {forms}")
    if min(values) < minimum:
        raise _Refused(f"{name}={value!r}: each value must be at least {minimum}")
    return values


def _need_rank(kind: str, shape: tuple, rank: int) -> None:
    """Keras's input specs: a rank-``rank`` layer takes (spatial axes..., channels), batch left out."""
    if len(shape) != rank + 1:
        layout = "(length, channels)" if rank == 1 else "(height, width, channels)"
        axes = "1 axis" if len(shape) == 1 else f"{len(shape)} axes"
        raise _Refused(f"{kind} needs an input of shape {layout} (batch left out); its input {shape} has {axes}")


def _window(rank: int, size: tuple, what: str) -> str:
    return f"a {'x'.join(map(str, size))} {what}" if rank > 1 else f"a {what} of {size[0]}"


def _per_axis_text(name: str, values: tuple) -> str:
    return f"{name} {values[0]}" if len(set(values)) == 1 else f"{name} {values}"


def _too_small(shape, rank, window: str, strides, dilation, out) -> _Refused:
    extras = [_per_axis_text("stride", strides)] if max(strides) > 1 else []
    if dilation is not None and max(dilation) > 1:
        extras.append(_per_axis_text("dilation", dilation))
    how = f" ({', '.join(extras)})" if extras else ""
    return _Refused(f"on input {shape} {window}{how} with 'valid' padding leaves an output of size "
                    f"{'x'.join(map(str, out))}; every size must be at least 1")


def _conv(kind: str, args: dict, shape: tuple):
    """Conv1D/Conv2D and their transposes (base_conv.py, base_conv_transpose.py)."""
    rank, transposed = int(kind[4]), kind.endswith("Transpose")
    if "filters" not in args or "kernel_size" not in args:
        raise _Refused(f"{kind} needs the arguments filters and kernel_size")
    filters = args["filters"]
    kernel = _axes(kind, "kernel_size", args["kernel_size"], rank, 1)
    strides = _axes(kind, "strides", args.get("strides", 1), rank, 1)
    dilation = _axes(kind, "dilation_rate", args.get("dilation_rate", 1), rank, 1)
    names = ("valid", "same", "causal") if rank == 1 and not transposed else ("valid", "same")
    padding = args.get("padding", "valid")
    if not (isinstance(padding, str) and padding.lower() in names):
        raise _Refused(f"padding={padding!r}: {kind} takes padding {', '.join(map(repr, names[:-1]))} or "
                       f"{names[-1]!r} (in any case)")
    padding = padding.lower()
    output_padding = args.get("output_padding")
    if output_padding is not None:
        output_padding = _axes(kind, "output_padding", output_padding, rank, 0)
        if any(op >= s for op, s in zip(output_padding, strides)):
            raise _Refused(f"output_padding={args['output_padding']!r} with strides={args.get('strides', 1)!r}: "
                           "output_padding must be smaller than the stride on every axis")
    if filters < 1:
        raise _Refused(f"filters={filters}: a convolution needs at least 1 filter")
    if max(strides) > 1 and max(dilation) > 1:
        raise _Refused(f"strides={args.get('strides')!r} with dilation_rate={args.get('dilation_rate')!r}: Keras "
                       "does not take a stride above 1 together with a dilation above 1")
    _need_rank(kind, shape, rank)
    spatial, channels = shape[:-1], shape[-1]
    if transposed:
        out = []
        for n, k, s, d, op in zip(spatial, kernel, strides, dilation, output_padding or (None,) * rank):
            k = (k - 1) * d + 1  # the dilated kernel
            if padding == "valid":
                out.append((n - 1) * s + k + (max(k, s) - k if op is None else op))
            else:
                out.append(n * s if op is None else (n - 1) * s + k % 2 + op)
        if min(out) < 1:  # Keras builds it; TensorFlow cannot run it
            raise _Outside(f"on input {shape} this layer's output has size {'x'.join(map(str, out))} (TensorFlow "
                           "cannot run it); the grader does not follow a stack through an empty output")
    elif padding == "valid":
        out = [(n - (k - 1) * d - 1) // s + 1 for n, k, s, d in zip(spatial, kernel, strides, dilation)]
        if min(out) < 1:
            raise _too_small(shape, rank, _window(rank, kernel, "kernel"), strides, dilation, out)
    else:  # "same" and "causal": ceil(n / s)
        out = [(n - 1) // s + 1 for n, s in zip(spatial, strides)]
    params = math.prod(kernel) * channels * filters + (filters if args.get("use_bias", True) else 0)
    return (*out, filters), params


def _pooling(kind: str, args: dict, shape: tuple):
    """MaxPooling1D/2D and AveragePooling1D/2D (base_pooling.py, compute_pooling_output_shape)."""
    rank = int(kind[-2])
    if kind.startswith("Average") and "pool_size" not in args:
        raise _Refused(f"{kind} needs the argument pool_size")
    pool = _axes(kind, "pool_size", args.get("pool_size", 2), rank, 1)
    given = args.get("strides")
    strides = pool if given is None else _axes(kind, "strides", given, rank, 0)
    _need_rank(kind, shape, rank)
    padding = args.get("padding", "valid")
    if not (isinstance(padding, str) and padding in ("valid", "same")):
        raise _Refused(f"padding={padding!r}: pooling layers take padding 'valid' or 'same' (in lower case)")
    if min(strides) < 1:
        raise _Refused(f"strides={given!r}: a pooling stride must be at least 1")
    spatial = shape[:-1]
    if padding == "valid":
        out = [(n - k) // s + 1 for n, k, s in zip(spatial, pool, strides)]
        if min(out) < 1:
            raise _too_small(shape, rank, _window(rank, pool, "pool"), strides, None, out)
    else:
        out = [(n - 1) // s + 1 for n, s in zip(spatial, strides)]
    return (*out, shape[-1]), 0


def _dense(kind: str, args: dict, shape: tuple):
    """Dense (dense.py): on the last axis of an input of any rank."""
    if "units" not in args:
        raise _Refused("Dense needs the argument units")
    units = args["units"]
    if not _int(units) or units < 1:
        raise _Refused(f"units={units!r}: Dense needs a whole number of units, at least 1")
    params = shape[-1] * units + (units if args.get("use_bias", True) else 0)
    return (*shape[:-1], units), params


def _reshape(kind: str, args: dict, shape: tuple):
    """Reshape (reshape.py, compute_reshape_output_shape): the same number of values, one -1 at most."""
    if "target_shape" not in args:
        raise _Refused("Reshape needs the argument target_shape")
    target = args["target_shape"]
    where = f"target_shape={target!r}"
    if not isinstance(target, tuple):
        raise _Refused(f"{where}: Reshape takes a tuple of sizes, like (5, 24)")
    if min(target) < -1:
        raise _Refused(f"{where}: sizes are 0 or more, or -1 (once) for the size Keras works out")
    if target.count(-1) > 1:
        raise _Refused(f"{where}: only one size can be -1")
    size = math.prod(shape)
    if -1 not in target:
        if math.prod(target) != size:
            raise _Refused(f"{where} holds {math.prod(target):,} values and its input {shape} holds {size:,}; "
                           "a Reshape keeps the number of values")
        return target, 0
    known = -math.prod(target)
    if known == 0:
        raise _Refused(f"{where}: with a size of 0 no size for the -1 keeps the {size:,} values of its input {shape}")
    if size % known:
        raise _Refused(f"{where}: its input {shape} holds {size:,} values, not a whole number of {known:,} (the "
                       "product of the other sizes), so no size for the -1 keeps them")
    return tuple(size // known if v == -1 else v for v in target), 0


def _zero_padding(kind: str, args: dict, shape: tuple):
    """ZeroPadding1D/2D (zero_padding1d.py, zero_padding2d.py)."""
    rank = int(kind[-2])
    value = args.get("padding", 1)
    where = f"padding={value!r}"
    if rank == 1:
        pads = (_pair(kind, value, value),)
    elif _int(value):  # >= 0: the domain leaves negative ints out
        pads = ((value, value),) * 2
    elif not isinstance(value, tuple) or len(value) != 2:
        raise _Refused(f"{where}: ZeroPadding2D takes an int, a pair (rows, columns) or a pair of pairs "
                       "((top, bottom), (left, right))")
    else:
        pads = tuple(_pair(kind, value, v) for v in value)
    _need_rank(kind, shape, rank)
    return (*(n + a + b for n, (a, b) in zip(shape[:-1], pads)), shape[-1]), 0


def _pair(kind: str, whole, value) -> tuple:
    """Keras's standardize_tuple(value, 2, allow_zero=True): the zeros (before, after) on one axis."""
    values = (value, value) if _int(value) else value
    if not (isinstance(values, tuple) and len(values) == 2 and all(_int(v) for v in values)) or min(values) < 0:
        raise _Refused(f"padding={whole!r}: {kind} takes 0 or more zeros, as an int or a pair (before, after)"
                       + (" per axis" if kind.endswith("2D") else ""))
    return values


def _flatten(kind: str, args: dict, shape: tuple):
    return (math.prod(shape),), 0


_RULES = {"Conv1D": _conv, "Conv2D": _conv, "Conv1DTranspose": _conv, "Conv2DTranspose": _conv,
          "MaxPooling1D": _pooling, "MaxPooling2D": _pooling, "AveragePooling1D": _pooling,
          "AveragePooling2D": _pooling, "Flatten": _flatten, "Dense": _dense, "Reshape": _reshape,
          "ZeroPadding1D": _zero_padding, "ZeroPadding2D": _zero_padding}
assert set(_RULES) == set(ARGUMENTS)


def _layer(kind, args: dict, shape: tuple):
    """(output shape, parameters) of one layer on an input of ``shape`` (batch left out), or _Refused/_Outside."""
    canonical = ALIASES.get(kind, kind) if isinstance(kind, str) else None
    if canonical not in ARGUMENTS:
        raise _Outside(f"{kind!r} is not one of the layer types here: {', '.join(ARGUMENTS)}")
    for name, value in args.items():
        if name not in ARGUMENTS[canonical]:
            raise _Outside(f"{canonical} does not take the argument {name!r} here; its arguments are "
                           f"{', '.join(ARGUMENTS[canonical]) or 'none'}")
        _domain(canonical, name, value)
    out, params = _RULES[canonical](canonical, args, shape)
    if max(out) > MAX_SIZE:
        raise _Outside(f"on input {shape} the output would be {out}: sizes of 2**31 or more are beyond what the "
                       "grader checks")
    return tuple(out), params


_BUILT: dict = {}


def _summary(layers: tuple, input_shape: tuple) -> Built:
    """The summary of a stack given as ((type, ((argument, value), ...)), ...), values as _frozen gives them."""
    key = (repr(layers), input_shape)  # repr: True and 1 are equal keys of a dict, not the same argument
    if key not in _BUILT:
        _BUILT[key] = _build(layers, input_shape)
    return _BUILT[key]


def _build(layers: tuple, input_shape: tuple) -> Built:
    if not (input_shape and all(_int(n) and 1 <= n <= MAX_SIZE for n in input_shape)):
        raise ValueError(f"an input shape is a non-empty tuple of positive ints, got {input_shape!r}")
    shape, rows = input_shape, []
    for index, (kind, arguments) in enumerate(layers):
        try:
            shape, params = _layer(kind, dict(arguments), shape)
        except _Refused as refusal:
            return Built(tuple(rows), index, str(refusal))
        except _Outside as outside:
            return Built(tuple(rows), index, str(outside), outside=True)
        rows.append((kind, shape, params))
    return Built(tuple(rows))


def summary(layers, input_shape) -> Built:
    """Keras's summary of a stack given as the summarize contract's dicts (already checked)."""
    frozen = tuple((d["type"], tuple(sorted(((a, _frozen(v)) for a, v in d.items() if a != "type"),
                                            key=lambda item: str(item[0]))))
                   for d in layers)
    return _summary(frozen, tuple(int(n) for n in input_shape))


def _answer(built: Built, what: str):
    """The last row of a one-question stack; None where Keras refuses it."""
    if built.outside:
        raise ValueError(f"{what} is outside the oracle's domain: {built.reason}")
    return None if built.refused_at is not None else built.rows[-1]


@functools.cache
def conv_length(i: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int | None:
    """ZeroPadding1D(p) then Conv1D(kernel k, stride s, dilation d, valid); None where Keras refuses."""
    built = _summary((("ZeroPadding1D", (("padding", p),)),
                      ("Conv1D", (("dilation_rate", d), ("filters", 1), ("kernel_size", k), ("strides", s)))),
                     (i, 1))
    row = _answer(built, f"conv_length{(i, k, s, p, d)}")
    return None if row is None else row[1][0]


@functools.cache
def same_pads(i: int, k: int, s: int = 1, d: int = 1) -> tuple[int, int] | None:
    """The zeros TensorFlow adds before and after the input for Conv1D(padding="same").

    TensorFlow's rule (XLA's, JAX's): the smallest total that gives ceil(i / s) outputs,
    total = max((ceil(i / s) - 1) * s + (k - 1) * d + 1 - i, 0), the odd zero after:
    before = total // 2. None where Keras refuses the layer (k, s or d below 1, a stride
    above 1 with a dilation above 1) or no window reaches x, where the split cannot be
    observed: with d = 1 the first window always reaches it (before <= (k - 1) / 2); with
    s = 1 window j reads x[j + t * d - before] for the taps t, and one reaches x exactly when
    some t * d is less than i away from before = (k - 1) * d // 2, which fails only for an
    even k (before is then d // 2 past a multiple of d) with d // 2 >= i.
    tests/test_shapes_oracle.py holds it to where a real "same" convolution puts the zeros.
    """
    if not all(_int(v) for v in (i, k, s, d)) or i < 1:
        raise ValueError(f"same_pads{(i, k, s, d)}: the oracle takes ints and an input of at least 1")
    if min(k, s, d) < 1 or (s > 1 and d > 1):
        return None
    if s == 1 and k % 2 == 0 and d // 2 >= i:
        return None
    total = max((-(-i // s) - 1) * s + (k - 1) * d + 1 - i, 0)
    return total // 2, total - total // 2


@functools.cache
def pool_length(i: int, k: int, s: int | None = None, padding: str = "valid") -> int | None:
    """MaxPooling1D(pool_size=k, strides=s, padding); None where Keras refuses."""
    built = _summary((("MaxPooling1D", (("padding", padding), ("pool_size", k), ("strides", s))),), (i, 1))
    row = _answer(built, f"pool_length{(i, k, s, padding)}")
    return None if row is None else row[1][0]


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
    row = _answer(built, f"transpose_length{(i, k, s, padding, output_padding, d)}")
    return None if row is None else row[1][0]


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
