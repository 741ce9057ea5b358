"""Hidden checks of correlate1d(x, f, mode="valid"): 1-D cross-correlation.

Oracle: np.correlate(x, f, mode). Each test checks one thing a student can get
wrong; inputs (and their sizes) are drawn from the grading-time ``rng``.
"""

import numpy as np
import pytest

from convlab.diagnose import expect, expect_array, expect_unmodified

pytestmark = pytest.mark.grade_id("correlate1d")

FLIPPED = (
    "it equals the true convolution np.convolve(x, f) (filter flipped); "
    "correlate1d slides f over x without flipping it"
)
SAME_EVEN_SIDE = (
    "for an even-length filter, 'same' (like np.correlate(x, f, 'same')) puts the extra "
    "zero of padding before the signal (left); you put it after"
)


def _signal(rng, lo=8, hi=20):
    return rng.normal(size=int(rng.integers(lo, hi + 1)))


def _filter(rng, lengths):
    return rng.normal(size=int(rng.choice(lengths)))


def _what(x, f, mode=None):
    m = "" if mode is None else f", mode={mode!r}"
    return f"correlate1d(x of length {len(x)}, f of length {len(f)}{m})"


def _same_other_side(x, f):
    """'same' with the extra zero of an even filter after the signal."""
    m = len(f)
    return np.correlate(x, f, "full")[m // 2: m // 2 + len(x)]


def test_valid_asymmetric_filter(student, rng):
    x, f = _signal(rng), _filter(rng, [2, 3, 4, 5])
    got = student.call("correlate1d", x, f, mode="valid")
    expect_array(got, np.correlate(x, f, "valid"), what=_what(x, f, "valid"),
                 variants={FLIPPED: np.convolve(x, f, "valid")})


def test_default_mode_is_valid(student, rng):
    x, f = _signal(rng), _filter(rng, [3, 4])
    got = student.call("correlate1d", x, f)
    expect_array(got, np.correlate(x, f, "valid"), what=_what(x, f) + " (default mode)",
                 variants={FLIPPED: np.convolve(x, f, "valid"),
                           "with no mode given it should compute mode='valid', "
                           "you returned the 'same' output": np.correlate(x, f, "same"),
                           "with no mode given it should compute mode='valid', "
                           "you returned the 'full' output": np.correlate(x, f, "full")})


def test_same_odd_filter(student, rng):
    x, f = _signal(rng), _filter(rng, [3, 5])
    got = student.call("correlate1d", x, f, mode="same")
    expect_array(got, np.correlate(x, f, "same"), what=_what(x, f, "same"),
                 variants={FLIPPED: np.convolve(x, f, "same")})


def test_same_even_filter(student, rng):
    x, f = _signal(rng), _filter(rng, [2, 4])
    got = student.call("correlate1d", x, f, mode="same")
    expect_array(got, np.correlate(x, f, "same"), what=_what(x, f, "same"),
                 variants={SAME_EVEN_SIDE: _same_other_side(x, f),
                           FLIPPED: np.convolve(x, f, "same")})


def test_full(student, rng):
    x, f = _signal(rng), _filter(rng, [2, 3, 4, 5])
    got = student.call("correlate1d", x, f, mode="full")
    expect_array(got, np.correlate(x, f, "full"), what=_what(x, f, "full"),
                 variants={FLIPPED: np.convolve(x, f, "full")})


def test_filter_as_long_as_signal(student, rng):
    x = _signal(rng, 3, 7)
    f = rng.normal(size=len(x))
    got = student.call("correlate1d", x, f, mode="valid")
    expect_array(got, np.correlate(x, f, "valid"), what=_what(x, f, "valid"),
                 variants={FLIPPED: np.convolve(x, f, "valid")})


def test_integer_signal_float_filter(student, rng):
    x = rng.integers(-9, 10, size=int(rng.integers(8, 16)))
    f = rng.normal(size=3)
    got = student.call("correlate1d", x, f, mode="valid")
    expect_array(got, np.correlate(x.astype(float), f, "valid"),
                 what=_what(x, f, "valid") + " with an integer x",
                 variants={FLIPPED: np.convolve(x.astype(float), f, "valid")})


def test_inputs_unmodified(student, rng):
    x, f = _signal(rng), _filter(rng, [2, 3, 4])
    student.call("correlate1d", x, f, mode="same")
    expect_unmodified(student.mutated, {0: "x", 1: "f"}, what="correlate1d")


def test_filter_longer_than_signal_raises_value_error(student, rng):
    x = _signal(rng, 2, 5)
    f = rng.normal(size=len(x) + int(rng.integers(1, 4)))
    raised = student.raises("correlate1d", x, f)
    expect(raised == "ValueError",
           f"correlate1d(x of length {len(x)}, f of length {len(f)}) should raise ValueError "
           "because the filter is longer than the signal; "
           + ("it returned normally" if raised is None else f"it raised {raised}"))
