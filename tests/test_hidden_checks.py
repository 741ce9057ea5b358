"""The hidden checks of every assignment, run by the real grading engine against known implementations.

Every implementation in tests/implementations/<assignment>/ becomes one
simulated student: a notebook with one code cell per exercise, the reference in
every cell but the one under test. For each exercise, ONE pytest process runs
its hidden check module (grader_tests/<assignment>/test_<exercise>.py) through
the convlab.checks plugin in the bwrap sandbox, exactly as ``convlab grade``
does, with each of that exercise's students graded under SEEDS seeds (20; the
class file gives every (student, seed) its own seed, so one process sweeps them
all); the tests here read the per-student result files it writes and require
that, under every seed,

* the reference and every correct style pass every check of the exercise,
* every wrong variant fails exactly the checks its assignment's WRONG lists for
  it (plus, at most, its "may fail" checks), and its messages give the
  diagnosis words listed,
* the untouched release fails every check,
* a module's checks use no function of the notebook but their exercise's, so a
  wrong variant loses its own cell and no other; rows of another exercise
  graded in a run (``cross``) lose nothing there,
* no check ever crashes inside the grader (``internal_errors``) and every
  simulated cell runs.

Under its first seed a row is the whole notebook; under the others, only the
cell of the exercise (the checks use nothing else of the notebook, which the
test above asserts), which is all the draws can change. The Keras model checks
(03's build_lenet and predict_classes, 04's generators), whose draws are the
inputs a fixed model is probed with, get PROBE_SEEDS (5); training exercises
one seed, since what chance does to their scores is measured by
benchmarks/training_spread.py; the untouched release raises before any draw
matters, so it gets one seed too (``seeds_of``).

An exercise that is data rather than a function (02's COURSE_MODELS) is
written in the implementations as a function returning it; its cell then ends
with ``COURSE_MODELS = course_models()``.

A failure names the seed; ``HIDDEN_CHECKS_SEED=<seed> HIDDEN_CHECKS_SEEDS=1``
reruns with it (the student id, and so the draws, include the seed).
"""

from __future__ import annotations

import ast
import builtins
import functools
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from convlab import sandbox
from convlab.grading import Settings, checks_command, class_spec

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
IMPLEMENTATIONS = Path(__file__).resolve().parent / "implementations"
#: Each row is graded under SEEDS seeds, from HIDDEN_CHECKS_SEED (a fresh one by default) on.
SEEDS = int(os.environ.get("HIDDEN_CHECKS_SEEDS", "20"))
BASE_SEED = int(os.environ.get("HIDDEN_CHECKS_SEED") or int.from_bytes(os.urandom(3), "little"))
#: The seeds of the Keras model checks (03's build_lenet and predict_classes, 04's generators): what
#: they draw is the inputs a fixed model is probed with, not a configuration, and each costs a model
#: built in the worker; fewer seeds keep the sweep within CI's time.
PROBE_SEEDS = 5
PARALLEL = 2


# ---- what each wrong variant must do -----------------------------------------------------
@dataclass(frozen=True)
class Wrong:
    fails: frozenset[str]  # checks it fails with every seed
    may_fail: frozenset[str] = frozenset()  # checks whose outcome depends on the draw
    says: dict[str, frozenset[str]] = field(default_factory=dict)  # phrase -> checks whose message has it


def wrong(fails, *says: str | tuple[str, set], may_fail=()) -> Wrong:
    """A Wrong; each of `says` is a phrase for every check in `fails`, or (phrase, the checks that give it)."""
    fails = frozenset(fails)
    phrases = {}
    for value in says:
        phrase, where = (value, fails) if isinstance(value, str) else value
        phrases[phrase] = frozenset(where)
    return Wrong(fails, frozenset(may_fail), phrases)


# ---- 01_convolution
# The checks of properties (inputs left alone, errors raised) count only in calls that also compute
# the right values, so that a do-nothing function cannot earn them: wrong values fail them too.
VALUE_1D = {"test_valid_asymmetric_filter", "test_default_mode_is_valid", "test_same_odd_filter",
            "test_same_even_filter", "test_full", "test_filter_as_long_as_signal",
            "test_integer_signal_float_filter", "test_inputs_unmodified",
            "test_filter_longer_than_signal_raises_value_error"}
VALID_1D = {"test_valid_asymmetric_filter", "test_default_mode_is_valid", "test_filter_as_long_as_signal",
            "test_integer_signal_float_filter", "test_filter_longer_than_signal_raises_value_error"}
VALUE_CONTINUOUS = {"test_two_boxes_default_grid", "test_direction_of_g", "test_custom_lo_hi",
                    "test_custom_delta", "test_t_shape_is_kept", "test_t_unmodified"}
VALUE_CONV2D = {"test_valid_multichannel", "test_same_odd_kernel", "test_same_even_kernel", "test_full",
                "test_integer_padding", "test_pair_padding", "test_stride",
                "test_same_padding_with_stride_pair", "test_uint8_image", "test_inputs_unmodified"}
PADDED_CONV2D = {"test_same_odd_kernel", "test_same_even_kernel", "test_full", "test_integer_padding",
                 "test_pair_padding", "test_same_padding_with_stride_pair", "test_inputs_unmodified"}
VALUE_LAYER = {"test_valid_several_filters", "test_channel_mixing", "test_bias_per_filter",
               "test_same_padding_odd_kernel", "test_same_padding_even_kernel", "test_stride",
               "test_relu", "test_callable_activation", "test_activation_after_bias", "test_inputs_unmodified"}
VALUE_POOL = {"test_max_default_stride", "test_avg_default_stride", "test_overlapping_windows",
              "test_pair_pool_size_and_stride", "test_incomplete_windows_dropped",
              "test_negative_values_max", "test_integer_input_avg", "test_input_unmodified"}
MUTATED = "modified its input '{}' in place"
NO_VALUE_ERROR = "should raise ValueError because the filter is longer than the signal"

