"""Stacks of layers for the summarize checks: hypothesis strategies, and stacks in words.

The strategies keep a running shape with the course's formulas only to choose
arguments that fit (a "valid" kernel no longer than its input, lengths that
stay small); whether a stack is possible, and what it gives, always comes from
Keras 3's rules (shapes_oracle.summary, which tests/test_shapes_oracle.py holds
to Keras itself).
"""

from __future__ import annotations

import math

import shapes_oracle as O
from hypothesis import strategies as st

MAX_LENGTH = 120  # no transposed layer on longer inputs: keeps the shapes readable


def _conv_len(n, k, s, padding, d=1):
    return math.ceil(n / s) if padding == "same" else (n - (k - 1) * d - 1) // s + 1


def _transposed_len(n, k, s, padding, op, d=1):
    ke = (k - 1) * d + 1
    if op is None:
        return n * s + max(ke - s, 0) if padding == "valid" else n * s
    return (n - 1) * s + ke - (2 * (ke // 2) if padding == "same" else 0) + op


def _per_axis(draw, values, rank, tuple_ok=True):
    """An int (the same on every axis) or, sometimes, a tuple with one value per axis."""
    if rank > 1 and tuple_ok and draw(st.booleans()):
        return tuple(draw(st.sampled_from(values)) for _ in range(rank))
    return draw(st.sampled_from(values))


def _axes(value, rank):
    return (value,) * rank if isinstance(value, int) or value is None else tuple(value)


def _maybe(draw, layer: dict, key: str, value, default):
    """Put `key` in the layer, or leave it out when it equals Keras's default (sometimes)."""
    if value != default or draw(st.booleans()):
        layer[key] = value


@st.composite
def conv_layer(draw, shape, transposed=False):
    rank = len(shape) - 1
    kind = f"Conv{rank}D" + ("Transpose" if transposed else "")
    spatial = shape[:-1]
    padding = draw(st.sampled_from(["valid", "same"]))
    dilated = draw(st.integers(0, 4)) == 0
    strides = 1 if dilated else _per_axis(draw, [1, 1, 2, 3], rank)
    dilation = draw(st.sampled_from([2, 3])) if dilated else 1
    top = [7 if (padding == "same" or transposed) else min(7, (n - 1) // dilation + 1) for n in spatial]
    kernel = tuple(draw(st.integers(1, t)) for t in top)
    if rank == 1 or (len(set(kernel)) == 1 and draw(st.booleans())):  # an int: the same on every axis
        kernel = kernel[0]
    layer = {"type": kind, "filters": draw(st.integers(1, 16)), "kernel_size": kernel}
    _maybe(draw, layer, "strides", strides, 1)
    _maybe(draw, layer, "padding", padding, "valid")
    ops = None
    if transposed and any(s > 1 for s in _axes(strides, rank)) and draw(st.booleans()):
        ops = tuple(draw(st.integers(0, s - 1)) for s in _axes(strides, rank))
        if any(O.transposed_crashes(k, padding, op, dilation) for k, op in zip(_axes(kernel, rank), ops)):
            ops = None
        elif rank == 1 or len(set(ops)) == 1 and draw(st.booleans()):
            ops = ops[0]
        if ops is not None:
            layer["output_padding"] = ops
    _maybe(draw, layer, "dilation_rate", dilation, 1)
    if draw(st.integers(0, 3)) == 0:
        layer["use_bias"] = draw(st.booleans())
    ks, ss, os_ = _axes(kernel, rank), _axes(strides, rank), _axes(ops, rank)
    if transposed:
        out = [_transposed_len(n, k, s, padding, op, dilation) for n, k, s, op in zip(spatial, ks, ss, os_)]
    else:
        out = [_conv_len(n, k, s, padding, dilation) for n, k, s in zip(spatial, ks, ss)]
    return layer, (*out, layer["filters"])


@st.composite
def pool_layer(draw, shape):
    rank = len(shape) - 1
    kind = draw(st.sampled_from(["MaxPooling", "AveragePooling"])) + f"{rank}D"
    padding = draw(st.sampled_from(["valid", "same"]))
    spatial = shape[:-1]
    pool = tuple(draw(st.integers(1, 4 if padding == "same" else min(4, n))) for n in spatial)
    pool = pool[0] if rank == 1 or (len(set(pool)) == 1 and draw(st.booleans())) else pool
    strides = None if draw(st.booleans()) else _per_axis(draw, [1, 2, 3], rank)
    layer = {"type": kind}
    if kind.startswith("Average") or pool != 2 or draw(st.booleans()):  # AveragePooling has no default pool_size
        layer["pool_size"] = pool
    _maybe(draw, layer, "strides", strides, None)
    _maybe(draw, layer, "padding", padding, "valid")
    ss = _axes(strides, rank) if strides is not None else _axes(pool, rank)
    out = [_conv_len(n, k, s, padding) for n, k, s in zip(spatial, _axes(pool, rank), ss)]
    return layer, (*out, shape[-1])


@st.composite
def zero_padding_layer(draw, shape):
    rank = len(shape) - 1
    form = draw(st.sampled_from(["default", "int", "pair", "pairs"][:3 if rank == 1 else 4]))
    layer = {"type": f"ZeroPadding{rank}D"}
    if form == "default":
        pads = ((1, 1),) * rank
    elif form == "int":
        p = draw(st.integers(0, 3))
        layer["padding"], pads = p, ((p, p),) * rank
    elif form == "pair" and rank == 1:
        pads = ((draw(st.integers(0, 3)), draw(st.integers(0, 3))),)
        layer["padding"] = pads[0]
    elif form == "pair":  # ZeroPadding2D((a, b)): a rows above and below, b columns left and right
        a, b = draw(st.integers(0, 3)), draw(st.integers(0, 3))
        layer["padding"], pads = (a, b), ((a, a), (b, b))
    else:
        pads = tuple((draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in range(rank))
        layer["padding"] = pads
    return layer, (*(n + a + b for n, (a, b) in zip(shape[:-1], pads)), shape[-1])


@st.composite
def body(draw, shape, n_layers):
    """Up to n_layers layers of the shape's rank that Keras can build on `shape`."""
    layers = []
    for _ in range(n_layers):
        kinds = ["conv", "conv", "pool", "zero_padding"]
        if max(shape[:-1]) <= MAX_LENGTH:
            kinds.append("transposed")
        kind = draw(st.sampled_from(kinds))
        if kind == "conv":
            layer, new = draw(conv_layer(shape))
        elif kind == "transposed":
            layer, new = draw(conv_layer(shape, transposed=True))
        elif kind == "pool":
            layer, new = draw(pool_layer(shape))
        else:
            layer, new = draw(zero_padding_layer(shape))
        if min(new) < 1:
            break
        layers.append(layer)
        shape = new
    return layers, shape


@st.composite
def head(draw, shape):
    """How a stack ends: nothing, Flatten + Dense (+ Dense), or a Reshape."""
    size = math.prod(shape)
    end = draw(st.sampled_from(["none", "dense", "dense", "reshape"]))
    if end == "dense":
        layers = [{"type": "Flatten"}]
        for _ in range(draw(st.integers(1, 2))):
            dense = {"type": "Dense", "units": draw(st.integers(1, 32))}
            if draw(st.integers(0, 3)) == 0:
                dense["use_bias"] = draw(st.booleans())
            layers.append(dense)
        return layers
    if end == "reshape":
        target = draw(st.sampled_from([(size,), tuple(reversed(shape)), (*shape, 1), (shape[0], size // shape[0])]))
        return [{"type": "Reshape", "target_shape": target}]
    return []


@st.composite
def stack(draw, rank):
    """(input_shape, layers): a possible stack of `rank`-D layers (channels last)."""
    spatial = tuple(draw(st.integers(6, 40 if rank == 1 else 24)) for _ in range(rank))
    shape = (*spatial, draw(st.integers(1, 8)))
    layers, out = draw(body(shape, draw(st.integers(1, 4))))
    return shape, tuple(layers + draw(head(out)))


#: How a stack can be impossible (the summarize contract's three kinds).
IMPOSSIBLE = ("too small", "reshape", "rank")


@st.composite
def impossible_stack(draw):
    """(input_shape, layers, index, why): a stack whose layer `index` cannot be built."""
    rank = draw(st.sampled_from([1, 2]))
    spatial = tuple(draw(st.integers(4, 20)) for _ in range(rank))
    input_shape = (*spatial, draw(st.integers(1, 4)))
    layers, shape = draw(body(input_shape, draw(st.integers(0, 3))))
    why = draw(st.sampled_from(IMPOSSIBLE))
    rank = len(shape) - 1
    if why == "too small":
        axis = draw(st.integers(0, rank - 1))
        big = shape[axis] + draw(st.integers(1, 3))
        kernel = tuple(big if a == axis else 1 for a in range(rank))
        if draw(st.booleans()):
            bad = {"type": f"Conv{rank}D", "filters": draw(st.integers(1, 8)),
                   "kernel_size": kernel[0] if rank == 1 else kernel}
        else:
            bad = {"type": f"{draw(st.sampled_from(['MaxPooling', 'AveragePooling']))}{rank}D",
                   "pool_size": kernel[0] if rank == 1 else kernel}
    elif why == "reshape":
        size = math.prod(shape)
        bad = {"type": "Reshape", "target_shape": draw(st.sampled_from(
            [(size + 1,), (shape[0] + 1, *shape[1:]), (size, 2)]))}
    else:
        other = 3 - rank
        bad = draw(st.sampled_from([
            {"type": f"Conv{other}D", "filters": 4, "kernel_size": 1},
            {"type": f"MaxPooling{other}D"},
            {"type": f"ZeroPadding{other}D"},
            {"type": f"Conv{other}DTranspose", "filters": 2, "kernel_size": 1}]))
        if draw(st.booleans()):  # or: a convolution after Flatten
            layers, bad = layers + [{"type": "Flatten"}], {"type": f"Conv{rank}D", "filters": 2, "kernel_size": 1}
    suffix = [{"type": "Flatten"}, {"type": "Dense", "units": 3}][:draw(st.integers(0, 2))]
    return input_shape, tuple(layers + [bad] + suffix), len(layers), why


# ---- in words --------------------------------------------------------------------------
def layer_text(layer: dict) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in layer.items() if k != "type")
    return f"{layer['type']}({args})"


def stack_text(input_shape, layers) -> str:
    return " -> ".join([f"input {tuple(input_shape)}"] + [layer_text(d) for d in layers])
