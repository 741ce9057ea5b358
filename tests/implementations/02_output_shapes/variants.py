"""Realistic WRONG ways to write the exercises: each must fail exactly the hidden checks
tests/test_hidden_checks.py expects of it (WRONG_02 there), and pass the others.

``<exercise>__<mistake>`` is sent as the notebook's cell for <exercise> (renamed),
the reference fills the other cells. ``R.name`` calls a reference function or
helper; it is copied into the cell.
"""

import math

from . import reference as R


# ---- conv_output_length ------------------------------------------------------------------
def conv_output_length__padding_total(i, k, s=1, p=0, d=1):
    """Reads p as the total padding: the input grows by p instead of 2p."""
    return (i + p - (k - 1) * d - 1) // s + 1


def conv_output_length__ceil(i, k, s=1, p=0, d=1):
    """Rounds the division by the stride up."""
    return math.ceil((i + 2 * p - (k - 1) * d - 1) / s) + 1


def conv_output_length__no_dilation(i, k, s=1, p=0, d=1):
    """Forgets the dilation."""
    return (i + 2 * p - k) // s + 1


def conv_output_length__float(i, k, s=1, p=0, d=1):
    """Right value, but a float: (...) // s on a float true division."""
    return (i + 2 * p - (k - 1) * d - 1) / s // 1 + 1


# ---- same_padding ------------------------------------------------------------------------
def same_padding__extra_before(i, k, s=1, d=1):
    """Puts the odd zero before the input instead of after."""
    before, after = R.same_padding(i, k, s, d)
    return after, before


def same_padding__stride_ignored(i, k, s=1, d=1):
    """Uses the stride-1 total (k_eff - 1) whatever the stride."""
    total = (k - 1) * d
    return total // 2, total - total // 2


def same_padding__total_each_side(i, k, s=1, d=1):
    """Confuses per-side and total: the whole total on each side."""
    total = sum(R.same_padding(i, k, s, d))
    return total, total


def same_padding__not_clipped(i, k, s=1, d=1):
    """Forgets max(..., 0): a negative total when the stride skips past the end."""
    total = (math.ceil(i / s) - 1) * s + (k - 1) * d + 1 - i
    return total // 2, total - total // 2


def same_padding__floats(i, k, s=1, d=1):
    """Right values, as floats (math.ceil of a float division, then / 2)."""
    total = sum(R.same_padding(i, k, s, d))
    return math.floor(total / 2) * 1.0, math.ceil(total / 2) * 1.0


# ---- pool_output_length ------------------------------------------------------------------
def pool_output_length__default_stride_one(i, k, s=None, padding="valid"):
    """Takes a missing stride as 1 instead of the pool size."""
    return R.pool_output_length(i, k, 1 if s is None else s, padding)


def pool_output_length__ceil(i, k, s=None, padding="valid"):
    """Keeps the incomplete last window with 'valid' (ceil instead of floor)."""
    s = k if s is None else s
    if padding == "same":
        return math.ceil(i / s)
    return math.ceil((i - k) / s) + 1


def pool_output_length__same_as_valid(i, k, s=None, padding="valid"):
    """Ignores padding='same'."""
    s = k if s is None else s
    return (i - k) // s + 1


# ---- conv_transpose_output_length --------------------------------------------------------
def conv_transpose_output_length__textbook(i, k, s=1, padding="valid", output_padding=None, d=1):
    """The textbook (i - 1) * s + k for 'valid', even when the stride exceeds the kernel."""
    k = (k - 1) * d + 1
    if padding == "same":
        return i * s if output_padding is None else (i - 1) * s + k % 2 + output_padding
    return (i - 1) * s + k + (output_padding or 0)


def conv_transpose_output_length__ignores_output_padding(i, k, s=1, padding="valid", output_padding=None, d=1):
    """Treats every output_padding as None."""
    return R.conv_transpose_output_length(i, k, s, padding, None, d)


def conv_transpose_output_length__same_plus_op(i, k, s=1, padding="valid", output_padding=None, d=1):
    """'same' with output_padding as i * s + output_padding."""
    if padding == "same":
        return i * s + (output_padding or 0)
    return R.conv_transpose_output_length(i, k, s, padding, output_padding, d)


def conv_transpose_output_length__no_dilation(i, k, s=1, padding="valid", output_padding=None, d=1):
    """Forgets the dilation."""
    return R.conv_transpose_output_length(i, k, s, padding, output_padding, 1)


# ---- conv_params -------------------------------------------------------------------------
def conv_params__no_bias(kernel_size, in_channels, filters, use_bias=True):
    """Forgets the bias."""
    return R.conv_params(kernel_size, in_channels, filters, False)


def conv_params__bias_always(kernel_size, in_channels, filters, use_bias=True):
    """Ignores use_bias=False."""
    return R.conv_params(kernel_size, in_channels, filters, True)


def conv_params__int_squared(kernel_size, in_channels, filters, use_bias=True):
    """Takes an int kernel_size as a square k x k kernel."""
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    return R.conv_params(kernel_size, in_channels, filters, use_bias)


# ---- conv_transpose_params ---------------------------------------------------------------
def conv_transpose_params__kernel_layout(kernel_size, in_channels, filters, use_bias=True):
    """Keras's transposed kernel is (k, k, filters, in); one bias per its LAST axis (in_channels)."""
    sizes = (kernel_size,) if isinstance(kernel_size, int) else tuple(kernel_size)
    kernel_shape = sizes + (filters, in_channels)
    return math.prod(kernel_shape) + (kernel_shape[-1] if use_bias else 0)


