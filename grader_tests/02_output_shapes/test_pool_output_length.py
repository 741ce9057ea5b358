"""Hidden checks of pool_output_length(i, k, s=None, padding="valid").

Expected lengths come from Keras's MaxPooling1D(pool_size=k, strides=s,
padding) on an input of length i (AveragePooling1D gives the same shapes).
Not asked about: a "valid" pool longer than its input (Keras refuses it: the
output would be empty). "same" with a pool longer than the input is asked
about: Keras accepts it and gives ceil(i / s).
"""

import math

import pytest
import shapes_oracle as O
from hypothesis import strategies as st

from convlab.diagnose import fail_if

pytestmark = pytest.mark.grade_id("pool_output_length")

N_CASES = 12
STRIDE_ONE = "that uses stride 1; when s is None the stride defaults to the pool size k"
CEIL = ("that keeps the incomplete window at the end (ceil); with padding='valid' it is dropped: "
        "floor((i - k) / s) + 1")
SAME_AS_VALID = "that is the 'valid' length; with padding='same' the output has ceil(i / s) samples"
VALID_AS_SAME = "that is the 'same' length ceil(i / s); with padding='valid' it is floor((i - k) / s) + 1"


def _variants(i, k, s, padding) -> dict:
    stride = k if s is None else s
    if padding == "same":
        return {STRIDE_ONE: i if s is None else None,
                SAME_AS_VALID: (i - k) // stride + 1 if i >= k else None}
    return {STRIDE_ONE: i - k + 1 if s is None else None,
            CEIL: math.ceil((i - k) / stride) + 1,
            VALID_AS_SAME: math.ceil(i / stride)}


def _what(i, k, s, padding, shown) -> str:
    stride = f"stride {s}" if s is not None else f"stride not given (so {k})"
    return f"{O.call_text('pool_output_length', i, k, **shown)} (input {i}, pool {k}, {stride}, padding {padding})"


def _check(student, i, k, **shown):
    s, padding = shown.get("s"), shown.get("padding", "valid")
    what = _what(i, k, s, padding, shown)
    got = O.ask(student, what, "pool_output_length", i, k, **shown)
    return O.length_problem(got, O.pool_length(i, k, s, padding), what, _variants(i, k, s, padding))


def _expect(student, i, k, **shown):
    fail_if(_check(student, i, k, **shown))


@st.composite
def _valid(draw):
    k = draw(st.integers(1, 6))
    return draw(st.integers(k, 40)), k, draw(st.integers(1, 6)), "valid"


@st.composite
def _same(draw):
    # the stride is sometimes left out (None: the pool size)
    return draw(st.integers(1, 40)), draw(st.integers(1, 6)), draw(st.none() | st.integers(1, 6)), "same"


def _run(student, run_seed, name, strategy, always):
    cases = O.draw(f"pool_output_length/{name}", strategy, N_CASES, run_seed,
                   accept=lambda c: O.pool_length(*c) is not None, always=always)

    def check(case):
        i, k, s, padding = case
        shown = {"padding": padding} if s is None else {"s": s, "padding": padding}
        return _check(student, i, k, **shown)

    O.check_cases(cases, check)


def test_random_valid(student, run_seed):
    # and always an incomplete window at the end
    _run(student, run_seed, "valid", _valid(), [(11, 2, 2, "valid")])


def test_random_same(student, run_seed):
    # and always: the stride left out, a stride that does not divide, a pool longer than the input
    _run(student, run_seed, "same", _same(), [(10, 3, None, "same"), (11, 3, 2, "same"), (3, 5, 2, "same")])


def test_default_stride_is_pool_size(student):
    _expect(student, 10, 3)


def test_default_stride_with_same(student):
    _expect(student, 10, 3, padding="same")


def test_stride_none_given(student):
    _expect(student, 9, 2, s=None)


def test_incomplete_window_dropped(student):
    _expect(student, 11, 2, s=2)


def test_same_with_stride(student):
    _expect(student, 11, 3, s=2, padding="same")


def test_same_pool_longer_than_input(student):
    _expect(student, 3, 5, s=2, padding="same")