WRONG_01 = {
    # correlate1d
    "correlate1d__flipped": wrong(VALUE_1D, "it equals the true convolution np.convolve(x, f)"),
    "correlate1d__same_wrong_side": wrong({"test_same_even_filter"},
                                          "puts the extra zero of padding before the signal (left); "
                                               "you put it after"),
    "correlate1d__valid_short": wrong(VALID_1D, "1 element short"),
    "correlate1d__valid_long": wrong(VALID_1D, "1 extra element"),
    "correlate1d__int_output": wrong({"test_integer_signal_float_filter"}, "you returned integers"),
    "correlate1d__no_length_check": wrong({"test_filter_longer_than_signal_raises_value_error"},
                                          NO_VALUE_ERROR),
    "correlate1d__default_full": wrong({"test_default_mode_is_valid"},
                                       "with no mode given it should compute mode='valid'"),
    "correlate1d__mutates": wrong({"test_inputs_unmodified"}, MUTATED.format("x")),
    # convolve1d
    "convolve1d__not_flipped": wrong(VALUE_1D, "it equals the cross-correlation np.correlate(x, f)"),
    "convolve1d__same_wrong_side": wrong({"test_same_even_filter"}, "your output is shifted by one"),
    "convolve1d__flip_in_place": wrong({"test_inputs_unmodified"}, MUTATED.format("f")),
    "convolve1d__no_length_check": wrong({"test_filter_longer_than_signal_raises_value_error"},
                                         NO_VALUE_ERROR),
    # gaussian_kernel1d
    "gaussian_kernel1d__not_normalised": wrong(
        {"test_default_width", "test_sums_to_one", "test_size_one"},
        ("it is not normalised: divide by the sum", {"test_default_width"}),
        ("the sum of the weights", {"test_sums_to_one"})),
    "gaussian_kernel1d__unit_range": wrong(
        {"test_default_width", "test_custom_width_profile", "test_even_size_profile"},
        "the sample points should run from -width to width"),
    "gaussian_kernel1d__ignores_width": wrong({"test_custom_width_profile", "test_even_size_profile"},
                                              "it ignores the width argument"),
    "gaussian_kernel1d__integer_offsets": wrong(
        {"test_default_width", "test_custom_width_profile", "test_even_size_profile"},
        "you used integer offsets from the centre with standard deviation width"),
    "gaussian_kernel1d__step_division": wrong({"test_size_one"}, "raised ZeroDivisionError"),
    # continuous_convolution
    "continuous_convolution__no_delta": wrong(
        VALUE_CONTINUOUS, ("multiply the sum by the step delta",
                           VALUE_CONTINUOUS - {"test_t_shape_is_kept", "test_t_unmodified"})),
    "continuous_convolution__sign": wrong({"test_direction_of_g", "test_t_unmodified"},
                                          ("it sums f(a) * g(a - t); the convolution uses g(t - a)",
                                           {"test_direction_of_g"})),
    # in the first half of the grid, where the box checks' box lies, linspace counts the same points
    "continuous_convolution__linspace": wrong(
        {"test_direction_of_g", "test_custom_lo_hi", "test_t_shape_is_kept", "test_t_unmodified"},
        ("np.linspace(lo, hi, n) has a different step", {"test_custom_lo_hi"})),
    "continuous_convolution__includes_hi": wrong({"test_custom_lo_hi"}, "yours includes hi"),
    "continuous_convolution__ignores_lo_hi": wrong({"test_custom_lo_hi"}, "it ignores lo and hi"),
    "continuous_convolution__ignores_delta": wrong({"test_custom_delta"}, "it ignores delta"),
    "continuous_convolution__loop_over_t": wrong({"test_t_shape_is_kept"}, "raised ValueError"),
    "continuous_convolution__swapped": wrong({"test_direction_of_g", "test_custom_lo_hi", "test_t_unmodified"},
                                             ("it sums g(a) * f(t - a): the same integral",
                                              {"test_direction_of_g", "test_custom_lo_hi"})),
    "continuous_convolution__mutates": wrong({"test_t_unmodified"}, MUTATED.format("t")),
    # conv2d
    "conv2d__flipped": wrong(VALUE_CONV2D, (
        "it equals the true convolution (kernel flipped in both directions)",
        {"test_valid_multichannel", "test_same_odd_kernel", "test_same_even_kernel", "test_full",
         "test_uint8_image"})),
    "conv2d__no_channel_sum": wrong(
        VALUE_CONV2D, ("sum the products over the channels too", {"test_valid_multichannel"}),
        ("did you forget to sum over it", VALUE_CONV2D - {"test_valid_multichannel"})),
    # an IndexError from reading (H, W, C) as (C, H, W): no diagnosis to expect
    "conv2d__channels_first": wrong(VALUE_CONV2D),
    "conv2d__same_wrong_side": wrong({"test_same_even_kernel", "test_same_padding_with_stride_pair"},
                                     "the extra row/column after (bottom/right); you put it before"),
    "conv2d__stride_ignored": wrong({"test_stride", "test_same_padding_with_stride_pair"},
                                    "it ignores the stride (this is the stride-1 output)"),
    "conv2d__one_side_padding": wrong(PADDED_CONV2D, ("it puts all the padding before the image",
                                                      PADDED_CONV2D - {"test_inputs_unmodified"})),
    "conv2d__same_stride1_padding": wrong({"test_same_padding_with_stride_pair"},
                                          "with a stride, 'same' padding follows TensorFlow"),
    "conv2d__same_stride_floor": wrong({"test_same_padding_with_stride_pair"},
                                       "you computed floor(H / s) and floor(W / s)"),
    "conv2d__pair_padding_swapped": wrong({"test_pair_padding"}, "you swapped them"),
    "conv2d__int_output": wrong({"test_uint8_image"}, "you returned integers"),
    "conv2d__mutates": wrong({"test_inputs_unmodified"}, MUTATED.format("kernel")),
    # conv2d_layer; the transposed read of the weights can raise IndexError in the mutation check too
    "conv2d_layer__weights_transposed": wrong(
        VALUE_LAYER, ("it reads weights as (kh, kw, Cout, Cin)", {"test_channel_mixing"})),
    "conv2d_layer__no_bias": wrong({"test_bias_per_filter", "test_activation_after_bias", "test_inputs_unmodified"},
                                   ("the bias is missing", {"test_bias_per_filter", "test_activation_after_bias"})),
    "conv2d_layer__activation_ignored": wrong({"test_relu", "test_callable_activation",
                                               "test_activation_after_bias"},
                                              "the activation is not applied"),
    "conv2d_layer__relu_before_bias": wrong({"test_activation_after_bias"},
                                            "the activation goes after adding the bias"),
    "conv2d_layer__flipped": wrong(VALUE_LAYER, (
        "it equals a true convolution (kernel flipped)",
        {"test_valid_several_filters", "test_channel_mixing", "test_same_padding_odd_kernel",
         "test_same_padding_even_kernel"})),
    "conv2d_layer__channels_first_output": wrong(VALUE_LAYER, (
        "that is channels-first (N, C, H, W)",
        VALUE_LAYER - {"test_channel_mixing", "test_stride", "test_inputs_unmodified"})),
    "conv2d_layer__every_activation_relu": wrong({"test_callable_activation"},
                                                 "it applies relu instead of the given activation"),
    "conv2d_layer__stride_ignored": wrong({"test_stride"}, "it ignores the stride"),
    "conv2d_layer__same_wrong_side": wrong({"test_same_padding_even_kernel"},
                                           "the extra row/column after (bottom/right)"),
    "conv2d_layer__mutates": wrong({"test_inputs_unmodified"}, MUTATED.format("bias")),
    # pool2d
    "pool2d__default_stride_one": wrong(
        {"test_max_default_stride", "test_avg_default_stride", "test_incomplete_windows_dropped",
         "test_negative_values_max", "test_integer_input_avg", "test_input_unmodified"},
        ("the stride defaults to the pool size", {"test_max_default_stride", "test_avg_default_stride"})),
    "pool2d__stride_ignored": wrong({"test_overlapping_windows", "test_pair_pool_size_and_stride"},
                                    "it ignores the stride argument"),
    "pool2d__modes_swapped": wrong(
        VALUE_POOL,
        ("it computes the average; mode='max'", {"test_max_default_stride", "test_overlapping_windows"}),
        ("it computes the maximum; mode='avg'", {"test_avg_default_stride", "test_pair_pool_size_and_stride"})),
    "pool2d__ceil": wrong({"test_incomplete_windows_dropped"}, "it keeps the incomplete windows"),
    "pool2d__max_starts_at_zero": wrong({"test_negative_values_max"}, "do not start the running maximum at 0"),
    "pool2d__int_output": wrong({"test_integer_input_avg"}, "you returned integers"),
    "pool2d__pool_pair_swapped": wrong({"test_pair_pool_size_and_stride"},
                                       "pool_size=(ph, pw) means ph rows by pw columns; you swapped them"),
    "pool2d__mutates": wrong({"test_input_unmodified"}, MUTATED.format("x")),
    # integers cannot be divided in place: it raises on the integer input too
    "pool2d__avg_divides_in_place": wrong({"test_input_unmodified", "test_integer_input_avg"},
                                          ("pool2d(x, 2, mode='avg') " + MUTATED.format("x"), {"test_input_unmodified"}),
                                          ("Cannot cast ufunc 'divide' output", {"test_integer_input_avg"})),
}


