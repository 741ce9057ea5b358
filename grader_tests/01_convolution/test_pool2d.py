"""Hidden checks of pool2d(x, pool_size=2, stride=None, mode="max").

x (N, H, W, C); max or average pooling with valid padding, pool_size and
stride ints or pairs, stride defaulting to the pool size. Expected values are
keras MaxPooling2D's / AveragePooling2D's (float64), computed with numpy
(layer_oracle.py, held to Keras by tests/test_layer_oracle.py), as are the
wrong variants. Inputs are positive except in the test about
negative values, so "starting the maximum at 0" costs exactly that test, and
sizes are multiples of the windows except in the test about leftover rows.
"""

import functools

import numpy as np
import pytest

from convlab.diagnose import expect_array, expect_inputs_left_alone, expect_unmodified
from layer_oracle import pooling

pytestmark = pytest.mark.grade_id("pool2d")

AXES = ("sample", "row", "column", "channel")
# valid pooling has no padding: no "check the padding at the edges" hint
_check = functools.partial(expect_array, axes=AXES, edges_hint=False)
STRIDE_ONE = "the stride defaults to the pool size (non-overlapping windows); you used stride 1"
STRIDE_IGNORED = "it ignores the stride argument (moves by the pool size)"
SWAPPED = {"max": "it computes the average; mode='max' takes the maximum of each window",
           "avg": "it computes the maximum; mode='avg' takes the mean of each window"}


def _batch(rng, h, w, low=0.5, high=3.0):
    n, c = int(rng.integers(2, 4)), int(rng.integers(1, 4))
    return rng.uniform(low, high, size=(n, h, w, c))


def _what(x, **kw):
    extra = "".join(f", {k}={v!r}" for k, v in kw.items())
    return f"pool2d(x {'x'.join(map(str, x.shape))}{extra})"


def test_max_default_stride(student, rng):
    x = _batch(rng, 2 * int(rng.integers(2, 6)), 2 * int(rng.integers(2, 6)))
    got = student.call("pool2d", x, 2)
    _check(got, pooling(x, 2, 2, "max"), what=_what(x, pool_size=2),
           variants={STRIDE_ONE: pooling(x, 2, 1, "max"), SWAPPED["max"]: pooling(x, 2, 2, "avg")})


def test_avg_default_stride(student, rng):
    p = int(rng.choice([2, 3]))
    x = _batch(rng, p * int(rng.integers(2, 4)), p * int(rng.integers(2, 4)))
    got = student.call("pool2d", x, p, mode="avg")
    _check(got, pooling(x, p, p, "avg"), what=_what(x, pool_size=p, mode="avg"),
           variants={STRIDE_ONE: pooling(x, p, 1, "avg"), SWAPPED["avg"]: pooling(x, p, p, "max")})


def test_overlapping_windows(student, rng):
    # pool 3, stride 2: H - 3 and W - 3 even, so no window is left incomplete
    x = _batch(rng, 3 + 2 * int(rng.integers(1, 4)), 3 + 2 * int(rng.integers(1, 4)))
    got = student.call("pool2d", x, 3, stride=2)
    _check(got, pooling(x, 3, 2, "max"), what=_what(x, pool_size=3, stride=2),
           variants={STRIDE_IGNORED: pooling(x, 3, 3, "max"),
                     "it moves the window by 1 instead of by the stride": pooling(x, 3, 1, "max"),
                     SWAPPED["max"]: pooling(x, 3, 2, "avg")})


def test_pair_pool_size_and_stride(student, rng):
    # pool (2, 3) with stride (1, 2): every row starts a window, W = 3 + 2k columns
    pool, stride = (2, 3), (1, 2)
    x = _batch(rng, int(rng.integers(4, 8)), 3 + 2 * int(rng.integers(1, 4)))
    got = student.call("pool2d", x, pool, stride=stride, mode="avg")
    _check(got, pooling(x, pool, stride, "avg"), what=_what(x, pool_size=pool, stride=stride, mode="avg"),
           variants={"pool_size=(ph, pw) means ph rows by pw columns; you swapped them":
                     pooling(x, (3, 2), stride, "avg"),
                     "stride=(sh, sw) moves sh rows and sw columns; you swapped them":
                     pooling(x, pool, (2, 1), "avg"),
                     STRIDE_IGNORED: pooling(x, pool, pool, "avg"),
                     SWAPPED["avg"]: pooling(x, pool, stride, "max")})


def test_incomplete_windows_dropped(student, rng):
    p = int(rng.choice([2, 3]))
    x = _batch(rng, p * int(rng.integers(2, 4)) + int(rng.integers(1, p)),
               p * int(rng.integers(2, 4)) + int(rng.integers(1, p)))
    got = student.call("pool2d", x, p)
    _check(got, pooling(x, p, p, "max"), what=_what(x, pool_size=p),
           variants={"it keeps the incomplete windows at the bottom/right edge; with valid padding "
                     "the output has floor((H - pool) / stride) + 1 rows, leftover rows and "
                     "columns are dropped": pooling(x, p, p, "max", partial=True)})


def test_negative_values_max(student, rng):
    x = _batch(rng, 4, 6, low=-3.0, high=-0.5)
    got = student.call("pool2d", x, 2)
    _check(got, pooling(x, 2, 2, "max"), what=_what(x, pool_size=2) + " with negative values",
           variants={"every maximum is 0: do not start the running maximum at 0 "
                     "(use the window's own values, e.g. window.max())":
                     np.zeros_like(pooling(x, 2, 2, "max"))})


def test_integer_input_avg(student, rng):
    x = rng.integers(0, 10, size=(2, 4, 6, 2))
    got = student.call("pool2d", x, 2, mode="avg")
    _check(got, pooling(x, 2, 2, "avg"), what=_what(x, pool_size=2, mode="avg") + " with integer x")


def test_input_unmodified(student, rng):
    """x is left alone in both modes, whatever the pool size and stride: an average pooling that
    divides the caller's array in place (x /= ph * pw) computes the right averages, and only this
    check sees it. It counts only from a pool2d whose average pooling is right (values of both
    signs: a maximum started at 0 is the max checks' to charge)."""
    x = _batch(rng, 6, 6, low=-1.0, high=1.0)
    got = student.call("pool2d", x, 2, mode="avg")
    expect_unmodified(student.mutated, {0: "x"}, what="pool2d(x, 2, mode='avg')")
    _check(got, pooling(x, 2, 2, "avg"), what=_what(x, pool_size=2, mode="avg"))
    expect_inputs_left_alone(student, "pool2d", (x, 2), {0: "x"},
                             [{}, {"mode": "max", "stride": 1}, {"mode": "avg", "stride": (1, 2)}])
