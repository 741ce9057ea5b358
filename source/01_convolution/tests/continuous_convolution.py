from otter.test_files import test_case
import numpy as np

OK_FORMAT = False

name = "continuous_convolution"
points = 2


def _box(x):
    return np.where(np.abs(x) <= 1, 1.0, 0.0)


def _ramp(x):
    return np.where(np.abs(x) <= 1, 1.0 - (x + 1) / 2.0, 0.0)


def _riemann(f, g, t, lo=-10.0, hi=10.0, delta=0.01):
    a = np.arange(lo, hi, delta)
    return np.array([np.sum(f(a) * g(tv - a) * delta) for tv in np.ravel(t)]).reshape(np.shape(t))


@test_case(points=1, hidden=False)
def test_course_example(continuous_convolution):
    assert callable(continuous_convolution), "continuous_convolution is not defined: run the cell that defines it"
    t = np.array([-2.5, -1.0, 0.0, 0.3, 1.7])
    out = continuous_convolution(_box, _ramp, t)
    expected = _riemann(_box, _ramp, t)
    assert np.shape(out) == t.shape, f"the result must have the shape of t, {t.shape}, got {np.shape(out)}"
    assert np.allclose(out, expected, atol=1e-9), (
        "course example (box f, ramp g): expected the Riemann sum of f(a) * g(t - a) * delta over "
        f"a = np.arange(-10, 10, 0.01): {np.round(expected, 5)} at t = {t}, got {np.round(np.asarray(out, dtype=float), 5)}"
    )


@test_case(points=0.5, hidden=False)
def test_gaussians(continuous_convolution):
    # the convolution of two standard normal densities is the normal density of variance 2
    pdf = lambda x: np.exp(-x ** 2 / 2) / np.sqrt(2 * np.pi)
    t = np.array([-2.0, 0.0, 0.5, 3.0])
    expected = np.exp(-t ** 2 / 4) / np.sqrt(4 * np.pi)
    out = continuous_convolution(pdf, pdf, t)
    assert np.allclose(out, expected, atol=1e-6), (
        "the convolution of two standard normal densities must be the normal density with variance 2: "
        f"expected {np.round(expected, 6)}, got {np.round(np.asarray(out, dtype=float), 6)}"
    )


@test_case(points=0.5, hidden=False)
def test_shape_and_grid_parameters(continuous_convolution):
    t = np.array([[-0.5, 0.0, 0.5], [1.0, 1.5, 2.0]])
    out = continuous_convolution(_box, _ramp, t)
    assert np.shape(out) == (2, 3), f"a 2-D t of shape (2, 3) must give a result of shape (2, 3), got {np.shape(out)}"
    assert np.allclose(out, _riemann(_box, _ramp, t), atol=1e-9), "wrong values for a 2-D array t"
    # grid a = np.arange(-1, 1, 0.5) = [-1, -0.5, 0, 0.5]; f = g = 1 gives 4 * 0.5 = 2 for every t
    ones = lambda x: np.ones_like(x, dtype=float)
    out = continuous_convolution(ones, ones, np.array([0.0, 5.0]), lo=-1.0, hi=1.0, delta=0.5)
    assert np.allclose(out, [2.0, 2.0]), (
        "with lo=-1, hi=1, delta=0.5 the grid is np.arange(-1, 1, 0.5) (4 points, hi excluded), so f = g = 1 "
        f"must give 4 * 0.5 = 2.0 for every t; got {out}"
    )