# ---- 02_output_shapes
SAME_EXPLICIT = {"test_odd_kernel", "test_even_kernel_extra_zero_after", "test_stride_that_does_not_divide",
                 "test_kernel_longer_than_input", "test_dilation"}
PARAMS_WITH_BIAS = {"test_random_1d_kernels", "test_random_2d_kernels", "test_bias_by_default",
                    "test_bias_per_filter", "test_non_square_kernel", "test_one_element_tuple"}
STACKS = {"test_random_1d_stacks", "test_random_2d_stacks", "test_lenet5", "test_keras_defaults",
          "test_tuple_kernels_and_strides", "test_transposed_valid_stride_larger_than_kernel",
          "test_transposed_output_padding", "test_course_generator_with_valid_padding",
          "test_dense_acts_on_last_axis", "test_reshape_with_minus_one", "test_zero_padding_forms", "test_no_bias"}
IMPOSSIBLE = {"test_output_below_one_raises", "test_wrong_reshape_raises", "test_rank_mismatch_raises",
              "test_random_impossible_stacks_raise"}

WRONG_02 = {
    # conv_output_length
    "conv_output_length__padding_total": wrong(
        {"test_random_padding", "test_padding_on_each_side", "test_kernel_exactly_fits"},
        "p zeros go on EACH side"),
    "conv_output_length__ceil": wrong({"test_random_strides", "test_stride_that_does_not_divide", "test_random_padding"},
                                      "rounded down (floor)"),
    "conv_output_length__no_dilation": wrong({"test_random_dilation", "test_dilation"}, "ignores the dilation d"),
    "conv_output_length__float": wrong({"test_returns_an_int"}, "a length is an int"),
    # same_padding
    "same_padding__extra_before": wrong(
        {"test_even_kernel_extra_zero_after", "test_stride_that_does_not_divide", "test_kernel_longer_than_input",
         "test_random_strides", "test_random_dilation"},
        "puts the extra zero after the input"),
    "same_padding__stride_ignored": wrong(
        {"test_random_strides", "test_stride_that_does_not_divide", "test_no_padding_needed"},
        ("that is the stride-1 padding", {"test_stride_that_does_not_divide", "test_no_padding_needed"})),
    "same_padding__total_each_side": wrong(
        SAME_EXPLICIT | {"test_random_strides", "test_random_dilation"},
        ("puts the whole total on each side", SAME_EXPLICIT - {"test_stride_that_does_not_divide"}),
        ("also comes from this mistake: that puts the whole total", {"test_stride_that_does_not_divide"})),
    "same_padding__not_clipped": wrong({"test_no_padding_needed", "test_random_strides"}, "padding cannot be negative"),
    "same_padding__floats": wrong({"test_returns_two_ints"}, "the numbers of zeros are ints"),
    # pool_output_length
    "pool_output_length__default_stride_one": wrong(
        {"test_default_stride_is_pool_size", "test_default_stride_with_same", "test_stride_none_given",
         "test_random_same"},
        "the stride defaults to the pool size"),
    "pool_output_length__ceil": wrong(
        {"test_default_stride_is_pool_size", "test_stride_none_given", "test_incomplete_window_dropped",
         "test_random_valid"},
        "keeps the incomplete window"),
    "pool_output_length__same_as_valid": wrong(
        {"test_random_same", "test_default_stride_with_same", "test_same_with_stride",
         "test_same_pool_longer_than_input"},
        ("that is the 'valid' length", {"test_default_stride_with_same", "test_same_with_stride"})),
    # conv_transpose_output_length
    "conv_transpose_output_length__textbook": wrong({"test_stride_larger_than_kernel", "test_random_valid"},
                                                    "that is the textbook (i - 1) * s + k"),
    "conv_transpose_output_length__ignores_output_padding": wrong(
        {"test_output_padding_valid", "test_output_padding_same_even_kernel", "test_output_padding_zero_is_not_none",
         "test_random_output_padding"},
        ("that ignores output_padding", {"test_output_padding_valid", "test_output_padding_same_even_kernel"}),
        ("without the max(k, s)", {"test_output_padding_zero_is_not_none"})),
    "conv_transpose_output_length__same_plus_op": wrong(
        {"test_output_padding_same_even_kernel", "test_random_output_padding"}, "not i * s + output_padding"),
    "conv_transpose_output_length__no_dilation": wrong({"test_dilation", "test_random_valid"}, "ignores the dilation d"),
    # conv_params / conv_transpose_params / dense_params
    "conv_params__no_bias": wrong(PARAMS_WITH_BIAS, "the bias is missing"),
    "conv_params__bias_always": wrong({"test_no_bias", "test_random_1d_kernels", "test_random_2d_kernels"},
                                      "use_bias=False means no bias"),
    "conv_params__int_squared": wrong({"test_random_1d_kernels", "test_bias_by_default"},
                                      "you counted a k x k kernel"),
    "conv_transpose_params__kernel_layout": wrong(
        PARAMS_WITH_BIAS - {"test_one_element_tuple"},
        ("not per input channel: Keras stores the transposed kernel as (kh, kw, filters, in_channels)",
         {"test_bias_by_default", "test_bias_per_filter", "test_non_square_kernel"})),
    "conv_transpose_params__no_bias": wrong(PARAMS_WITH_BIAS, "the bias is missing"),
    "dense_params__no_bias": wrong({"test_random_layers", "test_bias_by_default", "test_bias_per_output"},
                                   "the bias is missing"),
    "dense_params__bias_per_input": wrong({"test_random_layers", "test_bias_by_default", "test_bias_per_output"},
                                          "one bias per output (unit), not one per input"),
    # summarize
    "summarize__dense_flattens": wrong({"test_dense_acts_on_last_axis"}, "Dense acts on the last axis only"),
    "summarize__no_raise": wrong(IMPOSSIBLE | {"test_error_names_the_layer"}, "returned a summary"),
    "summarize__unnamed_error": wrong({"test_error_names_the_layer"}, "does not say which layer cannot be built"),
    # in a random stack the wrong length may first show as a Reshape that cannot be done
    "summarize__transposed_textbook": wrong({"test_transposed_valid_stride_larger_than_kernel",
                                             "test_random_1d_stacks", "test_random_2d_stacks"},
                                            ("Keras's transposed length",
                                             {"test_transposed_valid_stride_larger_than_kernel"})),
    "summarize__pool_stride_one": wrong(
        {"test_lenet5", "test_keras_defaults", "test_output_below_one_raises", "test_error_names_the_layer",
         "test_random_1d_stacks", "test_random_2d_stacks", "test_random_impossible_stacks_raise"},
        ("output shape expected (14, 14, 6), got (27, 27, 6)", {"test_lenet5"})),
    "summarize__batch_dimension": wrong(STACKS, "leave the batch dimension out"),
    "summarize__refuses_everything": wrong(
        STACKS | IMPOSSIBLE | {"test_error_names_the_layer"},
        ("refusing an impossible stack counts only", IMPOSSIBLE | {"test_error_names_the_layer"})),
    # course_models
    "course_models__generator_valid": wrong({"test_upsampling_generator"}, "has 324,363 parameters"),
    "course_models__lenet_same": wrong({"test_lenet5"}, "first difference at layers[0] Conv2D"),
    "course_models__no_simulator": wrong({"test_models_is_a_dict_of_the_six", "test_simulator"}, "'simulator'"),
    "course_models__har_without_pooling": wrong({"test_har_conv1d"}, "it has 4 layers, the course's 5"),
    "course_models__conditioning_no_strides": wrong({"test_conditioning"}, "the course's summary shows 858"),
}


