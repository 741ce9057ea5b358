"""The hidden checks shared by conv_params and conv_transpose_params.

Both count the trainable parameters of a convolution layer from
(kernel_size, in_channels, filters, use_bias) and both are checked against
Keras (convolution or transposed convolution built on an input with
in_channels channels, count_params()); the counts agree, since a transposed
kernel (k..., filters, in_channels) has the same size, but the mistakes to
diagnose are the same. ``make_checks`` writes the checks for either.
"""

import math

import shapes_oracle as O
from hypothesis import strategies as st

from convlab.diagnose import fail_if

N_CASES = 12
NO_BIAS = "the bias is missing: use_bias=True adds one bias per filter"
UNWANTED_BIAS = "use_bias=False means no bias at all"
ONE_BIAS = "that counts a single bias; there is one per filter (output channel)"
NO_CHANNELS = ("that leaves out the input channels: each filter has kernel_size weights for EVERY input "
               "channel")


def _volume(kernel_size) -> int:
    return math.prod((kernel_size,) if isinstance(kernel_size, int) else kernel_size)


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


def make_checks(name: str, transposed: bool, layer_1d: str, bias_per_input: str,
                course_layer: tuple, many_inputs: tuple):
    """Test functions for ``name(kernel_size, in_channels, filters, use_bias=True)``.

    ``layer_1d`` names the Keras layer an int kernel_size means, ``bias_per_input`` diagnoses
    one bias per input channel; ``course_layer`` is a layer of the course's models (bias by
    default) and ``many_inputs`` a layer with many more input channels than filters.
    """
    int_squared = (f"an int kernel_size here is a 1-D kernel of length k ({layer_1d}); you counted a k x k "
                   "kernel")

    def variants(kernel_size, cin, f, use_bias) -> dict:
        w = _volume(kernel_size) * cin * f
        out = {NO_BIAS: w if use_bias else None, UNWANTED_BIAS: None if use_bias else w + f,
               bias_per_input: w + cin if use_bias else None, ONE_BIAS: w + 1 if use_bias else None,
               NO_CHANNELS: _volume(kernel_size) * f + (f if use_bias else 0)}
        if isinstance(kernel_size, int):
            out[int_squared] = kernel_size * w + (f if use_bias else 0)
        return out

    def what(kernel_size, cin, f, shown) -> str:
        if isinstance(kernel_size, int) or len(kernel_size) == 1:
            kernel = f"a 1-D kernel of length {_volume(kernel_size)}"
        else:
            kernel = f"a {'x'.join(map(str, kernel_size))} kernel"
        bias = "with bias" if shown.get("use_bias", True) else "no bias"
        return (f"{O.call_text(name, kernel_size, cin, f, **shown)} "
                f"({kernel}, {O.plural(cin, 'input channel')}, {O.plural(f, 'filter')}, {bias})")

    def check(student, kernel_size, cin, f, **shown):
        use_bias = shown.get("use_bias", True)
        described = what(kernel_size, cin, f, shown)
        got = O.ask(student, described, name, kernel_size, cin, f, **shown)
        return O.length_problem(got, O.conv_params(kernel_size, cin, f, use_bias, transposed), described,
                                variants(kernel_size, cin, f, use_bias))

    def expect(student, kernel_size, cin, f, **shown):
        fail_if(check(student, kernel_size, cin, f, **shown))

    def run(student, run_seed, label, strategy, always):
        def one(case):
            kernel_size, cin, f, use_bias = case
            return check(student, kernel_size, cin, f, **({} if use_bias is None else {"use_bias": use_bias}))

        O.check_cases(O.draw(f"{name}/{label}", strategy, N_CASES, run_seed, always=always), one)

    # and always: a kernel of several taps with many input channels and the bias left out (a default),
    # and one without a bias
    def test_random_1d_kernels(student, run_seed):
        run(student, run_seed, "1d", _one_d(), [(3, 16, 8, None), (5, 16, 32, False)])

    def test_random_2d_kernels(student, run_seed):
        run(student, run_seed, "2d", _two_d(), [((3, 2), 16, 8, None), ((3, 3), 16, 32, False)])

    def test_bias_by_default(student):
        expect(student, *course_layer)  # a layer of the course text's models

    def test_no_bias(student):
        expect(student, (3, 3), 16, 32, use_bias=False)

    def test_bias_per_filter(student):
        expect(student, *many_inputs)  # a bias per input channel shows

    def test_non_square_kernel(student):
        expect(student, (1, 5), 24, 12)

    def test_one_element_tuple(student):
        expect(student, (5,), 6, 6)

    return {test.__name__: test for test in [
        test_random_1d_kernels, test_random_2d_kernels, test_bias_by_default, test_no_bias,
        test_bias_per_filter, test_non_square_kernel, test_one_element_tuple]}
