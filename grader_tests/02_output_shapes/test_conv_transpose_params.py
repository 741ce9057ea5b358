"""Hidden checks of conv_transpose_params(kernel_size, in_channels, filters, use_bias=True).

Expected counts come from Keras: Conv1DTranspose / Conv2DTranspose(filters, kernel_size, use_bias)
built on an input with in_channels channels, count_params(). An int
kernel_size is a 1-D kernel (Conv1DTranspose); a tuple has one entry per spatial
axis: (k,) for Conv1DTranspose, (kh, kw) for Conv2DTranspose.
Keras stores a transposed kernel as (k..., filters, in_channels): its last
axis runs over the INPUT channels, but the bias still has one entry per filter.
"""

import math

import pytest
import shapes_oracle as O
from hypothesis import strategies as st

from convlab.diagnose import fail

pytestmark = pytest.mark.grade_id("conv_transpose_params")

N_CASES = 12
TRANSPOSED = True
NO_BIAS = "the bias is missing: use_bias=True adds one bias per filter"
UNWANTED_BIAS = "use_bias=False means no bias at all"
BIAS_PER_INPUT = ("one bias per filter (output channel), not per input channel: Keras stores the transposed "
                  "kernel as (kh, kw, filters, in_channels), and the bias follows the filters, not the last axis")
ONE_BIAS = "that counts a single bias; there is one per filter (output channel)"
NO_CHANNELS = ("that leaves out the input channels: each filter has kernel_size weights for EVERY input "
               "channel")
INT_SQUARED = ("an int kernel_size here is a 1-D kernel of length k (Conv1DTranspose); you counted a k x k "
               "kernel")


def _volume(kernel_size) -> int:
    return math.prod((kernel_size,) if isinstance(kernel_size, int) else kernel_size)


def _variants(kernel_size, cin, f, use_bias) -> dict:
    w = _volume(kernel_size) * cin * f
    out = {NO_BIAS: w if use_bias else None, UNWANTED_BIAS: None if use_bias else w + f,
           BIAS_PER_INPUT: w + cin if use_bias else None, ONE_BIAS: w + 1 if use_bias else None,
           NO_CHANNELS: _volume(kernel_size) * f + (f if use_bias else 0)}
    if isinstance(kernel_size, int):
        out[INT_SQUARED] = kernel_size * w + (f if use_bias else 0)
    return out


def _what(kernel_size, cin, f, shown) -> str:
    if isinstance(kernel_size, int) or len(kernel_size) == 1:
        kernel = f"a 1-D kernel of length {_volume(kernel_size)}"
    else:
        kernel = f"a {'x'.join(map(str, kernel_size))} kernel"
    bias = "with bias" if shown.get("use_bias", True) else "no bias"
    return (f"{O.call_text('conv_transpose_params', kernel_size, cin, f, **shown)} "
            f"({kernel}, {O.plural(cin, 'input channel')}, {O.plural(f, 'filter')}, {bias})")


def _check(student, kernel_size, cin, f, **shown):
    use_bias = shown.get("use_bias", True)
    what = _what(kernel_size, cin, f, shown)
    got = O.ask(student, what, "conv_transpose_params", kernel_size, cin, f, **shown)
    return O.length_problem(got, O.conv_params(kernel_size, cin, f, use_bias, TRANSPOSED), what,
                            _variants(kernel_size, cin, f, use_bias))


def _expect(student, kernel_size, cin, f, **shown):
    message = _check(student, kernel_size, cin, f, **shown)
    if message:
        fail(message)


_BIAS = st.sampled_from([None, True, False])  # None: use_bias left out


@st.composite
def _one_d(draw):
    k = draw(st.integers(1, 11))
    kernel = (k,) if draw(st.integers(0, 3)) == 0 else k
    return kernel, draw(st.integers(1, 64)), draw(st.integers(1, 64)), draw(_BIAS)


@st.composite
def _two_d(draw):
    return ((draw(st.integers(1, 7)), draw(st.integers(1, 7))), draw(st.integers(1, 64)),
            draw(st.integers(1, 64)), draw(_BIAS))


def _run(student, run_seed, name, strategy):
    cases = O.draw(f"conv_transpose_params/{name}", strategy, N_CASES, run_seed)

    def check(case):
        kernel_size, cin, f, use_bias = case
        shown = {} if use_bias is None else {"use_bias": use_bias}
        return _check(student, kernel_size, cin, f, **shown)

    O.check_cases(cases, check)


def test_random_1d_kernels(student, run_seed):
    _run(student, run_seed, "1d", _one_d())


def test_random_2d_kernels(student, run_seed):
    _run(student, run_seed, "2d", _two_d())


def test_bias_by_default(student):
    # a layer of the course text's models
    _expect(student, (3, 3), 128, 1)


def test_no_bias(student):
    _expect(student, (3, 3), 16, 32, use_bias=False)


def test_bias_per_filter(student):
    # many more input channels than filters: a bias per input channel shows
    _expect(student, (3, 3), 64, 2)


def test_non_square_kernel(student):
    _expect(student, (1, 5), 24, 12)


def test_one_element_tuple(student):
    _expect(student, (5,), 6, 6)