# ---- 03_lenet
TRAINING = {"test_returns_the_history_of_every_epoch", "test_uses_the_batch_size_it_is_given",
            "test_the_loss_goes_down", "test_leaves_x_and_y_unchanged"}
ACCURACY = {"test_accuracy_above_chance", "test_accuracy_good", "test_accuracy_full"}
PREDICT = {"test_one_integer_class_per_image", "test_a_single_image", "test_leaves_x_unchanged"}

WRONG_03 = {
    # load_digits32
    "load_digits32__pixels_0_16": wrong({"test_pixels_are_float32_between_0_and_1"}, "divide by 16"),
    "load_digits32__divided_by_255": wrong({"test_pixels_are_float32_between_0_and_1"}, "pixels by 255"),
    "load_digits32__no_channel_axis": wrong({"test_images_have_shape_n_32_32_1"}, "the channel axis is missing"),
    "load_digits32__unseeded": wrong({"test_split_follows_test_size_and_seed"}, "the same seed gave a different split"),
    "load_digits32__labels_shuffled_apart": wrong({"test_labels_are_the_digits_shown"},
                                                  "are not the digit their image shows"),
    # build_lenet: the original LeNet has the course's shapes and parameters, so only these catch it
    "build_lenet__tanh_avgpool": wrong(
        {"test_hidden_layers_use_relu", "test_pooling_takes_the_maximum"},
        ("with tanh in the hidden layers", {"test_hidden_layers_use_relu"}),
        ("take the average of each 2x2 window", {"test_pooling_takes_the_maximum"})),
    "build_lenet__no_softmax": wrong({"test_output_layer_is_softmax"}, "the last layer gives linear outputs"),
    "build_lenet__same_padding": wrong({"test_output_shapes", "test_parameter_count"},
                                       ("layer 1 (Conv2D) has output shape", {"test_output_shapes"}),
                                       ("has 136,586 parameters", {"test_parameter_count"})),
    "build_lenet__dropout": wrong({"test_layers_in_the_course_order", "test_output_shapes"}, "Dropout"),
    # train_lenet
    "train_lenet__categorical_int_labels": wrong(TRAINING | ACCURACY, "sparse_categorical_crossentropy"),
    "train_lenet__positional_compile": wrong(TRAINING | ACCURACY, "positional arguments"),
    # five epochs may or may not reach the full step: the mistake itself is charged by the epochs check
    "train_lenet__fixed_epochs": wrong({"test_returns_the_history_of_every_epoch"}, "ran 5 epochs",
                                       may_fail={"test_accuracy_full"}),
    "train_lenet__ignores_arguments": wrong(
        {"test_returns_the_history_of_every_epoch", "test_uses_the_batch_size_it_is_given"},
        ("it was asked for epochs=4", {"test_returns_the_history_of_every_epoch"}),
        ("is what mini-batches of 32 give", {"test_uses_the_batch_size_it_is_given"})),
    "train_lenet__shuffles_in_place": wrong({"test_leaves_x_and_y_unchanged"}, "modified its input 'x', 'y' in place"),
    "train_lenet__trains_on_digits_itself": wrong(ACCURACY, "not the labels train_lenet was given"),
    # predict_classes
    "predict_classes__probabilities": wrong(PREDICT, "returned the class probabilities"),
    "predict_classes__axis0": wrong(PREDICT, "took the argmax over the images"),
}


# ---- 04_transposed_conv
CONV_MATRIX = {"test_1d_asymmetric_kernel", "test_1d_length_as_a_tuple", "test_2d_non_square_kernel",
               "test_2d_kernel_as_tall_as_the_image", "test_multiplying_by_c_correlates", "test_kernel_unmodified"}
VALUE_TRANSPOSE = {"test_valid_stride_1", "test_valid_stride_2", "test_valid_stride_larger_than_kernel",
                   "test_same_stride_2_odd_kernel", "test_same_stride_2_even_kernel", "test_same_stride_pair",
                   "test_square_channels", "test_inputs_unmodified"}
STEPS = {"test_reconstructs_better_than_the_mean_image", "test_reconstructs_well", "test_reconstructs_very_well"}
FIT_ARGUMENTS = {"test_trains_for_the_epochs_it_is_given", "test_uses_the_batch_size_it_is_given"}

