"""Hidden checks of conv_params(kernel_size, in_channels, filters, use_bias=True).

Expected counts come from Keras: Conv1D / Conv2D(filters, kernel_size, use_bias)
built on an input with in_channels channels, count_params(). An int
kernel_size is a 1-D kernel (Conv1D); a tuple has one entry per spatial
axis: (k,) for Conv1D, (kh, kw) for Conv2D. The checks are shared with
conv_transpose_params (params_checks.py).
"""

import pytest
from params_checks import make_checks

pytestmark = pytest.mark.grade_id("conv_params")

BIAS_PER_INPUT = "there is one bias per filter (output channel), not one per input channel"

globals().update(make_checks("conv_params", transposed=False, layer_1d="Conv1D",
                             bias_per_input=BIAS_PER_INPUT, course_layer=(10, 3, 100),
                             many_inputs=((3, 3), 128, 1)))
