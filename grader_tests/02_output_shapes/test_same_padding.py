"""Hidden checks of same_padding(i, k, s=1, d=1) -> (before, after).

The expected zeros are TensorFlow's "same" split (shapes_oracle.same_pads,
held by tests/test_shapes_oracle.py to where a real "same" Conv1D of the input
1..i with one filter per kernel tap puts them). Not asked about: a stride above 1 together with a
dilation above 1 (Keras refuses the pair), and the rare inputs where no window
reaches the input at all (the split cannot be observed). A list [before, after]
is accepted as well as a tuple.
"""

import math

import pytest
import shapes_oracle as O
from hypothesis import strategies as st

from convlab.diagnose import fail, fail_if

pytestmark = pytest.mark.grade_id("same_padding")

N_CASES = 12
EXTRA_BEFORE = ("with an odd total TensorFlow puts the extra zero after the input (right/bottom), "
                "before = total // 2; you put it before")
NO_STRIDE = ("that is the stride-1 padding (k - 1 in all); with a stride the output has ceil(i / s) "
             "samples and the total is max((ceil(i / s) - 1) * s + k - i, 0)")
NOT_CLIPPED = "padding cannot be negative: the total is max(..., 0)"
TOTAL_EACH = "that puts the whole total on each side; the total is split between before and after"
NO_DILATION = "that ignores the dilation d: the dilated kernel spans (k - 1) * d + 1 samples"


def _total(i, k, s, d, clip=True):
    t = (math.ceil(i / s) - 1) * s + (k - 1) * d + 1 - i
    return max(t, 0) if clip else t


def _variants(i, k, s, d) -> dict:
    t = _total(i, k, s, d)
    raw = _total(i, k, s, d, clip=False)
    plain = (k - 1) * d
    return {
        EXTRA_BEFORE: (t - t // 2, t // 2),
        NO_STRIDE: (plain // 2, plain - plain // 2),
        NOT_CLIPPED: (raw // 2, raw - raw // 2) if raw < 0 else None,
        TOTAL_EACH: (t, t) if t else None,
        NO_DILATION: (_total(i, k, s, 1) // 2, _total(i, k, s, 1) - _total(i, k, s, 1) // 2) if d > 1 else None,
    }


def _what(i, k, shown) -> str:
    s, d = shown.get("s", 1), shown.get("d", 1)
    words = [f"input {i}", f"kernel {k}", f"stride {s}"] + ([f"dilation {d}"] if d != 1 else [])
    return f"{O.call_text('same_padding', i, k, **shown)} ({', '.join(words)}, padding same)"


def _pair_problem(got, expected, what, variants) -> str | None:
    if got is None:
        return f"{what}: returned None (did you forget the return statement?)"
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        kind = f"a {type(got).__name__}" + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else "")
        return f"{what}: returned {kind}, expected a pair (before, after)"
    for value in got:
        problem = O.whole_number_problem(value)
        if problem:
            return f"{what}: one of the pair {problem}"
    got = tuple(int(v) for v in got)
    if got == expected:
        return None
    text = f"{what}: expected {expected}, got {got}"
    if any(v < 0 for v in got):
        return f"{text} ({NOT_CLIPPED})"
    found = O.diagnoses(got, expected, {d: None if v is None else tuple(v) for d, v in variants.items()})
    if found:
        return text + found
    if sum(got) == sum(expected):
        return f"{text} (the total {sum(got)} is right, the split is not: before = total // 2)"
    return text


def _check(student, i, k, **shown):
    """None if same_padding(i, k, **shown) is right, else why (shown: s and d, when sent)."""
    s, d = shown.get("s", 1), shown.get("d", 1)
    what = _what(i, k, shown)
    got = O.ask(student, what, "same_padding", i, k, **shown)
    return _pair_problem(got, O.same_pads(i, k, s, d), what, _variants(i, k, s, d))


@st.composite
def _strided(draw):
    return draw(st.integers(1, 30)), draw(st.integers(1, 9)), draw(st.integers(1, 5)), 1


@st.composite
def _dilated(draw):
    return draw(st.integers(1, 30)), draw(st.integers(2, 5)), 1, draw(st.integers(2, 4))


def _run(student, run_seed, name, strategy, always):
    cases = O.draw(f"same_padding/{name}", strategy, N_CASES, run_seed,
                   accept=lambda c: O.same_pads(*c) is not None, always=always)
    O.check_cases(cases, lambda c: _check(student, c[0], c[1], s=c[2], d=c[3]))


def test_random_strides(student, run_seed):
    # and always: an odd and an even total, a stride that does not divide, no padding needed
    # (a negative total clipped to 0), a kernel longer than the input
    _run(student, run_seed, "strides", _strided(), [(10, 5, 1, 1), (10, 4, 1, 1), (8, 3, 2, 1), (10, 2, 5, 1),
                                                    (3, 8, 1, 1)])


def test_random_dilation(student, run_seed):
    # stride 1 only: Keras refuses strides > 1 together with dilation_rate > 1; and always an even
    # and an odd total
    _run(student, run_seed, "dilation", _dilated(), [(10, 3, 1, 2), (10, 2, 1, 3)])


def _expect(student, i, k, **shown):
    fail_if(_check(student, i, k, **shown))


def test_odd_kernel(student):
    _expect(student, 10, 5)


def test_even_kernel_extra_zero_after(student):
    _expect(student, 10, 4)


def test_stride_that_does_not_divide(student):
    _expect(student, 8, 3, s=2)


def test_no_padding_needed(student):
    # the windows already cover the input: no zeros, never a negative number of them
    _expect(student, 10, 2, s=5)


def test_kernel_longer_than_input(student):
    # Keras accepts a kernel longer than the input with padding="same"
    _expect(student, 3, 8)


def test_dilation(student):
    _expect(student, 10, 3, d=2)


def test_returns_two_ints(student):
    got = student.call("same_padding", 9, 4, s=2)
    what = O.call_text("same_padding", 9, 4, s=2)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(_pair_problem(got, (1, 1), what, {}))
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in got):
        fail(f"{what} returned {got!r}; the numbers of zeros are ints (use // rather than /, "
             "or int(...) around math.ceil/np.ceil)")