WRONG_04 = {
    "conv_matrix__flipped": wrong(CONV_MATRIX, "kernel flipped"),
    "conv_matrix__transposed": wrong(CONV_MATRIX, ("it returns C.T", CONV_MATRIX - {"test_multiplying_by_c_correlates"}),
                                     ("C needs one column per input value", {"test_multiplying_by_c_correlates"})),
    "conv_transpose_via_matrix__not_transposed": wrong(
        {"test_1d_values", "test_2d_values", "test_adjoint_identity", "test_inputs_unmodified"}, "raised ValueError"),
    "conv2d_transpose_layer__kernel_layout_cin_cout": wrong(
        VALUE_TRANSPOSE, ("reads weights as (kh, kw, Cin, Cout)", {"test_square_channels"})),
    "conv2d_transpose_layer__same_wrong_side": wrong(
        {"test_same_stride_2_odd_kernel", "test_same_stride_pair", "test_square_channels", "test_inputs_unmodified"},
        ("you cropped it at the top/left", {"test_same_stride_2_odd_kernel", "test_same_stride_pair"})),
    "conv2d_transpose_layer__textbook_valid": wrong({"test_valid_stride_larger_than_kernel"},
                                                    "that is the textbook (i - 1) * s + k rows"),
    "conv2d_transpose_layer__no_bias": wrong(VALUE_TRANSPOSE, "the bias is missing"),
    "Conv1DTranspose__course_keras2": wrong(
        {"test_same_stride_2_doubles_the_steps", "test_valid_stride_3", "test_default_arguments"}, "raised TypeError"),
    "build_upsampling_generator__valid_padding": wrong(
        {"test_output_is_a_10x10_image", "test_computes_the_course_generator"},
        ("'valid' would give 11x11", {"test_output_is_a_10x10_image"})),
    "build_upsampling_generator__relu_dense": wrong({"test_computes_the_course_generator"},
                                                    "does not compute what your model computes"),
    "build_simulator__strides_on_rows": wrong({"test_computes_the_course_simulator"},
                                              "check each layer's size, activation, strides and padding"),
    "build_simulator__no_relu": wrong({"test_computes_the_course_simulator"}, "does not compute"),
    "build_dcgan_generator__sigmoid_output": wrong({"test_tanh_output_in_minus_1_to_1"}, "should end with tanh"),
    "build_dcgan_generator__fixed_start": wrong(
        {"test_output_has_the_image_shape", "test_follows_the_notebook_table",
         "test_refuses_a_size_that_is_not_a_multiple_of_8"},
        ("start the maps at image_size // 8", {"test_output_has_the_image_shape"})),
    "build_dcgan_generator__refuses_everything": wrong(
        {"test_output_has_the_image_shape", "test_upsamples_with_stride_2_transposed_convolutions",
         "test_batch_normalisation_between_the_stages", "test_tanh_output_in_minus_1_to_1",
         "test_follows_the_notebook_table", "test_refuses_a_size_that_is_not_a_multiple_of_8"},
        "raised ValueError"),
    "train_autoencoder__upsampling_decoder": wrong({"test_the_decoder_uses_transposed_convolutions"},
                                                   "Conv2DTranspose"),
    "train_autoencoder__never_fits": wrong(
        STEPS | FIT_ARGUMENTS, ("of the error of predicting the mean training image", STEPS),
        ("(the best of 3 trainings)", STEPS), ("ran no epochs", {"test_trains_for_the_epochs_it_is_given"}),
        ("made no weight update", {"test_uses_the_batch_size_it_is_given"})),
    "train_autoencoder__ignores_arguments": wrong(
        FIT_ARGUMENTS, ("it was asked for epochs=4", {"test_trains_for_the_epochs_it_is_given"}),
        ("is what mini-batches of 64 give", {"test_uses_the_batch_size_it_is_given"})),
    "train_autoencoder__shuffles_in_place": wrong({"test_leaves_x_unchanged"}, "modified its input 'x' in place"),
    "train_autoencoder__standardised_by_zero": wrong(STEPS, "nan% of the error of predicting the mean training image"),
}


@dataclass(frozen=True)
class Assignment:
    """What the proof needs to know about one assignment."""

    name: str
    functions: tuple[str, ...]  # exercises, in the notebook's order
    wrong: dict[str, Wrong]  # variant -> what it must fail
    data: dict[str, str] = field(default_factory=dict)  # exercise -> the global its cell defines
    heavy: tuple[str, ...] = ()  # exercises whose runs take longest (Keras in a style): started first
    release_says: dict[str, str] = field(default_factory=dict)  # exercise -> words of the release's messages
    seeds: dict[str, int] = field(default_factory=dict)  # exercise -> its number of seeds, when not SEEDS
    cross: dict[str, tuple[str, ...]] = field(default_factory=dict)  # exercise -> other rows graded there too

    @property
    def checks_dir(self) -> Path:
        return ROOT / "grader_tests" / self.name

    def says(self, function: str) -> str:
        return self.release_says.get(function, "NotImplementedError")

    @functools.cached_property
    def notebook_imports(self) -> list[str]:
        """What `convlab grade` has the workers' template import: what the instructor's notebook imports."""
        import nbformat

        from convlab import launch

        (notebook,) = (ROOT / "source" / self.name).glob("*.ipynb")
        return launch.notebook_imports(nbformat.read(notebook, as_version=4))


ASSIGNMENTS = {a.name: a for a in [
    Assignment("01_convolution", ("correlate1d", "convolve1d", "gaussian_kernel1d", "continuous_convolution",
                                  "conv2d", "conv2d_layer", "pool2d"), WRONG_01, heavy=("conv2d_layer", "pool2d")),
    Assignment("02_output_shapes", ("conv_output_length", "same_padding", "pool_output_length",
                                    "conv_transpose_output_length", "conv_params", "conv_transpose_params",
                                    "dense_params", "summarize", "course_models"), WRONG_02,
               data={"course_models": "COURSE_MODELS"}, heavy=("summarize", "course_models"),
               release_says={"course_models": "COURSE_MODELS has no"}),
    Assignment("03_lenet", ("load_digits32", "build_lenet", "train_lenet", "predict_classes"), WRONG_03,
               heavy=("train_lenet", "build_lenet"),
               seeds={"load_digits32": 1, "build_lenet": PROBE_SEEDS, "train_lenet": 1, "predict_classes": PROBE_SEEDS},
               cross={"train_lenet": ("build_lenet__no_softmax",), "predict_classes": ("build_lenet__no_softmax",)}),
    Assignment("04_transposed_conv", ("conv_matrix", "conv_transpose_via_matrix", "conv2d_transpose_layer",
                                      "Conv1DTranspose", "build_upsampling_generator", "build_simulator",
                                      "build_dcgan_generator", "train_autoencoder"), WRONG_04,
               heavy=("train_autoencoder", "build_dcgan_generator"),
               seeds={"build_upsampling_generator": PROBE_SEEDS, "build_simulator": PROBE_SEEDS,
                      "build_dcgan_generator": PROBE_SEEDS, "train_autoencoder": 1}),
]}


