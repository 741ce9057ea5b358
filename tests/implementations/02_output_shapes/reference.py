"""The reference solution of 02_output_shapes, one function per exercise (plus helpers).

course_models() returns the notebook's COURSE_MODELS: its cell ends with
``COURSE_MODELS = course_models()`` (see tests/test_hidden_checks.py).
"""

import math


def conv_output_length(i, k, s=1, p=0, d=1):
    """Floor of what is left after the dilated kernel, divided by the stride, plus one."""
    return (i + 2 * p - (k - 1) * d - 1) // s + 1


def same_padding(i, k, s=1, d=1):
    """TensorFlow's rule: the smallest total that gives ceil(i / s) outputs, the extra zero after."""
    total = max((-(-i // s) - 1) * s + (k - 1) * d + 1 - i, 0)
    return total // 2, total - total // 2


def pool_output_length(i, k, s=None, padding="valid"):
    """A pooling window slides like a kernel; the stride defaults to the pool size."""
    s = k if s is None else s
    if padding == "same":
        return -(-i // s)
    return (i - k) // s + 1


def conv_transpose_output_length(i, k, s=1, padding="valid", output_padding=None, d=1):
    """Keras 3's deconv_output_length."""
    k = (k - 1) * d + 1
    if output_padding is None:
        return i * s + max(k - s, 0) if padding == "valid" else i * s
    crop = 2 * (k // 2) if padding == "same" else 0
    return (i - 1) * s + k - crop + output_padding


def _volume(kernel_size):
    """Number of kernel positions: an int is a 1-D kernel, a tuple one size per axis."""
    return kernel_size if isinstance(kernel_size, int) else math.prod(kernel_size)


def conv_params(kernel_size, in_channels, filters, use_bias=True):
    """Kernel (k..., in, filters) plus one bias per filter."""
    return _volume(kernel_size) * in_channels * filters + (filters if use_bias else 0)


def conv_transpose_params(kernel_size, in_channels, filters, use_bias=True):
    """Kernel (k..., filters, in) plus one bias per filter."""
    return _volume(kernel_size) * filters * in_channels + (filters if use_bias else 0)


def dense_params(n_in, n_out, use_bias=True):
    """Weights (n_in, n_out) plus one bias per output."""
    return n_in * n_out + (n_out if use_bias else 0)


def _axes(value, rank):
    """An int or a tuple as one value per spatial axis."""
    return (value,) * rank if isinstance(value, int) or value is None else tuple(value)


def _check_rank(shape, rank):
    """Refuse an input whose rank does not match the layer's."""
    if len(shape) != rank + 1:
        raise ValueError(f"needs an input of rank {rank + 1} (spatial axes and channels), got {shape}")


def _layer(layer, shape):
    """(output shape, params) of one layer on an input of `shape`; ValueError if impossible."""
    kind = layer["type"]
    if kind.startswith("Conv"):
        rank = int(kind[4])
        _check_rank(shape, rank)
        ks = _axes(layer["kernel_size"], rank)
        ss = _axes(layer.get("strides", 1), rank)
        ds = _axes(layer.get("dilation_rate", 1), rank)
        padding = layer.get("padding", "valid")
        filters, bias = layer["filters"], layer.get("use_bias", True)
        if kind.endswith("Transpose"):
            ops = _axes(layer.get("output_padding"), rank)
            out = [conv_transpose_output_length(n, k, s, padding, op, d)
                   for n, k, s, op, d in zip(shape, ks, ss, ops, ds)]
            params = conv_transpose_params(ks, shape[-1], filters, bias)
        else:
            out = [conv_output_length(n, k, s, 0, d) if padding == "valid" else -(-n // s)
                   for n, k, s, d in zip(shape, ks, ss, ds)]
            params = conv_params(ks, shape[-1], filters, bias)
        return (*out, filters), params
    if "Pooling" in kind:
        rank = int(kind[-2])
        _check_rank(shape, rank)
        pools = _axes(layer.get("pool_size", 2), rank)
        strides = layer.get("strides")
        ss = pools if strides is None else _axes(strides, rank)
        out = [pool_output_length(n, k, s, layer.get("padding", "valid")) for n, k, s in zip(shape, pools, ss)]
        return (*out, shape[-1]), 0
    if kind.startswith("ZeroPadding"):
        rank = int(kind[-2])
        _check_rank(shape, rank)
        pad = layer.get("padding", 1)
        if isinstance(pad, int):
            pads = ((pad, pad),) * rank
        elif rank == 1:
            pads = (tuple(pad),)
        else:
            pads = tuple((p, p) if isinstance(p, int) else tuple(p) for p in pad)
        return (*(n + a + b for n, (a, b) in zip(shape, pads)), shape[-1]), 0
    if kind == "Flatten":
        return (math.prod(shape),), 0
    if kind == "Dense":
        units = layer["units"]
        return (*shape[:-1], units), dense_params(shape[-1], units, layer.get("use_bias", True))
    if kind == "Reshape":
        target = list(layer["target_shape"])
        size = math.prod(shape)
        if -1 in target:
            known = -math.prod(target)
            if size % known:
                raise ValueError(f"cannot reshape {size} values to {tuple(target)}")
            target[target.index(-1)] = size // known
        if math.prod(target) != size:
            raise ValueError(f"cannot reshape {shape} ({size} values) to {tuple(target)}")
        return tuple(target), 0
    raise ValueError(f"unknown layer type {kind!r}")


def summarize(layers, input_shape):
    """One (type, output_shape, params) per layer; ValueError naming the layer that cannot be built."""
    shape, rows = tuple(input_shape), []
    for index, layer in enumerate(layers):
        try:
            shape, params = _layer(layer, shape)
            if min(shape) < 1:
                raise ValueError(f"the output {shape} would be empty")
        except ValueError as error:
            raise ValueError(f"layer {index} ({layer['type']}): {error}") from None
        rows.append((layer["type"], tuple(shape), params))
    return rows


def _conv1d(filters, kernel_size=5, strides=1, padding="valid"):
    """A Conv1D layer dict of the course's time-series models."""
    return {"type": "Conv1D", "filters": filters, "kernel_size": kernel_size, "strides": strides, "padding": padding}


def course_models():
    """The course's six models as (input_shape, layers), checked against the course's summaries."""
    return {
        "har_conv1d": ((80, 3), [_conv1d(100, 10), _conv1d(100, 12), {"type": "MaxPooling1D", "pool_size": 3},
                                 _conv1d(160, 10), _conv1d(160, 10)]),
        "conditioning": ((40, 6), [_conv1d(6, 5, 2, "same")] * 4
                         + [{"type": "Flatten"}, {"type": "Dense", "units": 6}]),
        "simulator": ((24,), [
            {"type": "Dense", "units": 120},
            {"type": "Reshape", "target_shape": (5, 24)},
            {"type": "Reshape", "target_shape": (-1, 5, 24)},
            {"type": "Conv2DTranspose", "filters": 12, "kernel_size": (1, 5), "strides": (1, 2), "padding": "same"},
            {"type": "Conv2DTranspose", "filters": 6, "kernel_size": (1, 5), "strides": (1, 2), "padding": "same"},
            {"type": "Reshape", "target_shape": (20, 6)}]),
        "discriminator": ((60, 6), [_conv1d(f, 5, 2, "same") for f in (12, 24, 48, 96, 192)] + [{"type": "Flatten"}]),
        "lenet5": ((32, 32, 1), [
            {"type": "Conv2D", "filters": 6, "kernel_size": 5}, {"type": "MaxPooling2D", "pool_size": 2},
            {"type": "Conv2D", "filters": 16, "kernel_size": 5}, {"type": "MaxPooling2D", "pool_size": 2},
            {"type": "Flatten"}, {"type": "Dense", "units": 120}, {"type": "Dense", "units": 84},
            {"type": "Dense", "units": 10}]),
        "upsampling_generator": ((100,), [
            {"type": "Dense", "units": 3200}, {"type": "Reshape", "target_shape": (5, 5, 128)},
            {"type": "Conv2DTranspose", "filters": 1, "kernel_size": 3, "strides": 2, "padding": "same"}]),
    }
