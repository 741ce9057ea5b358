from otter.test_files import test_case
import numpy as np

OK_FORMAT = False

name = "gaussian_kernel1d"
points = 1


@test_case(points=None, hidden=False)
def test_course_filter(gaussian_kernel1d):
    assert callable(gaussian_kernel1d), "gaussian_kernel1d is not defined: run the cell that defines it"
    expected = np.exp(-np.linspace(-2, 2, num=5) ** 2 / 2)
    expected /= expected.sum()
    out = gaussian_kernel1d(5)
    assert isinstance(out, np.ndarray) and out.shape == (5,), \
        f"gaussian_kernel1d(5) must be an array of shape (5,), got {np.shape(out)}"
    assert np.isclose(np.sum(out), 1.0), f"the filter must be normalised to sum 1, its sum is {np.sum(out):.6f}"
    assert np.allclose(out, expected), (
        f"gaussian_kernel1d(5) must be the course's filter exp(-linspace(-2, 2, 5)**2 / 2) / sum: "
        f"expected {np.round(expected, 5)}, got {np.round(out, 5)}"
    )


@test_case(points=None, hidden=False)
def test_other_size_and_width(gaussian_kernel1d):
    expected = np.exp(-np.linspace(-1.0, 1.0, num=4) ** 2 / 2)
    expected /= expected.sum()
    out = gaussian_kernel1d(4, width=1.0)
    assert np.shape(out) == (4,) and np.allclose(out, expected), (
        f"gaussian_kernel1d(4, width=1.0): the grid is np.linspace(-width, width, size); "
        f"expected {np.round(expected, 5)}, got {np.round(np.asarray(out, dtype=float), 5)}"
    )
    one = gaussian_kernel1d(1)
    assert np.shape(one) == (1,) and np.allclose(one, [1.0]), f"gaussian_kernel1d(1) must be [1.0], got {one}"
