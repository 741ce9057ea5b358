"""Hidden checks of conv_output_length(i, k, s=1, p=0, d=1).

Expected lengths come from Keras: ZeroPadding1D(p) then Conv1D(kernel k,
strides s, dilation_rate d, padding "valid") on an input of length i. Only
configurations Keras builds are asked about: an output of at least 1, and never
a stride above 1 together with a dilation above 1 (Keras refuses that pair).
Three properties over hypothesis-drawn cases (stride, padding, dilation each on
its own) and edge cases, each about one mistake.
"""

import math

import pytest
import shapes_oracle as O
from hypothesis import strategies as st

from convlab.diagnose import fail, fail_if

pytestmark = pytest.mark.grade_id("conv_output_length")

N_CASES = 12
CEIL = ("that is ceil(...) + 1: a window that does not fit entirely in the input is dropped, "
        "so the division by the stride is rounded down (floor)")
TOTAL = "that treats p as the total padding; p zeros go on EACH side, the input grows by 2p"
NO_DILATION = "that ignores the dilation d: the dilated kernel spans (k - 1) * d + 1 samples"
K_TIMES_D = "that takes the dilated kernel as k * d samples; it spans (k - 1) * d + 1"


def _what(i, k, shown) -> str:
    s, p, d = shown.get("s", 1), shown.get("p", 0), shown.get("d", 1)
    words = [f"input {i}", f"kernel {k}", f"stride {s}", f"padding {p} on each side"]
    if d != 1:
        words.append(f"dilation {d}")
    return f"{O.call_text('conv_output_length', i, k, **shown)} ({', '.join(words)})"


def _variants(i, k, s, p, d) -> dict:
    """Answers of known mistakes, to name them when a student's answer is one."""
    return {
        CEIL: math.ceil((i + 2 * p - (k - 1) * d - 1) / s) + 1,
        TOTAL: (i + p - (k - 1) * d - 1) // s + 1 if p else None,
        NO_DILATION: (i + 2 * p - k) // s + 1 if d > 1 else None,
        K_TIMES_D: (i + 2 * p - k * d) // s + 1 if d > 1 else None,
    }


def _check(student, i, k, **shown):
    """None if conv_output_length(i, k, **shown) is right, else why (shown: s, p, d when sent)."""
    s, p, d = shown.get("s", 1), shown.get("p", 0), shown.get("d", 1)
    what = _what(i, k, shown)
    got = O.ask(student, what, "conv_output_length", i, k, **shown)
    return O.length_problem(got, O.conv_length(i, k, s, p, d), what, _variants(i, k, s, p, d))


def _expect(student, i, k, **shown):
    fail_if(_check(student, i, k, **shown))


def _valid(case) -> bool:
    return O.conv_length(*case) is not None


@st.composite
def _strided(draw):
    k = draw(st.integers(1, 9))
    return draw(st.integers(k, 40)), k, draw(st.integers(2, 5)), 0, 1


@st.composite
def _padded(draw):
    k, p = draw(st.integers(1, 9)), draw(st.integers(1, 4))
    return draw(st.integers(max(1, k - 2 * p), 40)), k, draw(st.integers(1, 4)), p, 1


@st.composite
def _dilated(draw):
    k, d = draw(st.integers(2, 6)), draw(st.integers(2, 4))
    return draw(st.integers((k - 1) * d + 1, 40)), k, 1, 0, d


def _run(student, run_seed, name, strategy, always):
    cases = O.draw(f"conv_output_length/{name}", strategy, N_CASES, run_seed, accept=_valid, always=always)
    O.check_cases(cases, lambda c: _check(student, c[0], c[1], s=c[2], p=c[3], d=c[4]))


def test_random_strides(student, run_seed):
    # and always a stride that does not divide i - k (the last window sticks out: floor, not ceil)
    _run(student, run_seed, "strides", _strided(), [(7, 3, 3, 0, 1)])


def test_random_padding(student, run_seed):
    # and always: p on each side, a kernel as long as the padded input, a stride that does not divide
    _run(student, run_seed, "padding", _padded(), [(8, 5, 1, 2, 1), (5, 7, 2, 1, 1), (8, 3, 2, 1, 1)])


def test_random_dilation(student, run_seed):
    # stride 1 only: Keras refuses strides > 1 together with dilation_rate > 1
    _run(student, run_seed, "dilation", _dilated(), [(10, 3, 1, 0, 3)])


def test_defaults(student):
    # s=1, p=0, d=1 when left out: i - k + 1
    _expect(student, 12, 5)


def test_stride_that_does_not_divide(student):
    # 7 - 3 = 4 is not a multiple of 3: the last window would stick out
    _expect(student, 7, 3, s=3)


def test_padding_on_each_side(student):
    _expect(student, 8, 5, p=2)


def test_dilation(student):
    _expect(student, 10, 3, d=3)


def test_kernel_exactly_fits(student):
    # the padded input is exactly as long as the kernel: one output
    _expect(student, 5, 7, s=2, p=1)


def test_returns_an_int(student):
    got = student.call("conv_output_length", 9, 3, s=2)
    problem = O.whole_number_problem(got)
    if problem is None and not isinstance(got, int):
        problem = (f"returned {got!r}, a {type(got).__name__}; a length is an int "
                   "(use // or int(math.floor(...)))")
    if problem:
        fail(f"{O.call_text('conv_output_length', 9, 3, s=2)} {problem}")
