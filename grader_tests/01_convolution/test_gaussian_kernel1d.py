"""Hidden checks of gaussian_kernel1d(size, width=2.0): a normalised 1-D Gaussian.

Oracle: g = exp(-linspace(-width, width, size)**2 / 2); g / g.sum(). Only one
test compares raw values; the others compare the *profile* (the output divided
by its own sum), so a kernel that is merely not normalised loses only the
tests about normalisation.
"""

import functools

import numpy as np
import pytest

from convlab.diagnose import expect_array, expect_close

pytestmark = pytest.mark.grade_id("gaussian_kernel1d")

# results are not sliding-window images with padded borders: no 'check the padding' hint
_check = functools.partial(expect_array, edges_hint=False)

NOT_NORMALISED = "it is not normalised: divide by the sum so that the weights add up to 1"
UNIT_RANGE = "the sample points should run from -width to width, you used -1 to 1"
IGNORED_WIDTH = "it ignores the width argument (the sample points run from -width to width)"
INTEGER_OFFSETS = (
    "the kernel samples exp(-x**2 / 2) at `size` evenly spaced x from -width to width; "
    "you used integer offsets from the centre with standard deviation width"
)


def _gauss(size, width=2.0, normalise=True):
    g = np.exp(-np.linspace(-width, width, size) ** 2 / 2)
    return g / g.sum() if normalise else g


def _integer_offsets(size, width):
    x = np.arange(size) - (size - 1) / 2
    g = np.exp(-x**2 / (2 * width**2))
    return g / g.sum()


def _profile(got):
    """The student's kernel divided by its sum, when that is meaningful."""
    if isinstance(got, np.ndarray) and got.dtype.kind == "f" and got.size:
        total = got.sum()
        if np.isfinite(total) and total != 0:
            return got / total
    return got


def _draw_width(rng):
    # away from the default 2.0 and from 1.0, so ignoring width is always visible
    return float(rng.choice([rng.uniform(0.4, 0.8), rng.uniform(1.3, 1.7), rng.uniform(2.6, 4.0)]))


def test_default_width(student, rng):
    size = int(rng.choice([5, 7, 11, 13]))  # not 9: there integer offsets with sigma 2 coincide
    got = student.call("gaussian_kernel1d", size)
    _check(got, _gauss(size), what=f"gaussian_kernel1d({size})",
           variants={NOT_NORMALISED: _gauss(size, normalise=False),
                     UNIT_RANGE: _gauss(size, 1.0),
                     INTEGER_OFFSETS: _integer_offsets(size, 2.0)})


def test_custom_width_profile(student, rng):
    size, width = int(rng.choice([5, 7, 9, 11])), _draw_width(rng)
    got = student.call("gaussian_kernel1d", size, width=width)
    _check(_profile(got), _gauss(size, width),
           what=f"gaussian_kernel1d({size}, width={width:.3g}) (divided by its sum)",
           variants={IGNORED_WIDTH: _gauss(size, 2.0), UNIT_RANGE: _gauss(size, 1.0),
                     INTEGER_OFFSETS: _integer_offsets(size, width)})


def test_even_size_profile(student, rng):
    size, width = int(rng.choice([4, 6, 8, 10])), _draw_width(rng)
    got = student.call("gaussian_kernel1d", size, width=width)
    _check(_profile(got), _gauss(size, width),
           what=f"gaussian_kernel1d({size}, width={width:.3g}) (divided by its sum)",
           variants={IGNORED_WIDTH: _gauss(size, 2.0), UNIT_RANGE: _gauss(size, 1.0),
                     INTEGER_OFFSETS: _integer_offsets(size, width)})


def test_sums_to_one(student, rng):
    size, width = int(rng.integers(3, 16)), _draw_width(rng)
    what = f"gaussian_kernel1d({size}, width={width:.3g})"
    got = student.call("gaussian_kernel1d", size, width=width)
    if not (isinstance(got, np.ndarray) and got.dtype.kind == "f"):
        _check(got, _gauss(size, width), what=what)  # fails with the type problem
    expect_close(float(got.sum()), 1.0, what=f"the sum of the weights of {what}", rtol=1e-5)


def test_size_one(student, rng):
    width = _draw_width(rng)
    got = student.call("gaussian_kernel1d", 1, width=width)
    _check(got, np.ones(1), what=f"gaussian_kernel1d(1, width={width:.3g})")
