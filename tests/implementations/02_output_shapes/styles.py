"""Other CORRECT ways to write the exercises: each must pass every hidden check of its exercise.

``<exercise>__<style>`` is sent as the notebook's cell for <exercise> (renamed),
the reference fills the other cells. ``R.name`` calls a reference function or
helper; it is copied into the cell.
"""

import math

import numpy as np

from . import reference as R


# ---- conv_output_length ------------------------------------------------------------------
def conv_output_length__math_floor(i, k, s=1, p=0, d=1):
    """math.floor of a true division (an int in Python 3)."""
    k_eff = k + (k - 1) * (d - 1)
    return math.floor((i + 2 * p - k_eff) / s) + 1


def conv_output_length__loop(i, k, s=1, p=0, d=1):
    """Slides the dilated window over the padded input and counts where it fits."""
    span, count, start = (k - 1) * d + 1, 0, 0
    while start + span <= i + 2 * p:
        count += 1
        start += s
    return count


def conv_output_length__numpy(i, k, s=1, p=0, d=1):
    """np.floor_divide: a numpy int64 comes back."""
    return np.floor_divide(np.int64(i + 2 * p - d * (k - 1) - 1), s) + 1


# ---- same_padding ------------------------------------------------------------------------
def same_padding__list(i, k, s=1, d=1):
    """math.ceil for the output length, a list [before, after]."""
    total = max((math.ceil(i / s) - 1) * s + (k - 1) * d + 1 - i, 0)
    before = total // 2
    return [before, total - before]


