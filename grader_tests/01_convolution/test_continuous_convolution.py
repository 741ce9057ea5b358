"""Hidden checks of continuous_convolution(f, g, t, lo=-10.0, hi=10.0, delta=0.01).

Oracle: for every value of t, the Riemann sum of f(a) * g(t - a) * delta over
a in np.arange(lo, hi, delta). f and g are convlab Functions drawn at grading
time. Jumps of box functions are kept at least 0.13*delta away from every grid
point (edges at (k + 0.5) * delta, t at (m + 0.37) * delta from the grid), so
floating-point noise in how a student builds the grid cannot change a sum.

The box f of the two box checks lies in the first half of the grid, where a
grid built with np.linspace(lo, hi, n) is less than half a step from
np.arange's: there it counts the same points, so that mistake passes those
two checks on every draw (it is charged, on every draw, by the checks of lo
and hi, of the direction of g and of t's shape).
"""

import functools

import numpy as np
import pytest

from convlab.diagnose import expect_array, expect_unmodified
from convlab.functions import Function

pytestmark = pytest.mark.grade_id("continuous_convolution")

# results are not sliding-window images with padded borders: no 'check the padding' hint
_check = functools.partial(expect_array, edges_hint=False)

NO_DELTA = "it is 1/delta times too large: multiply the sum by the step delta"
SIGN = "it sums f(a) * g(a - t); the convolution uses g(t - a)"
SWAPPED = (
    "it sums g(a) * f(t - a): the same integral, but the exercise asks for the Riemann sum "
    "of f(a) * g(t - a) over the grid a = np.arange(lo, hi, delta)"
)
LINSPACE = (
    "the grid a should be np.arange(lo, hi, delta) (step delta, hi excluded); "
    "np.linspace(lo, hi, n) has a different step"
)
INCLUDES_HI = "the grid should stop before hi (np.arange(lo, hi, delta)); yours includes hi"


def _riemann(f, g, t, lo=-10.0, hi=10.0, delta=0.01, grid=None, sign=1, swap=False):
    a = np.arange(lo, hi, delta) if grid is None else grid
    t = np.asarray(t, dtype=float)
    if swap:
        f, g = g, f
    terms = f(a)[None, :] * g(sign * (t.reshape(-1, 1) - a[None, :]))
    return (terms.sum(axis=1) * delta).reshape(t.shape)


def _grid_variants(f, g, t, lo, hi, delta):
    n = len(np.arange(lo, hi, delta))
    return {
        LINSPACE: _riemann(f, g, t, lo, hi, delta, grid=np.linspace(lo, hi, n)),
        INCLUDES_HI: _riemann(f, g, t, lo, hi, delta, grid=np.linspace(lo, hi, n + 1)),
    }


def _off_grid_times(rng, count, lo, delta, t_lo, t_hi):
    """Sorted distinct t values at (m + 0.37) * delta from the grid lo + i * delta."""
    m = rng.choice(np.arange(int((t_lo - lo) / delta), int((t_hi - lo) / delta)), size=count, replace=False)
    return lo + (np.sort(m) + 0.37) * delta


def _times_around_support(rng, lo, delta, f, g):
    """Seven shifts where the sum of two boxes is non-zero (two steps inside the support of f * g,
    so a grid point always falls in the overlap) and one zero shift on each side of it."""
    start, end = f.params["lo"] + g.params["lo"], f.params["hi"] + g.params["hi"]
    inside = _off_grid_times(rng, 7, lo, delta, start + 2 * delta, end - 2 * delta)
    before = _off_grid_times(rng, 1, lo, delta, start - 6 * delta, start - 2 * delta)
    after = _off_grid_times(rng, 1, lo, delta, end + 2 * delta, end + 6 * delta)
    return np.sort(np.concatenate([before, inside, after]))


def _what(f, g, t, extra=""):
    return f"continuous_convolution(f={f!r}, g={g!r}, t of shape {np.shape(t)}{extra})"


def test_two_boxes_default_grid(student, rng):
    delta, lo = 0.01, -10.0
    start = int(rng.integers(600, 750))  # f = box on [lo + (start + 0.5) delta, ...), below index 990
    f = Function("box", {"lo": lo + (start + 0.5) * delta,
                         "hi": lo + (start + int(rng.integers(150, 240)) + 0.5) * delta})
    k = int(rng.integers(40, 120))  # g symmetric, so the direction of g plays no role here
    g = Function("box", {"lo": -(k + 0.5) * delta, "hi": (k + 0.5) * delta})
    t = _times_around_support(rng, lo, delta, f, g)
    got = student.call("continuous_convolution", f, g, t)
    expected = _riemann(f, g, t)
    _check(got, expected, what=_what(f, g, t),
           variants={NO_DELTA: expected / delta, SWAPPED: _riemann(f, g, t, swap=True),
                     **_grid_variants(f, g, t, -10.0, 10.0, 0.01)})