# ---- implementations as notebook cells ---------------------------------------------------
@dataclass
class SourceModule:
    """One module of tests/implementations/<assignment>/, read as text (never imported)."""

    name: str
    text: str
    functions: dict[str, ast.FunctionDef]
    imports: list[tuple[str, set[str]]]  # (statement, names it binds)
    siblings: dict[str, str]  # `from . import reference as R`: {"R": "reference"}

    def span(self, node) -> tuple[int, int]:
        starts = self._line_starts
        return starts[node.lineno - 1] + node.col_offset, starts[node.end_lineno - 1] + node.end_col_offset

    @functools.cached_property
    def _line_starts(self) -> list[int]:
        starts, total = [], 0
        for line in self.text.splitlines(keepends=True):
            starts.append(total)
            total += len(line)
        return starts


@functools.cache
def source_module(assignment: str, name: str) -> SourceModule:
    text = (IMPLEMENTATIONS / assignment / f"{name}.py").read_text()
    assert text.isascii(), f"{assignment}/{name}.py: keep implementations ASCII (ast offsets are bytes)"
    tree = ast.parse(text)
    functions, imports, siblings = {}, [], {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            functions[node.name] = node
        elif isinstance(node, ast.ImportFrom) and node.level:
            siblings.update({a.asname or a.name: a.name for a in node.names})
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound = {a.asname or a.name.split(".")[0] for a in node.names}
            imports.append((ast.get_source_segment(text, node), bound))
    return SourceModule(name, text, functions, imports, siblings)


def cell_name(module: str, function: str) -> str:
    """The name a helper gets in a cell: private helpers keep theirs, public ones get a private copy."""
    return function if function.startswith("_") else f"_{module}_{function}"


def render(assignment: str, module: str, function: str,
           as_name: str) -> tuple[str, set[tuple[str, str]], set[str]]:
    """The function's source defining `as_name`, what it calls here or in a sibling, the names it uses."""
    mod = source_module(assignment, module)
    node = mod.functions[function]
    start, end = mod.span(node)
    header = mod.text.index(f"def {function}(", start) + len("def ")
    edits, calls, used = [(header, header + len(function), as_name)], set(), set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            used.add(sub.id)
        target = None
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id in mod.siblings:
            target = (mod.siblings[sub.value.id], sub.attr)  # R.conv2d
        elif isinstance(sub, ast.Name) and sub.id in mod.functions and sub.id != function:
            target = (module, sub.id)  # a helper of the same module
        if target:
            calls.add(target)
            edits.append((*mod.span(sub), cell_name(*target)))
    source = mod.text
    for a, b, new in sorted(edits, reverse=True):
        source = source[:a] + new + source[b:]
    shift = sum(len(new) - (b - a) for a, b, new in edits)
    return source[start:end + shift], calls, used


def cell(assignment: str, module: str, function: str, as_name: str) -> tuple[str, dict[str, tuple[str, str]]]:
    """A self-contained code cell: the imports it needs, its helpers, then `function` as `as_name`.

    Returns the source and the names it defines (name -> (module, function)).
    """
    done, parts, defines = set(), [], {}

    def add(mod: str, fn: str, name: str):
        if (mod, fn) in done:
            return
        done.add((mod, fn))
        source, calls, used = render(assignment, mod, fn, name)
        for dep in sorted(calls):
            add(*dep, cell_name(*dep))
        assert defines.setdefault(name, (mod, fn)) == (mod, fn), f"{name} would be defined twice"
        parts.append((mod, source, used))

    add(module, function, as_name)
    imports = []
    for mod, _, used in parts:
        for statement, bound in source_module(assignment, mod).imports:
            if bound & used and statement not in imports:
                imports.append(statement)
    source = "\n".join(imports) + "\n\n\n" + "\n\n\n".join(source for _, source, _ in parts) + "\n"
    variable = ASSIGNMENTS[assignment].data.get(as_name)
    if variable:  # a data exercise: the cell defines the global from the function's result
        source += f"\n\n{variable} = {as_name}()\n"
    return source, defines


@dataclass(frozen=True)
class Row:
    """One simulated student: `impl` of `module` in the cell of `function`, the reference elsewhere."""

    assignment: str
    function: str
    module: str  # reference, styles, variants or notimpl
    impl: str

    @property
    def id(self) -> str:
        return self.impl if "__" in self.impl else f"{self.function}__{self.module}"

    def __str__(self) -> str:
        return f"{self.assignment}/{self.id}"

    def cells(self) -> list[str]:
        """The notebook's code cells; the untouched release is stubs everywhere."""
        sources, owners = [], {}
        for name in ASSIGNMENTS[self.assignment].functions:
            if self.module == "notimpl":
                source, defines = cell(self.assignment, "notimpl", name, name)
            elif name == self.function:
                source, defines = cell(self.assignment, self.module, self.impl, name)
            else:
                source, defines = cell(self.assignment, "reference", name, name)
            for defined, owner in defines.items():  # a helper must mean the same in every cell
                assert owners.setdefault(defined, owner) == owner, \
                    f"{self.id}: {defined} is {owners[defined]} in one cell and {owner} in another"
            sources.append(source)
        return sources


def implementations(assignment: Assignment, module: str) -> list[Row]:
    return [Row(assignment.name, name.split("__")[0], module, name)
            for name in source_module(assignment.name, module).functions
            if name.split("__")[0] in assignment.functions and "__" in name]


STYLES = [r for a in ASSIGNMENTS.values() for r in implementations(a, "styles")]
VARIANTS = [r for a in ASSIGNMENTS.values() for r in implementations(a, "variants")]
REFERENCES = [Row(a.name, f, "reference", f) for a in ASSIGNMENTS.values() for f in a.functions]
NOT_IMPLEMENTED = [Row(a.name, f, "notimpl", f) for a in ASSIGNMENTS.values() for f in a.functions]
ROWS = REFERENCES + STYLES + VARIANTS + NOT_IMPLEMENTED


@functools.cache
def collected(assignment: str) -> dict[str, list[str]]:
    """The checks pytest collects from each module of grader_tests/<assignment>/ (some modules build
    theirs with a factory), by exercise: one collection for the whole folder."""
    checks_dir = ASSIGNMENTS[assignment].checks_dir
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "-o", "addopts=", "--rootdir", str(checks_dir), str(checks_dir)],
                          check=False, capture_output=True, text=True, cwd=ROOT)
    names: dict[str, set[str]] = {}
    for line in done.stdout.splitlines():
        if "::" in line:
            module, check = line.split("::")[:2]
            names.setdefault(Path(module).stem.removeprefix("test_"), set()).add(check.split("[")[0])
    return {exercise: sorted(checks) for exercise, checks in names.items()}


def check_names(assignment: str, function: str) -> list[str]:
    return collected(assignment).get(function, [])


# ---- one grading run per exercise --------------------------------------------------------
@dataclass(repr=False)
class Graded:
    results: dict[tuple[str, str, str], list[dict]]  # (assignment, exercise run, row id) -> one result per seed
    logs: dict[tuple[str, str], str]  # (assignment, exercise) -> the pytest run's output
    seconds: dict[tuple[str, str], float]  # (assignment, exercise) -> how long its run took

    def __repr__(self) -> str:
        return f"<results of {sum(map(len, self.results.values()))} simulated students>"


