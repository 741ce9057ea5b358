"""Hidden checks of summarize(layers, input_shape) -> [(type, output_shape, params), ...].

Expected rows come from Keras 3's rules for the same stack (shapes_oracle.summary,
reimplemented without Keras and held to Keras by tests/test_shapes_oracle.py).
Random stacks (stacks.py) use the contract's layer types with Keras's argument
forms (ints or tuples, arguments left out for their defaults); Dense comes
after Flatten there, Dense on an N-D input has its own check. Never asked
about: configurations Keras refuses for other reasons than the contract's
three (stride and dilation both above 1, output_padding >= stride) and
transposed "same" layers with an even kernel and output_padding=0 (TensorFlow
aborts at run time).

Lenient where the contract leaves room: rows and shapes may be lists or
tuples, numbers ints or whole floats. An impossible stack must raise
ValueError whose message names the layer: its type, or its position
(counted from 0 or from 1, as "layer 2", "layers[2]", "#2", "index 2"...). A refusal
counts only when summarize also gives a summary of the layers before the
impossible one (of LeNet-5 when it is the first): a summarize that raises on
every stack earns nothing.
"""

import re

import pytest
import shapes_oracle as O
import stacks

from convlab.diagnose import fail, fail_if
from convlab.student import StudentError

pytestmark = pytest.mark.grade_id("summarize")

N_STACKS = 12
N_IMPOSSIBLE = 10
BATCH = "leave the batch dimension out: Keras's summary shows (None, ...), summarize gives the rest"
DENSE_FLATTENS = ("Dense acts on the last axis only: on an input of shape (..., n) it gives (..., units) "
                  "with n * units + units parameters; it does not flatten")


def _layers(layers) -> list:
    return [dict(d) for d in layers]


def _ask(student, layers, input_shape):
    what = f"summarize({stacks.stack_text(input_shape, layers)})"
    return O.ask(student, what, "summarize", _layers(layers), tuple(input_shape))


def _rows_problem(got, n_layers: int) -> tuple[list | None, str | None]:
    """The student's rows as (type, shape tuple, int params), or why they cannot be read."""
    if got is None:
        return None, "returned None (did you forget the return statement?)"
    if not isinstance(got, (list, tuple)):
        return None, (f"returned a {type(got).__name__}; expected a list with one (type, output_shape, params) "
                      "per layer")
    if len(got) != n_layers:
        return None, (f"returned {O.plural(len(got), 'row')} for a stack of {O.plural(n_layers, 'layer')}; "
                      "expected one (type, output_shape, params) per layer")
    rows = []
    for n, row in enumerate(got):
        if not isinstance(row, (list, tuple)) or len(row) != 3:
            return None, f"row {n} is {row!r:.100}; each row is (type, output_shape, params)"
        kind, shape, params = row
        if not isinstance(shape, (list, tuple)) or any(O.whole_number_problem(v) for v in shape if v is not None):
            return None, f"row {n} has output shape {shape!r:.100}; a shape is a tuple of ints"
        problem = O.whole_number_problem(params)
        if problem:
            return None, f"row {n}: the parameter count {problem}"
        rows.append((kind, tuple(v if v is None else int(v) for v in shape), int(params)))
    return rows, None


def _diagnosis(layer: dict, expected_row, got_row, shape_in) -> str:
    kind, shape, _ = expected_row
    if len(got_row[1]) == len(shape) + 1 and tuple(got_row[1][1:]) == shape:
        return f" ({BATCH})"
    if kind == "Dense" and len(shape_in) > 1 and got_row[1] == (layer["units"],):
        return f" ({DENSE_FLATTENS})"
    if kind.endswith("Transpose") and got_row[1] != shape:
        return (" (Keras's transposed length, output_padding None: i * s + max(k - s, 0) for 'valid', "
                "i * s for 'same'; with output_padding: (i - 1) * s + k + output_padding, minus k // 2 "
                "on each side for 'same')")
    return ""


