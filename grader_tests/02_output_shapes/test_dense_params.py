"""Hidden checks of dense_params(n_in, n_out, use_bias=True).

Expected counts come from Keras: Dense(n_out, use_bias) built on an input of
n_in features, count_params().
"""

import pytest
import shapes_oracle as O
from hypothesis import strategies as st

from convlab.diagnose import fail_if

pytestmark = pytest.mark.grade_id("dense_params")

N_CASES = 12
NO_BIAS = "the bias is missing: use_bias=True adds one bias per output"
UNWANTED_BIAS = "use_bias=False means no bias at all"
BIAS_PER_INPUT = "there is one bias per output (unit), not one per input"


def _variants(n_in, n_out, use_bias) -> dict:
    w = n_in * n_out
    return {NO_BIAS: w if use_bias else None, UNWANTED_BIAS: None if use_bias else w + n_out,
            BIAS_PER_INPUT: w + n_in if use_bias else None}


def _check(student, n_in, n_out, **shown):
    use_bias = shown.get("use_bias", True)
    what = (f"{O.call_text('dense_params', n_in, n_out, **shown)} ({O.plural(n_in, 'input')}, "
            f"{O.plural(n_out, 'output')}, {'with bias' if use_bias else 'no bias'})")
    got = O.ask(student, what, "dense_params", n_in, n_out, **shown)
    return O.length_problem(got, O.dense_params(n_in, n_out, use_bias), what, _variants(n_in, n_out, use_bias))


def _expect(student, n_in, n_out, **shown):
    fail_if(_check(student, n_in, n_out, **shown))


@st.composite
def _layers(draw):
    return draw(st.integers(1, 5000)), draw(st.integers(1, 500)), draw(st.sampled_from([None, True, False]))


def test_random_layers(student, run_seed):
    # and always a layer with its bias by default and one without
    cases = O.draw("dense_params/random", _layers(), N_CASES, run_seed, always=[(100, 3200, None), (120, 84, False)])

    def check(case):
        n_in, n_out, use_bias = case
        return _check(student, n_in, n_out, **({} if use_bias is None else {"use_bias": use_bias}))

    O.check_cases(cases, check)


def test_bias_by_default(student):
    # the course's 10x10 generator: Dense(128 * 5 * 5) on 100 inputs
    _expect(student, 100, 3200)


def test_no_bias(student):
    _expect(student, 120, 84, use_bias=False)


def test_bias_per_output(student):
    _expect(student, 400, 10)