def seeds_of(row: Row, exercise: str) -> list[int]:
    """The seeds `row` is graded under in the run of `exercise`'s checks.

    Every seed (SEEDS), unless the row's outcome cannot depend on one: the untouched release
    raises before any draw matters, 03's load_digits32 checks draw nothing (the data split is
    the run's, shared by the class: ``class_seed``), a training's chance is measured apart
    (benchmarks/training_spread.py), and a row of another exercise only proves that its
    mistake costs nothing here. The Keras model checks get PROBE_SEEDS.
    """
    assignment = ASSIGNMENTS[row.assignment]
    if row.module == "notimpl" or row.function != exercise:
        return [BASE_SEED]
    return [BASE_SEED + k for k in range(assignment.seeds.get(exercise, SEEDS))]


def student_id(row: Row, seed: int) -> str:
    return f"{row.id}.s{seed}"


def class_rows(assignment: Assignment, exercise: str) -> list[Row]:
    """The simulated students of `exercise`'s run: its own rows, and other exercises' rows that
    must lose nothing here (Assignment.cross)."""
    own = [r for r in ROWS if (r.assignment, r.function) == (assignment.name, exercise)]
    cross = [r for r in VARIANTS + STYLES if r.assignment == assignment.name
             and r.impl in assignment.cross.get(exercise, ())]
    return own + cross


def cell_imports(cells: list[str]) -> list[str]:
    """The modules the cells import. The template imports them too, as it does the notebook's: a
    Keras style of 01 would otherwise pay TensorFlow's import in every one of its workers, seed
    after seed (the answers are the same)."""
    found = []
    for source in cells:
        for node in ast.walk(ast.parse(source)):  # imports inside functions too
            if isinstance(node, ast.Import):
                found += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found.append(node.module)
    return found


