"""Hidden checks of conv_transpose_output_length(i, k, s=1, padding="valid", output_padding=None, d=1).

Expected lengths come from Keras's Conv1DTranspose(kernel k, strides s,
padding, output_padding, dilation_rate d) on an input of length i. Not asked
about, because Keras refuses them: output_padding >= stride, and a stride above
1 together with a dilation above 1. Not asked about either: padding "same" with
an even (dilated) kernel and output_padding=0; Keras builds that shape but
TensorFlow's CPU kernel fails at run time (AbortedError), so no real model has it.
"""

import pytest
import shapes_oracle as O
from hypothesis import strategies as st

from convlab.diagnose import fail_if

pytestmark = pytest.mark.grade_id("conv_transpose_output_length")

N_CASES = 12
TEXTBOOK = ("that is the textbook (i - 1) * s + k; when the stride is larger than the kernel Keras "
            "leaves a gap after the last kernel too: (i - 1) * s + max(k, s), i.e. i * s + max(k - s, 0)")
CONV = "that is the length of an ordinary (forward) convolution; a transposed one makes the input longer"
IGNORES_OP = "that ignores output_padding; it is added to the length"
SAME_OP = ("with output_padding given, 'same' is (i - 1) * s + k % 2 + output_padding (Keras crops "
           "k // 2 values on each side), not i * s + output_padding")
OP_NONE = ("with output_padding given (even 0), Keras computes (i - 1) * s + k + output_padding for "
           "'valid', without the max(k, s) it uses when output_padding is None")
NO_DILATION = "that ignores the dilation d: the dilated kernel spans (k - 1) * d + 1 samples"


def _variants(i, k, s, padding, op, d) -> dict:
    """Answers of known mistakes, to name them when a student's answer is one."""
    ke = (k - 1) * d + 1
    out = {
        TEXTBOOK: (i - 1) * s + ke if padding == "valid" and op is None else None,
        CONV: (i - ke) // s + 1 if padding == "valid" and i >= ke else None,
        NO_DILATION: (i - 1) * s + k if padding == "valid" and d > 1 else None,
    }
    if op is not None:
        none = O.transpose_length(i, k, s, padding, None, d)
        if op:
            out[IGNORES_OP] = none
        if padding == "same":
            out[SAME_OP] = i * s + op
        elif none is not None:
            out[OP_NONE] = none + op
    return out


def _what(i, k, s, padding, op, d, shown) -> str:
    words = [f"input {i}", f"kernel {k}", f"stride {s}", f"padding {padding}"]
    if op is not None:
        words.append(f"output_padding {op}")
    if d != 1:
        words.append(f"dilation {d}")
    return f"{O.call_text('conv_transpose_output_length', i, k, **shown)} ({', '.join(words)})"


def _check(student, i, k, **shown):
    s, padding = shown.get("s", 1), shown.get("padding", "valid")
    op, d = shown.get("output_padding"), shown.get("d", 1)
    expected = O.transpose_length(i, k, s, padding, op, d)
    assert expected is not None, "a case Keras refuses or crashes on"
    what = _what(i, k, s, padding, op, d, shown)
    got = O.ask(student, what, "conv_transpose_output_length", i, k, **shown)
    return O.length_problem(got, expected, what, _variants(i, k, s, padding, op, d))


def _expect(student, i, k, **shown):
    fail_if(_check(student, i, k, **shown))


@st.composite
def _no_output_padding(draw, padding):
    k = draw(st.integers(1, 7))
    if draw(st.booleans()):
        s, d = draw(st.integers(1, 5)), 1
    else:  # dilation needs stride 1
        s, d = 1, draw(st.integers(2, 3))
    return draw(st.integers(1, 20)), k, s, padding, None, d


@st.composite
def _with_output_padding(draw):
    s = draw(st.integers(2, 5))
    return (draw(st.integers(1, 20)), draw(st.integers(1, 7)), s, draw(st.sampled_from(["valid", "same"])),
            draw(st.integers(0, s - 1)), 1)


def _run(student, run_seed, name, strategy, always):
    cases = O.draw(f"conv_transpose_output_length/{name}", strategy, N_CASES, run_seed,
                   accept=lambda c: O.transpose_length(*c) is not None, always=always)

    def check(case):
        i, k, s, padding, op, d = case
        shown = {"s": s, "padding": padding}
        if op is not None:
            shown["output_padding"] = op
        if d != 1:
            shown["d"] = d
        return _check(student, i, k, **shown)

    O.check_cases(cases, check)


def test_random_valid(student, run_seed):
    # and always: the defaults, a stride larger than the kernel, a dilation
    _run(student, run_seed, "valid", _no_output_padding("valid"),
         [(5, 3, 1, "valid", None, 1), (4, 2, 3, "valid", None, 1), (5, 3, 1, "valid", None, 2)])


def test_random_same(student, run_seed):
    _run(student, run_seed, "same", _no_output_padding("same"), [(5, 3, 2, "same", None, 1)])


def test_random_output_padding(student, run_seed):
    # and always: output_padding 1 with 'valid' and with 'same' (an even kernel), and 0 with 'valid'
    _run(student, run_seed, "output_padding", _with_output_padding(),
         [(4, 3, 2, "valid", 1, 1), (5, 4, 2, "same", 1, 1), (4, 2, 3, "valid", 0, 1)])


def test_defaults(student):
    _expect(student, 5, 3)


def test_stride_larger_than_kernel(student):
    _expect(student, 4, 2, s=3)


def test_same_is_input_times_stride(student):
    _expect(student, 5, 3, s=2, padding="same")


def test_output_padding_valid(student):
    _expect(student, 4, 3, s=2, output_padding=1)


def test_output_padding_same_even_kernel(student):
    _expect(student, 5, 4, s=2, padding="same", output_padding=1)


def test_output_padding_zero_is_not_none(student):
    _expect(student, 4, 2, s=3, output_padding=0)


def test_dilation(student):
    _expect(student, 5, 3, d=2)
