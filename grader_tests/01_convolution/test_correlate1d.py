"""Hidden checks of correlate1d(x, f, mode="valid"): 1-D cross-correlation.

Oracle: np.correlate(x, f, mode); the checks themselves are shared with
convolve1d (one_d_checks.py). Inputs are drawn from the grading-time ``rng``.
"""

import numpy as np
import pytest
from one_d_checks import make_checks

pytestmark = pytest.mark.grade_id("correlate1d")

FLIPPED = (
    "it equals the true convolution np.convolve(x, f) (filter flipped); "
    "correlate1d slides f over x without flipping it"
)
SAME_EVEN_SIDE = (
    "for an even-length filter, 'same' (like np.correlate(x, f, 'same')) puts the extra "
    "zero of padding before the signal (left); you put it after"
)


globals().update(make_checks("correlate1d", np.correlate, np.convolve, FLIPPED, SAME_EVEN_SIDE))
