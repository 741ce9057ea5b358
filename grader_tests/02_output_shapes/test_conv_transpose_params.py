"""Hidden checks of conv_transpose_params(kernel_size, in_channels, filters, use_bias=True).

Expected counts come from Keras: Conv1DTranspose / Conv2DTranspose(filters, kernel_size, use_bias)
built on an input with in_channels channels, count_params(). An int
kernel_size is a 1-D kernel (Conv1DTranspose); a tuple has one entry per spatial
axis: (k,) for Conv1DTranspose, (kh, kw) for Conv2DTranspose.
Keras stores a transposed kernel as (k..., filters, in_channels): its last
axis runs over the INPUT channels, but the bias still has one entry per
filter. The checks are shared with conv_params (params_checks.py).
"""

import pytest
from params_checks import make_checks

pytestmark = pytest.mark.grade_id("conv_transpose_params")

BIAS_PER_INPUT = ("one bias per filter (output channel), not per input channel: Keras stores the transposed "
                  "kernel as (kh, kw, filters, in_channels), and the bias follows the filters, not the last axis")

globals().update(make_checks("conv_transpose_params", transposed=True, layer_1d="Conv1DTranspose",
                             bias_per_input=BIAS_PER_INPUT, course_layer=((3, 3), 128, 1),
                             many_inputs=((3, 3), 64, 2)))