def compare(got, layers, input_shape) -> str | None:
    """None if the student's summary equals Keras's, else a message naming the stack and the first wrong row."""
    built = O.summary(layers, input_shape)
    assert built.refused_at is None, f"the oracle refuses a stack meant to be possible: {built.reason}"
    what = f"summarize({stacks.stack_text(input_shape, layers)})"
    rows, problem = _rows_problem(got, len(layers))
    if problem:
        return f"{what} {problem}"
    shape_in = tuple(input_shape)
    for n, (layer, expected, mine) in enumerate(zip(layers, built.rows, rows)):
        if mine[0] != expected[0]:
            return f"{what}: row {n} names the layer {mine[0]!r}; give each layer's type as written: {expected[0]!r}"
        if mine[1:] != expected[1:]:
            parts = []
            if mine[1] != expected[1]:
                parts.append(f"output shape expected {expected[1]}, got {mine[1]}")
            if mine[2] != expected[2]:
                parts.append(f"parameters expected {expected[2]}, got {mine[2]}")
            return (f"{what}: layers[{n}] {stacks.layer_text(layer)} on input {shape_in}: "
                    f"{'; '.join(parts)}{_diagnosis(layer, expected, mine, shape_in)}")
        shape_in = expected[1]
    return None


def _expect(student, layers, input_shape):
    fail_if(compare(_ask(student, layers, input_shape), layers, input_shape))


def _names_layer(message: str, index: int, kind: str) -> bool:
    squashed = re.sub(r"[^a-z0-9]", "", message.lower())
    if kind.lower() in squashed:
        return True
    numbers = f"(?:{index}|{index + 1})"
    pattern = (rf"(?:layers?|index|position|number|no\.?|#)\s*[\[#:=]?\s*{numbers}\b|\[\s*{numbers}\s*\]"
               rf"|\b{index + 1}(?:st|nd|rd|th)\b")
    return re.search(pattern, message, re.IGNORECASE) is not None


def _raise_problem(student, input_shape, layers, index, why) -> str | None:
    """None if summarize raises ValueError on this impossible stack, else what it did instead."""
    built = O.summary(layers, input_shape)
    assert built.refused_at == index, f"the oracle builds layers[{index}] of a stack meant to be impossible"
    raised = student.raises("summarize", _layers(layers), tuple(input_shape))
    reason = {"too small": "its output would have a size below 1",
              "reshape": "the Reshape does not keep the number of values",
              "rank": "its input does not have the rank the layer needs"}[why]
    shape_in = built.rows[index - 1][1] if index else tuple(input_shape)
    what = (f"summarize({stacks.stack_text(input_shape, layers)}) should raise ValueError: layers[{index}] "
            f"{stacks.layer_text(layers[index])} cannot be applied to input {shape_in} ({reason})")
    if raised is None:
        return f"{what}, but it returned a summary"
    if raised != "ValueError":
        return f"{what}, but it raised {raised}: {(student.raised_message or '')[:200]}"
    return _possible_problem(student, input_shape, layers, index)


def _possible_problem(student, input_shape, layers, index) -> str | None:
    """None if summarize gives a summary (one row per layer) of what can be built before layers[index].

    A refusal earns points only from a summarize that summarizes: one that raises ValueError on
    every stack refuses the impossible ones too, and has learnt nothing."""
    possible, shape = (layers[:index], input_shape) if index else (LENET5, (32, 32, 1))
    what = f"summarize({stacks.stack_text(shape, possible)})"
    try:
        got = student.call("summarize", _layers(possible), tuple(shape))
    except StudentError as error:
        problem = f"failed: {error}"
    else:
        problem = _rows_problem(got, len(possible))[1]
    if problem is None:
        return None
    return (f"summarize refused layers[{index}] {stacks.layer_text(layers[index])} with ValueError, as it "
            f"should, but on {what}, which can be built, it {problem}: refusing an impossible stack counts "
            "only when the possible ones get their summary")


