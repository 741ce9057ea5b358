"""Hidden checks of convolve1d(x, f, mode="valid"): 1-D true convolution.

Oracle: np.convolve(x, f, mode) (the filter is flipped); the checks themselves
are shared with correlate1d (one_d_checks.py). Inputs are drawn from the
grading-time ``rng``.
"""

import numpy as np
import pytest
from one_d_checks import make_checks

pytestmark = pytest.mark.grade_id("convolve1d")

NOT_FLIPPED = (
    "it equals the cross-correlation np.correlate(x, f) (filter not flipped); "
    "a convolution flips the filter: f[::-1]"
)
SAME_EVEN_SIDE = (
    "for an even-length filter, 'same' (like np.convolve(x, f, 'same')) keeps the full "
    "output from index (len(f) - 1) // 2 on; your output is shifted by one"
)


globals().update(make_checks("convolve1d", np.convolve, np.correlate, NOT_FLIPPED, SAME_EVEN_SIDE))
