"""Hidden checks of convolve1d(x, f, mode="valid"): 1-D true convolution.

Oracle: np.convolve(x, f, mode) (the filter is flipped). Each test checks one
thing a student can get wrong; inputs are drawn from the grading-time ``rng``.
"""

import numpy as np
import pytest

from convlab.diagnose import expect, expect_array, expect_unmodified

pytestmark = pytest.mark.grade_id("convolve1d")

NOT_FLIPPED = (
    "it equals the cross-correlation np.correlate(x, f) (filter not flipped); "
    "a convolution flips the filter: f[::-1]"
)
SAME_EVEN_SIDE = (
    "for an even-length filter, 'same' (like np.convolve(x, f, 'same')) keeps the full "
    "output from index (len(f) - 1) // 2 on; your output is shifted by one"
)


def _signal(rng, lo=8, hi=20):
    return rng.normal(size=int(rng.integers(lo, hi + 1)))


def _filter(rng, lengths):
    return rng.normal(size=int(rng.choice(lengths)))


def _what(x, f, mode=None):
    m = "" if mode is None else f", mode={mode!r}"
    return f"convolve1d(x of length {len(x)}, f of length {len(f)}{m})"


def test_valid_asymmetric_filter(student, rng):
    x, f = _signal(rng), _filter(rng, [2, 3, 4, 5])
    got = student.call("convolve1d", x, f, mode="valid")
    expect_array(got, np.convolve(x, f, "valid"), what=_what(x, f, "valid"),
                 variants={NOT_FLIPPED: np.correlate(x, f, "valid")})


def test_default_mode_is_valid(student, rng):
    x, f = _signal(rng), _filter(rng, [3, 4])
    got = student.call("convolve1d", x, f)
    expect_array(got, np.convolve(x, f, "valid"), what=_what(x, f) + " (default mode)",
                 variants={NOT_FLIPPED: np.correlate(x, f, "valid"),
                           "with no mode given it should compute mode='valid', "
                           "you returned the 'same' output": np.convolve(x, f, "same"),
                           "with no mode given it should compute mode='valid', "
                           "you returned the 'full' output": np.convolve(x, f, "full")})


def test_same_odd_filter(student, rng):
    x, f = _signal(rng), _filter(rng, [3, 5])
    got = student.call("convolve1d", x, f, mode="same")
    expect_array(got, np.convolve(x, f, "same"), what=_what(x, f, "same"),
                 variants={NOT_FLIPPED: np.correlate(x, f, "same")})


def test_same_even_filter(student, rng):
    x, f = _signal(rng), _filter(rng, [2, 4])
    m = len(f)
    other_side = np.convolve(x, f, "full")[m // 2: m // 2 + len(x)]
    got = student.call("convolve1d", x, f, mode="same")
    expect_array(got, np.convolve(x, f, "same"), what=_what(x, f, "same"),
                 variants={SAME_EVEN_SIDE: other_side, NOT_FLIPPED: np.correlate(x, f, "same")})


def test_full(student, rng):
    x, f = _signal(rng), _filter(rng, [2, 3, 4, 5])
    got = student.call("convolve1d", x, f, mode="full")
    expect_array(got, np.convolve(x, f, "full"), what=_what(x, f, "full"),
                 variants={NOT_FLIPPED: np.correlate(x, f, "full")})


def test_filter_as_long_as_signal(student, rng):
    x = _signal(rng, 3, 7)
    f = rng.normal(size=len(x))
    got = student.call("convolve1d", x, f, mode="valid")
    expect_array(got, np.convolve(x, f, "valid"), what=_what(x, f, "valid"),
                 variants={NOT_FLIPPED: np.correlate(x, f, "valid")})


def test_integer_signal_float_filter(student, rng):
    x = rng.integers(-9, 10, size=int(rng.integers(8, 16)))
    f = rng.normal(size=3)
    got = student.call("convolve1d", x, f, mode="valid")
    expect_array(got, np.convolve(x.astype(float), f, "valid"),
                 what=_what(x, f, "valid") + " with an integer x",
                 variants={NOT_FLIPPED: np.correlate(x.astype(float), f, "valid")})


def test_inputs_unmodified(student, rng):
    x, f = _signal(rng), _filter(rng, [2, 3, 4])
    student.call("convolve1d", x, f, mode="same")
    expect_unmodified(student.mutated, {0: "x", 1: "f"}, what="convolve1d")


def test_filter_longer_than_signal_raises_value_error(student, rng):
    x = _signal(rng, 2, 5)
    f = rng.normal(size=len(x) + int(rng.integers(1, 4)))
    raised = student.raises("convolve1d", x, f)
    expect(raised == "ValueError",
           f"convolve1d(x of length {len(x)}, f of length {len(f)}) should raise ValueError "
           "because the filter is longer than the signal; "
           + ("it returned normally" if raised is None else f"it raised {raised}"))