def _naming_problem(student, input_shape, layers, index) -> str | None:
    raised = student.raises("summarize", _layers(layers), tuple(input_shape))
    kind, message = layers[index]["type"], (student.raised_message or "")[:200]
    what = f"summarize({stacks.stack_text(input_shape, layers)})"
    if raised != "ValueError":
        did = "returned a summary" if raised is None else f"raised {raised}: {message}"
        return (f"{what} should raise ValueError naming layers[{index}] ({kind}), which cannot be built; "
                f"it {did}")
    if not _names_layer(message, index, kind):
        return (f"{what} raised ValueError {message!r}, which does not say which layer cannot be built: "
                f"name it, by its type {kind} or its position {index} in the list")
    return _possible_problem(student, input_shape, layers, index)


# ---- possible stacks -------------------------------------------------------------------
def _random_stacks(student, run_seed, rank, always):
    cases = O.draw(f"summarize/stacks{rank}d", stacks.stack(rank), N_STACKS, run_seed,
                   accept=lambda c: O.summary(c[1], c[0]).refused_at is None, always=always)
    O.check_cases(cases, lambda c: compare(_ask(student, c[1], c[0]), c[1], c[0]))


def test_random_1d_stacks(student, run_seed):
    # and always: a pooling layer with its stride left out, a transposed layer whose stride is
    # larger than its kernel
    _random_stacks(student, run_seed, 1, [((29, 2), tuple(KERAS_DEFAULTS)), ((4, 2), tuple(TRANSPOSED_GAP))])


def test_random_2d_stacks(student, run_seed):
    # and always the same, in 2-D: LeNet-5, and a transposed layer whose stride is larger than its kernel
    _random_stacks(student, run_seed, 2, [((32, 32, 1), tuple(LENET5)),
                                          ((4, 5, 2), ({"type": "Conv2DTranspose", "filters": 2, "kernel_size": 2,
                                                        "strides": 3},))])


KERAS_DEFAULTS = [{"type": "ZeroPadding1D"}, {"type": "Conv1D", "filters": 8, "kernel_size": 3},
                  {"type": "MaxPooling1D"}, {"type": "AveragePooling1D", "pool_size": 3},
                  {"type": "Conv1DTranspose", "filters": 4, "kernel_size": 3}]
TRANSPOSED_GAP = [{"type": "Conv1DTranspose", "filters": 3, "kernel_size": 2, "strides": 3}]
LENET5 = [{"type": "Conv2D", "filters": 6, "kernel_size": 5, "padding": "valid"},
          {"type": "MaxPooling2D", "pool_size": 2},
          {"type": "Conv2D", "filters": 16, "kernel_size": 5, "padding": "valid"},
          {"type": "MaxPooling2D", "pool_size": 2},
          {"type": "Flatten"},
          {"type": "Dense", "units": 120},
          {"type": "Dense", "units": 84},
          {"type": "Dense", "units": 10}]


def test_lenet5(student):
    _expect(student, LENET5, (32, 32, 1))


def test_keras_defaults(student):
    # every argument Keras has a default for is left out: strides 1 (conv) or the pool size
    # (pooling), padding "valid", MaxPooling pool_size 2, ZeroPadding 1 on each side, a bias
    _expect(student, KERAS_DEFAULTS, (29, 2))


def test_tuple_kernels_and_strides(student):
    # as in the course's simulator: kernels and strides per axis
    _expect(student, [{"type": "Conv2D", "filters": 4, "kernel_size": (3, 1), "strides": (2, 1)},
                      {"type": "MaxPooling2D", "pool_size": (1, 2), "strides": (1, 2)},
                      {"type": "Conv2DTranspose", "filters": 12, "kernel_size": (1, 5), "strides": (1, 2),
                       "padding": "same"}], (9, 10, 3))


def test_transposed_valid_stride_larger_than_kernel(student):
    _expect(student, TRANSPOSED_GAP, (4, 2))


def test_transposed_output_padding(student):
    # "same" with output_padding: (i - 1) * s + k % 2 + output_padding; "valid" with
    # output_padding=0: (i - 1) * s + k, without the max(k, s) of output_padding=None
    _expect(student, [{"type": "Conv1DTranspose", "filters": 2, "kernel_size": 4, "strides": 2, "padding": "same",
                       "output_padding": 1},
                      {"type": "Conv1DTranspose", "filters": 1, "kernel_size": 2, "strides": 3,
                       "output_padding": 0}], (5, 3))