def grade_function(assignment: Assignment, function: str, rows: list[Row], scratch: Path,
                   kind: str) -> tuple[dict, str, float]:
    """Run test_<function>.py through the convlab.checks plugin with `rows`, each under its seeds, as the class.

    One process grades every (row, seed), as `convlab grade` grades a class: pytest, the hidden
    checks and the oracles are loaded once, and the workers are forked from one template that
    has imported what the assignment's notebook imports.
    """
    folder = scratch / assignment.name / function
    students, preload = [], list(assignment.notebook_imports)
    for row in rows:
        cells = row.cells()
        preload += [m for m in cell_imports(cells) if m not in preload]
        for n, seed in enumerate(seeds_of(row, function)):
            workdir = folder / "work" / student_id(row, seed)
            workdir.mkdir(parents=True)
            # the whole notebook under the first seed; under the others, the one cell the checks use
            # (test_checks_use_only_their_own_exercise), which is what their draws can change
            given = cells if n == 0 else [cells[assignment.functions.index(function)]]
            students.append({"id": student_id(row, seed), "workdir": str(workdir), "cells": given, "seed": seed})
    settings = Settings(seed=BASE_SEED)  # the timeouts `convlab grade` uses
    spec = class_spec(assignment.name, students, kind, folder / "results", settings, preload=preload)
    (folder / "class.json").write_text(json.dumps(spec, indent=1))
    argv = checks_command(assignment.checks_dir / f"test_{function}.py", folder / "class.json")
    started = time.perf_counter()
    done = subprocess.run(argv, check=False, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    seconds = time.perf_counter() - started
    results: dict[str, list[dict]] = {}
    for row in rows:
        for seed in seeds_of(row, function):
            path = folder / "results" / f"{student_id(row, seed)}.json"
            results.setdefault(row.id, []).append(json.loads(path.read_text()) if path.exists() else None)
    return results, f"exit code {done.returncode}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}", seconds


@pytest.fixture(scope="module")
def graded(request, tmp_path_factory) -> Graded:
    """Grade every exercise that a selected test asks about (all of them in a full run)."""
    needed = set()
    for item in request.session.items:
        if item.module is request.module and "graded" in item.fixturenames:
            params = item.callspec.params
            row, exercise = params.get("row"), params.get("exercise")
            if row is None:
                needed.add(exercise)
            else:
                needed.add((row.assignment, exercise or row.function))
    scratch = tmp_path_factory.mktemp("hidden_checks")
    kind = sandbox.choose("bwrap")

    def priority(job):  # the runs with Keras (in the grader and in a style) take longest: start them first
        assignment = ASSIGNMENTS[job[0]]
        return job[1] not in assignment.heavy, job[0], assignment.functions.index(job[1])

    order = sorted(needed, key=priority)
    with ThreadPoolExecutor(PARALLEL) as pool:
        runs = dict(zip(order, pool.map(
            lambda job: grade_function(ASSIGNMENTS[job[0]], job[1], class_rows(ASSIGNMENTS[job[0]], job[1]),
                                       scratch, kind),
            order)))
    (scratch / "seconds.json").write_text(json.dumps({"/".join(job): round(run[2], 1) for job, run in runs.items()}))
    return Graded({(job[0], job[1], k): v for job, (results, _, _) in runs.items() for k, v in results.items()},
                  {job: log for job, (_, log, _) in runs.items()},
                  {job: seconds for job, (_, _, seconds) in runs.items()})


def checks_of(graded: Graded, row: Row, exercise: str | None = None) -> list[tuple[dict[str, dict], int]]:
    """The row's checks by name in `exercise`'s run (its own by default), one dict per seed, after
    asserting each run was sound; with the seed."""
    exercise = exercise or row.function
    found = graded.results.get((row.assignment, exercise, row.id))
    assert found, f"{row}: not graded in the run of test_{exercise}.py"
    graded_under = []
    for result in found:
        assert result is not None, (f"{row}: a results file is missing; the run of test_{exercise}.py said\n"
                                    f"{graded.logs[row.assignment, exercise]}")
        seed = result["seed"]
        where = f"{row} (seed {seed}; HIDDEN_CHECKS_SEED={seed} reruns it)"
        assert result["start_error"] is None, f"{where}: the notebook did not start: {result['start_error']}"
        assert not result["internal_errors"], f"{where}: checks crashed inside the grader:\n" + "\n".join(
            f"{e['check']}:\n{e['traceback']}" for e in result["internal_errors"])
        broken = [c for c in result["cells"] if c["error"] or c["lost"]]
        assert not broken, f"{where}: cells of the simulated notebook failed: {broken}"
        prefix = f"test_{exercise}::"
        names = [c["check"] for c in result["checks"]]
        assert sorted(names) == sorted(prefix + n for n in check_names(row.assignment, exercise)), \
            f"{where}: expected one result per check of test_{exercise}.py, got {names}"
        assert {c["grade_id"] for c in result["checks"]} == {exercise}, f"{where}: wrong grade ids"
        graded_under.append(({c["check"].removeprefix(prefix): c for c in result["checks"]}, seed))
    return graded_under


def describe(checks: dict[str, dict], names) -> str:
    return "\n".join(f"  {n}: {checks[n]['message']}" for n in sorted(names)) or "  (none)"


# ---- the tests ---------------------------------------------------------------------------
@pytest.mark.parametrize("assignment", list(ASSIGNMENTS.values()), ids=lambda a: a.name)
def test_implementations_are_complete_and_documented(assignment):
    variants = {r.impl for r in VARIANTS if r.assignment == assignment.name}
    assert variants == set(assignment.wrong), "every variant needs an entry in WRONG, and vice versa"
    styled = {r.function for r in STYLES if r.assignment == assignment.name}
    assert styled == set(assignment.functions), "every exercise needs at least one other style"
    for module in ("reference", "styles", "variants", "notimpl"):
        for name, node in source_module(assignment.name, module).functions.items():
            doc = ast.get_docstring(node)
            assert doc and "\n" not in doc, f"{module}.{name} needs a one-line docstring saying what it is"
    for impl, expect in assignment.wrong.items():
        known = set(check_names(assignment.name, impl.split("__")[0]))
        named = expect.fails | expect.may_fail | {n for where in expect.says.values() for n in where}
        assert named <= known, f"{impl}: no such checks: {named - known}"
        assert not expect.fails & expect.may_fail, f"{impl}: a check both fails and may fail"
        for phrase, where in expect.says.items():
            assert where <= expect.fails, f"{impl}: {phrase!r} is expected in checks it need not fail"


def test_cells_are_self_contained():
    """Each cell compiles, defines its exercise (and its data) and uses only names it defines or imports."""
    for row in ROWS:
        assignment = ASSIGNMENTS[row.assignment]
        for name, source in zip(assignment.functions, row.cells()):
            tree = ast.parse(source, f"{row}: cell {name}")
            bound = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
            assert name in bound, f"{row}: the cell for {name} does not define it"
            assigned = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
                        if isinstance(t, ast.Name)}
            assert name not in assignment.data or assignment.data[name] in assigned, \
                f"{row}: the cell for {name} does not define {assignment.data[name]}"
            for node in tree.body:
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    bound |= {a.asname or a.name.split(".")[0] for a in node.names}
            for func in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
                local = {a.arg for a in ast.walk(func) if isinstance(a, ast.arg)}
                local |= {n.id for n in ast.walk(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
                local |= {n.name for n in ast.walk(func) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.ExceptHandler))
                          and n.name}
                local |= {a.asname or a.name.split(".")[0] for n in ast.walk(func)
                          if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
                free = {n.id for n in ast.walk(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
                missing = free - local - bound - set(dir(builtins))
                assert not missing, f"{row}: in the cell for {name}, {func.name} uses undefined {missing}"


@pytest.mark.parametrize("row", REFERENCES + STYLES, ids=str)
def test_correct_implementation_passes_every_check(graded, row):
    failures = [f"seed {seed}:\n{describe(checks, failed)}" for checks, seed in checks_of(graded, row)
                if (failed := [n for n, c in checks.items() if not c["passed"]])]
    assert not failures, f"{row} is correct but failed under these seeds:\n" + "\n".join(failures)


@pytest.mark.parametrize("row", VARIANTS, ids=str)
def test_wrong_implementation_fails_exactly_its_checks(graded, row):
    """Under every seed: it fails the checks its entry names, passes the others, and says why."""
    expect = ASSIGNMENTS[row.assignment].wrong[row.impl]
    problems = []
    for checks, seed in checks_of(graded, row):
        failed = {n for n, c in checks.items() if not c["passed"]}
        passed_wrongly = expect.fails - failed
        failed_wrongly = failed - expect.fails - expect.may_fail
        if passed_wrongly or failed_wrongly:
            problems.append(f"seed {seed}:\n should fail but passed: {sorted(passed_wrongly)}\n"
                            f" should pass but failed:\n{describe(checks, failed_wrongly)}")
        for phrase, where in expect.says.items():
            missing = [n for n in where if n in failed and phrase not in checks[n]["message"]]
            if missing:
                problems.append(f"seed {seed}: the diagnosis {phrase!r} is missing from\n{describe(checks, missing)}")
    assert not problems, f"{row}:\n" + "\n".join(problems)


@pytest.mark.parametrize("exercise", [(a.name, f) for a in ASSIGNMENTS.values() for f in a.functions],
                         ids="/".join)
def test_untouched_release_fails_every_check(graded, exercise):
    assignment, function = ASSIGNMENTS[exercise[0]], exercise[1]
    row = Row(assignment.name, function, "notimpl", function)
    for checks, seed in checks_of(graded, row):
        passed = [n for n, c in checks.items() if c["passed"]]
        assert not passed, f"{row}: every exercise is still the release's stub, yet these passed: {passed}"
        says = assignment.says(function)
        silent = [n for n, c in checks.items() if says not in c["message"]]
        assert not silent, f"{row} (seed {seed}): messages that do not say {says!r}:\n{describe(checks, silent)}"


@pytest.mark.parametrize("exercise", [(a.name, f) for a in ASSIGNMENTS.values() for f in a.functions],
                         ids="/".join)
def test_checks_use_only_their_own_exercise(graded, exercise):
    """A module's checks call the student's function of their exercise and nothing else of the
    notebook's (another piece they need is the grader's own, e.g. the course's LeNet built in the
    worker). With the grade ids asserted in every run, a wrong variant therefore loses exactly the
    cell it is in: its own checks are its cell's, and no other cell's checks ever call it."""
    assignment, function = ASSIGNMENTS[exercise[0]], exercise[1]
    own = {function, assignment.data.get(function)} - {None}
    for (name, run, row_id), results in graded.results.items():
        if (name, run) != exercise:
            continue
        for result in results:
            used = set(result["functions_called"]) if result else set()
            assert used <= own, (f"{name}/{row_id}: the checks of {function} used {sorted(used - own)} "
                                 f"of the notebook (seed {result['seed']})")


CROSS = [(r, exercise) for a in ASSIGNMENTS.values() for exercise, impls in a.cross.items()
         for r in VARIANTS + STYLES if r.assignment == a.name and r.impl in impls]


@pytest.mark.parametrize("row,exercise", CROSS, ids=lambda v: str(v) if isinstance(v, Row) else v)
def test_another_exercises_mistake_costs_nothing_here(graded, row, exercise):
    """A mistake in one cell is not charged again by the checks of a cell that works with it."""
    for checks, seed in checks_of(graded, row, exercise):
        failed = [n for n, c in checks.items() if not c["passed"]]
        assert not failed, (f"{row} is wrong in {row.function} only, yet lost checks of {exercise} "
                            f"(seed {seed}):\n{describe(checks, failed)}")