def test_direction_of_g(student, rng):
    f = Function("gaussian", {"mu": float(rng.uniform(-2, 2)), "sigma": float(rng.uniform(0.5, 1.5))})
    g = Function("exp_decay", {"rate": float(rng.uniform(0.5, 2.0))})
    t = _off_grid_times(rng, 8, -10.0, 0.01, -4.0, 6.0)
    got = student.call("continuous_convolution", f, g, t)
    expected = _riemann(f, g, t)
    _check(got, expected, what=_what(f, g, t),
           variants={SIGN: _riemann(f, g, t, sign=-1), NO_DELTA: expected / 0.01,
                     SWAPPED: _riemann(f, g, t, swap=True)})


def test_custom_lo_hi(student, rng):
    # f grows towards the ends and g is wide, so the first and last grid points matter
    lo, hi = -0.25 * int(rng.integers(12, 33)), 0.25 * int(rng.integers(12, 33))
    assert len(np.arange(lo, hi, 0.01)) == round((hi - lo) / 0.01)
    f = Function("square")
    g = Function("gaussian", {"mu": 0.0, "sigma": float(rng.uniform(2.0, 4.0))})
    t = np.sort(rng.uniform(lo + 1.0, hi - 1.0, size=6))
    got = student.call("continuous_convolution", f, g, t, lo=lo, hi=hi)
    expected = _riemann(f, g, t, lo, hi)
    _check(got, expected, what=_what(f, g, t, f", lo={lo:g}, hi={hi:g}"),
           variants={"it ignores lo and hi (it sums over the default grid from -10 to 10)":
                     _riemann(f, g, t),
                     NO_DELTA: expected / 0.01, SWAPPED: _riemann(f, g, t, lo, hi, swap=True),
                     **_grid_variants(f, g, t, lo, hi, 0.01)})


def test_custom_delta(student, rng):
    delta = float(rng.choice([1 / 8, 1 / 16, 1 / 32]))  # exact in binary: every grid agrees
    lo = -10.0
    start = int(rng.integers(int(5.5 / delta), int(7 / delta)))  # the box ends before 0: the grid's first half
    length = int(rng.integers(int(1.5 / delta), int(2.5 / delta)))
    f = Function("box", {"lo": lo + (start + 0.5) * delta, "hi": lo + (start + length + 0.5) * delta})
    k = int(rng.integers(int(0.4 / delta), int(1.2 / delta)))
    g = Function("box", {"lo": -(k + 0.5) * delta, "hi": (k + 0.5) * delta})
    t = _times_around_support(rng, lo, delta, f, g)
    got = student.call("continuous_convolution", f, g, t, delta=delta)
    expected = _riemann(f, g, t, delta=delta)
    _check(got, expected, what=_what(f, g, t, f", delta={delta:g}"),
           variants={"it ignores delta (it uses the default step 0.01)": _riemann(f, g, t),
                     NO_DELTA: expected / delta, **_grid_variants(f, g, t, -10.0, 10.0, delta)})


def test_t_shape_is_kept(student, rng):
    f = Function("gaussian", {"mu": float(rng.uniform(-1, 1)), "sigma": float(rng.uniform(0.5, 1.5))})
    g = Function("gaussian", {"mu": 0.0, "sigma": float(rng.uniform(0.5, 1.5))})  # smooth, symmetric
    shape = (int(rng.integers(2, 4)), int(rng.integers(4, 6)))
    t = rng.uniform(-5, 5, size=shape)
    got = student.call("continuous_convolution", f, g, t)
    _check(got, _riemann(f, g, t), what=_what(f, g, t) + " (the result must have t's shape)",
           axes=("row", "column"))


def test_t_unmodified(student, rng):
    """t is left alone; this counts only in a call that also computes the right values, at shifts
    where f * g is far from 0 (so every grid or ordering mistake shows, on every draw)."""
    f = Function("gaussian", {"mu": 0.0, "sigma": float(rng.uniform(0.5, 1.5))})
    g = Function("exp_decay", {"rate": float(rng.uniform(0.5, 2.0))})
    t = rng.permutation(_off_grid_times(rng, int(rng.integers(5, 10)), -10.0, 0.01, -2.0, 3.0))
    got = student.call("continuous_convolution", f, g, t)
    expect_unmodified(student.mutated, {2: "t"}, what="continuous_convolution")
    # Leaving t alone counts only in a call that also computes the right values.
    _check(got, _riemann(f, g, t), what=_what(f, g, t))