def test_course_generator_with_valid_padding(student):
    # the course text's second 10x10 generator summary: 11x11, then 22x22, 324,363 parameters
    _expect(student, [{"type": "Dense", "units": 3200}, {"type": "Reshape", "target_shape": (5, 5, 128)},
                      {"type": "Conv2DTranspose", "filters": 1, "kernel_size": (3, 3), "strides": (2, 2)},
                      {"type": "Conv2DTranspose", "filters": 1, "kernel_size": (3, 3), "strides": (2, 2),
                       "padding": "same"}], (100,))


def test_dense_acts_on_last_axis(student):
    _expect(student, [{"type": "Dense", "units": 7}], (5, 24))


def test_reshape_with_minus_one(student):
    # the course's simulator: Reshape((-1, 5, 24)) lets Keras work out the first axis
    _expect(student, [{"type": "Dense", "units": 120}, {"type": "Reshape", "target_shape": (5, 24)},
                      {"type": "Reshape", "target_shape": (-1, 5, 24)},
                      {"type": "Conv2DTranspose", "filters": 12, "kernel_size": (1, 5), "strides": (1, 2),
                       "padding": "same"},
                      {"type": "Reshape", "target_shape": (20, 6)}], (24,))


def test_zero_padding_forms(student):
    # ZeroPadding2D((1, 2)) pads 1 row above and below and 2 columns left and right
    _expect(student, [{"type": "ZeroPadding2D", "padding": 2}, {"type": "ZeroPadding2D", "padding": (1, 2)},
                      {"type": "ZeroPadding2D", "padding": ((0, 1), (3, 0))}], (4, 5, 3))


def test_no_bias(student):
    _expect(student, [{"type": "Conv1D", "filters": 6, "kernel_size": 5, "use_bias": False},
                      {"type": "Flatten"}, {"type": "Dense", "units": 4, "use_bias": False}], (12, 3))


# ---- impossible stacks -----------------------------------------------------------------
OUTPUT_BELOW_ONE = ((12, 1), [{"type": "Conv1D", "filters": 16, "kernel_size": 5},
                              {"type": "MaxPooling1D", "pool_size": 2},
                              {"type": "Conv1D", "filters": 16, "kernel_size": 5}], 2, "too small")
WRONG_RESHAPE = ((24,), [{"type": "Dense", "units": 120}, {"type": "Reshape", "target_shape": (5, 25)}], 1, "reshape")
RANK_MISMATCH = ((80, 3), [{"type": "Conv1D", "filters": 4, "kernel_size": 3},
                           {"type": "Conv2D", "filters": 8, "kernel_size": 3}], 1, "rank")


def _expect_raise(student, case):
    fail_if(_raise_problem(student, *case))


def test_output_below_one_raises(student):
    _expect_raise(student, OUTPUT_BELOW_ONE)


def test_wrong_reshape_raises(student):
    _expect_raise(student, WRONG_RESHAPE)


def test_rank_mismatch_raises(student):
    _expect_raise(student, RANK_MISMATCH)


def test_random_impossible_stacks_raise(student, run_seed):
    # and always one too small only when the pooling's stride is the pool size
    cases = O.draw("summarize/impossible", stacks.impossible_stack(), N_IMPOSSIBLE, run_seed,
                   accept=lambda c: O.summary(c[1], c[0]).refused_at == c[2], always=[OUTPUT_BELOW_ONE])
    O.check_cases(cases, lambda c: _raise_problem(student, *c))


def test_error_names_the_layer(student):
    problems = [_naming_problem(student, shape, layers, index)
                for shape, layers, index, _ in (OUTPUT_BELOW_ONE, WRONG_RESHAPE, RANK_MISMATCH)]
    problems = [p for p in problems if p]
    if problems:
        fail(problems[0])