def same_padding__search(i, k, s=1, d=1):
    """The smallest total that gives ceil(i / s) outputs, found by trying 0, 1, 2..."""
    target, total = -(-i // s), 0
    while R.conv_output_length(i + total, k, s, 0, d) < target:
        total += 1
    return total // 2, total - total // 2


def same_padding__numpy(i, k, s=1, d=1):
    """np.ceil floats converted back to ints."""
    out = int(np.ceil(i / s))
    total = int(np.maximum((out - 1) * s + (k - 1) * d + 1 - i, 0))
    return int(np.floor(total / 2)), int(np.ceil(total / 2))


# ---- pool_output_length ------------------------------------------------------------------
def pool_output_length__via_conv(i, k, s=None, padding="valid"):
    """A pooling window slides like a kernel: reuse the convolution's length."""
    if s is None:
        s = k
    if padding == "same":
        return math.ceil(i / s)
    return R.conv_output_length(i, k, s)


def pool_output_length__loop(i, k, s=None, padding="valid"):
    """Counts the window starts; 'same' keeps every start inside the input."""
    s = s or k
    starts = range(0, i, s) if padding == "same" else range(0, i - k + 1, s)
    return len(starts)


# ---- conv_transpose_output_length --------------------------------------------------------
def conv_transpose_output_length__notebook(i, k, s=1, padding="valid", output_padding=None, d=1):
    """The four cases as the notebook writes them, with max(k_eff, s)."""
    k_eff = k + (k - 1) * (d - 1)
    if padding == "valid":
        return (i - 1) * s + (max(k_eff, s) if output_padding is None else k_eff + output_padding)
    return i * s if output_padding is None else (i - 1) * s + k_eff % 2 + output_padding


def conv_transpose_output_length__scatter(i, k, s=1, padding="valid", output_padding=None, d=1):
    """Scatters a copy of the kernel at every j * s, then crops or pads like Keras."""
    k_eff = (k - 1) * d + 1
    scatter = np.zeros((i - 1) * s + k_eff)
    for j in range(i):
        scatter[j * s:j * s + k_eff] += 1
    full = len(scatter)
    if output_padding is None:
        return max(full, i * s) if padding == "valid" else i * s
    return full - (2 * (k_eff // 2) if padding == "same" else 0) + output_padding


# ---- conv_params / conv_transpose_params / dense_params ----------------------------------
def conv_params__numpy_prod(kernel_size, in_channels, filters, use_bias=True):
    """np.prod of the kernel's shape; np.atleast_1d makes an int a 1-D kernel."""
    weights = np.prod(np.atleast_1d(kernel_size)) * in_channels * filters
    return int(weights + filters * bool(use_bias))


def conv_params__kernel_shape(kernel_size, in_channels, filters, use_bias=True):
    """Builds Keras's kernel shape (k..., in, filters) and counts it."""
    sizes = (kernel_size,) if isinstance(kernel_size, int) else tuple(kernel_size)
    return math.prod(sizes + (in_channels, filters)) + (filters if use_bias else 0)


def conv_transpose_params__kernel_shape(kernel_size, in_channels, filters, use_bias=True):
    """Keras's transposed kernel shape (k..., filters, in) and a bias per filter."""
    sizes = (kernel_size,) if isinstance(kernel_size, int) else tuple(kernel_size)
    kernel_shape = sizes + (filters, in_channels)
    return math.prod(kernel_shape) + (kernel_shape[-2] if use_bias else 0)


def dense_params__shapes(n_in, n_out, use_bias=True):
    """Counts the kernel (n_in, n_out) and the bias (n_out,) as numpy shapes."""
    shapes = [(n_in, n_out)] + ([(n_out,)] if use_bias else [])
    return sum(int(np.prod(shape)) for shape in shapes)


# ---- summarize ---------------------------------------------------------------------------
def _dt_axes(value, rank):
    """An int, a list or a tuple as one value per spatial axis."""
    return [value] * rank if value is None or np.ndim(value) == 0 else list(value)


def _dt_conv(layer, shape):
    """Conv and transposed conv layers of either rank."""
    rank = 2 if "2D" in layer["type"] else 1
    if len(shape) != rank + 1:
        raise ValueError("wrong input rank")
    ks, ss = _dt_axes(layer["kernel_size"], rank), _dt_axes(layer.get("strides", 1), rank)
    ds, ops = _dt_axes(layer.get("dilation_rate", 1), rank), _dt_axes(layer.get("output_padding"), rank)
    padding = layer.get("padding", "valid")
    if layer["type"].endswith("Transpose"):
        out = [R.conv_transpose_output_length(n, k, s, padding, o, d)
               for n, k, s, o, d in zip(shape, ks, ss, ops, ds)]
    elif padding == "same":
        out = [math.ceil(n / s) for n, s in zip(shape, ss)]
    else:
        out = [R.conv_output_length(n, k, s, 0, d) for n, k, s, d in zip(shape, ks, ss, ds)]
    params = math.prod(ks) * shape[-1] * layer["filters"] + layer["filters"] * layer.get("use_bias", True)
    return out + [layer["filters"]], params


def _dt_pool(layer, shape):
    """Max and average pooling of either rank."""
    rank = int(layer["type"][-2])
    if len(shape) != rank + 1:
        raise ValueError("wrong input rank")
    pools = _dt_axes(layer.get("pool_size", 2), rank)
    strides = pools if layer.get("strides") is None else _dt_axes(layer["strides"], rank)
    out = [R.pool_output_length(n, k, s, layer.get("padding", "valid")) for n, k, s in zip(shape, pools, strides)]
    return out + [shape[-1]], 0


def _dt_zero_padding(layer, shape):
    """ZeroPadding1D / 2D in all of Keras's forms."""
    rank = int(layer["type"][-2])
    if len(shape) != rank + 1:
        raise ValueError("wrong input rank")
    pad = layer.get("padding", 1)
    if np.ndim(pad) == 0:
        extra = [2 * pad] * rank
    elif rank == 1:
        extra = [sum(pad)]
    else:
        extra = [2 * p if np.ndim(p) == 0 else sum(p) for p in pad]
    return [n + e for n, e in zip(shape, extra)] + [shape[-1]], 0


def _dt_flatten(layer, shape):
    """Everything in one axis."""
    return [math.prod(shape)], 0


def _dt_dense(layer, shape):
    """Dense on the last axis."""
    return list(shape[:-1]) + [layer["units"]], R.dense_params(shape[-1], layer["units"], layer.get("use_bias", True))


def _dt_reshape(layer, shape):
    """Reshape, with -1 for one axis."""
    size, target = math.prod(shape), list(layer["target_shape"])
    if -1 in target:
        target[target.index(-1)] = size // -math.prod(target)
    if math.prod(target) != size:
        raise ValueError("sizes differ")
    return target, 0


def summarize__dispatch_table(layers, input_shape):
    """A dict from layer type to the function that computes its output shape and parameters."""
    table = {"Conv1D": _dt_conv, "Conv2D": _dt_conv, "Conv1DTranspose": _dt_conv, "Conv2DTranspose": _dt_conv,
             "MaxPooling1D": _dt_pool, "MaxPooling2D": _dt_pool, "AveragePooling1D": _dt_pool,
             "AveragePooling2D": _dt_pool, "ZeroPadding1D": _dt_zero_padding, "ZeroPadding2D": _dt_zero_padding,
             "Flatten": _dt_flatten, "Dense": _dt_dense, "Reshape": _dt_reshape}
    shape, rows = list(input_shape), []
    for n, layer in enumerate(layers):
        try:
            shape, params = table[layer["type"]](layer, shape)
        except ValueError as error:
            raise ValueError(f"layers[{n}]: {error}") from None
        if min(shape) < 1:
            raise ValueError(f"layers[{n}] gives an empty output {shape}")
        rows.append((layer["type"], tuple(shape), params))
    return rows


def summarize__keras(layers, input_shape):
    """Builds each layer with Keras itself (slow first call: Keras is imported)."""
    import keras

    shape, rows = tuple(input_shape), []
    for n, spec in enumerate(layers):
        arguments = {k: v for k, v in spec.items() if k != "type"}
        try:
            layer = getattr(keras.layers, spec["type"])(**arguments)
            output = layer(keras.KerasTensor((None, *shape)))
        except Exception as error:  # noqa: BLE001 - Keras raises several kinds
            raise ValueError(f"Keras cannot build layer {n} ({spec['type']}): {error}") from None
        shape = tuple(output.shape[1:])
        rows.append((spec["type"], shape, layer.count_params()))
    return rows


def summarize__lists(layers, input_shape):
    """The reference's rows as lists: [type, [sizes...], params]."""
    return [[kind, list(shape), params] for kind, shape, params in R.summarize(layers, input_shape)]


# ---- course_models -----------------------------------------------------------------------
def course_models__lists():
    """Lists instead of tuples, Keras's aliases, activations, and Reshape((1, 5, 24)) for the -1."""
    relu = {"activation": "relu"}
    return {
        "har_conv1d": [[80, 3], [
            {"type": "Conv1D", "filters": 100, "kernel_size": 10, **relu},
            {"type": "Conv1D", "filters": 100, "kernel_size": 12, **relu},
            {"type": "MaxPool1D", "pool_size": 3},
            {"type": "Conv1D", "filters": 160, "kernel_size": 10, **relu},
            {"type": "Conv1D", "filters": 160, "kernel_size": [10], **relu}]],
        "conditioning": [[40, 6], [{"type": "Conv1D", "filters": 6, "kernel_size": 5, "strides": 2,
                                    "padding": "same", **relu} for _ in range(4)]
                         + [{"type": "Flatten"}, {"type": "Dense", "units": 6, **relu}]],
        "simulator": [[24], [
            {"type": "Dense", "units": 120, **relu, "input_shape": [24]},
            {"type": "Reshape", "target_shape": [5, 24]},
            {"type": "Reshape", "target_shape": [1, 5, 24]},
            {"type": "Conv2DTranspose", "filters": 12, "kernel_size": [1, 5], "strides": [1, 2], "padding": "same"},
            {"type": "Conv2DTranspose", "filters": 6, "kernel_size": [1, 5], "strides": [1, 2], "padding": "same"},
            {"type": "Reshape", "target_shape": [20, 6]}]],
        "discriminator": [[60, 6], [{"type": "Conv1D", "filters": 12 * 2 ** n, "kernel_size": 5, "strides": 2,
                                     "padding": "same", **relu} for n in range(5)] + [{"type": "Flatten"}]],
        "lenet5": [[32, 32, 1], [
            {"type": "Conv2D", "filters": 6, "kernel_size": [5, 5], "padding": "valid", **relu},
            {"type": "MaxPool2D", "pool_size": 2},
            {"type": "Conv2D", "filters": 16, "kernel_size": 5, "padding": "valid", **relu},
            {"type": "MaxPool2D", "pool_size": [2, 2]},
            {"type": "Flatten"},
            {"type": "Dense", "units": 120, **relu},
            {"type": "Dense", "units": 84, **relu},
            {"type": "Dense", "units": 10, "activation": "softmax"}]],
        "upsampling_generator": [[100], [
            {"type": "Dense", "units": 128 * 5 * 5, "input_dim": 100},
            {"type": "Reshape", "target_shape": [5, 5, 128]},
            {"type": "Conv2DTranspose", "filters": 1, "kernel_size": [3, 3], "strides": [2, 2],
             "padding": "same", "name": "to_image"}]],
    }


def course_models__simulator_one_reshape():
    """The simulator without its redundant first Reshape((5, 24)): same weights, same output."""
    models = R.course_models()
    shape, layers = models["simulator"]
    models["simulator"] = (shape, [layers[0], {"type": "Reshape", "target_shape": (1, 5, 24)}] + layers[3:])
    return models