def conv_transpose_params__no_bias(kernel_size, in_channels, filters, use_bias=True):
    """Forgets the bias."""
    return R.conv_transpose_params(kernel_size, in_channels, filters, False)


# ---- dense_params ------------------------------------------------------------------------
def dense_params__no_bias(n_in, n_out, use_bias=True):
    """Forgets the bias."""
    return n_in * n_out


def dense_params__bias_per_input(n_in, n_out, use_bias=True):
    """One bias per input instead of per output."""
    return n_in * n_out + (n_in if use_bias else 0)


# ---- summarize ---------------------------------------------------------------------------
def summarize__dense_flattens(layers, input_shape):
    """Dense flattens its input first (n_in = everything) instead of acting on the last axis."""
    shape, rows = tuple(input_shape), []
    for layer in layers:
        if layer["type"] == "Dense":
            n_in = math.prod(shape)
            shape, params = (layer["units"],), R.dense_params(n_in, layer["units"], layer.get("use_bias", True))
            rows.append(("Dense", shape, params))
        else:
            row = R.summarize([layer], shape)[0]
            shape = row[1]
            rows.append(row)
    return rows


def summarize__no_raise(layers, input_shape):
    """Never checks anything: empty sizes, wrong Reshapes and wrong ranks go through."""
    shape, rows = tuple(input_shape), []
    for layer in layers:
        kind = layer["type"]
        if kind == "Reshape":
            target = list(layer["target_shape"])
            if -1 in target:
                target[target.index(-1)] = math.prod(shape) // -math.prod(target)
            shape, params = tuple(target), 0
        elif kind in ("Flatten", "Dense"):
            shape, params = R._layer(layer, shape)
        else:
            rank = 2 if "2D" in kind else 1
            fitted = (tuple(shape[:rank]) + (1,) * rank)[:rank] + shape[-1:]
            shape, params = R._layer(layer, fitted)
        rows.append((kind, tuple(shape), params))
    return rows


def summarize__unnamed_error(layers, input_shape):
    """Raises ValueError on an impossible stack, but does not say which layer."""
    try:
        return R.summarize(layers, input_shape)
    except ValueError:
        raise ValueError("this stack cannot be built") from None


def summarize__transposed_textbook(layers, input_shape):
    """Transposed 'valid' layers as (i - 1) * s + k, also when the stride exceeds the kernel."""
    shape, rows = tuple(input_shape), []
    for layer in layers:
        kind, shape_in = layer["type"], shape
        shape, params = R.summarize([layer], shape)[0][1:]
        if kind.endswith("Transpose") and layer.get("padding", "valid") == "valid":
            rank = len(shape_in) - 1
            ks = R._axes(layer["kernel_size"], rank)
            ss = R._axes(layer.get("strides", 1), rank)
            ops = R._axes(layer.get("output_padding"), rank)
            ds = R._axes(layer.get("dilation_rate", 1), rank)
            shape = tuple((n - 1) * s + (k - 1) * d + 1 + (op or 0)
                          for n, k, s, op, d in zip(shape_in, ks, ss, ops, ds)) + shape[-1:]
        rows.append((kind, shape, params))
    return rows


def summarize__pool_stride_one(layers, input_shape):
    """Pooling layers without strides move by 1 instead of by the pool size."""
    fixed = [dict(layer, strides=1) if "Pooling" in layer["type"] and layer.get("strides") is None else layer
             for layer in layers]
    return R.summarize(fixed, input_shape)


def summarize__batch_dimension(layers, input_shape):
    """Keeps Keras's batch dimension: (None, 71, 100) instead of (71, 100)."""
    return [(kind, (None, *shape), params) for kind, shape, params in R.summarize(layers, input_shape)]


def summarize__refuses_everything(layers, input_shape):
    """Raises ValueError naming every layer, whatever the stack: refuses the impossible ones, summarizes none."""
    raise ValueError("cannot build " + ", ".join(f"layers[{n}] {layer['type']}" for n, layer in enumerate(layers)))


# ---- course_models -----------------------------------------------------------------------
def course_models__generator_valid():
    """Copies the course's second generator summary (first Conv2DTranspose 'valid': 11x11, then 22x22)."""
    models = R.course_models()
    models["upsampling_generator"] = ((100,), [
        {"type": "Dense", "units": 3200}, {"type": "Reshape", "target_shape": (5, 5, 128)},
        {"type": "Conv2DTranspose", "filters": 1, "kernel_size": 3, "strides": 2},
        {"type": "Conv2DTranspose", "filters": 1, "kernel_size": 3, "strides": 2, "padding": "same"}])
    return models


def course_models__lenet_same():
    """LeNet-5 with padding='same' convolutions."""
    models = R.course_models()
    shape, layers = models["lenet5"]
    models["lenet5"] = (shape, [dict(d, padding="same") if d["type"] == "Conv2D" else d for d in layers])
    return models


def course_models__no_simulator():
    """Leaves the simulator out."""
    models = R.course_models()
    del models["simulator"]
    return models


def course_models__har_without_pooling():
    """Forgets the MaxPooling1D of the (80, 3) stack."""
    models = R.course_models()
    shape, layers = models["har_conv1d"]
    models["har_conv1d"] = (shape, [d for d in layers if d["type"] != "MaxPooling1D"])
    return models


def course_models__conditioning_no_strides():
    """Writes the conditioning stack without strides=2 (its own summarize would agree with Keras)."""
    models = R.course_models()
    shape, layers = models["conditioning"]
    models["conditioning"] = (shape, [{k: v for k, v in d.items() if k != "strides"} for d in layers])
    return models
