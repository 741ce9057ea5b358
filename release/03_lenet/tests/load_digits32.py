from otter.test_files import test_case

OK_FORMAT = False

name = "load_digits32"
points = 3


def _mnist_on_disk():
    import os

    keras_home = os.environ.get("KERAS_HOME", os.path.expanduser("~/.keras"))
    return os.path.exists(os.path.join(keras_home, "datasets", "mnist.npz"))


def _load(load_digits32, *args, **kwargs):
    import contextlib
    import io

    import numpy as np

    with contextlib.redirect_stdout(io.StringIO()):      # the line naming the data set, once per call
        out = load_digits32(*args, **kwargs)
    shape_text = ("load_digits32 must return two pairs, ((x_train, y_train), (x_test, y_test)), "
                  f"got {type(out).__name__}")
    assert isinstance(out, (tuple, list)) and len(out) == 2, shape_text
    assert all(isinstance(part, (tuple, list)) and len(part) == 2 for part in out), shape_text
    (x_train, y_train), (x_test, y_test) = out
    for what, array in [("x_train", x_train), ("y_train", y_train), ("x_test", x_test), ("y_test", y_test)]:
        assert isinstance(array, np.ndarray), f"{what} must be a NumPy array, got {type(array).__name__}"
    return (x_train, y_train), (x_test, y_test)


@test_case(points=1, hidden=False)
def test_shapes_with_channel_axis(load_digits32):
    import numpy as np

    assert callable(load_digits32), "load_digits32 is not defined: run the cell that defines it"
    (x_train, y_train), (x_test, y_test) = _load(load_digits32)
    for what, x in [("x_train", x_train), ("x_test", x_test)]:
        if x.ndim == 3 and x.shape[1:] == (32, 32):
            raise AssertionError(
                f"{what} has the shape {x.shape}, without the channel axis. Conv2D expects (n, height, width, "
                "channels), and a grey image has one channel: return x[..., np.newaxis], of shape "
                f"{x.shape + (1,)}.")
        if x.ndim == 4 and x.shape[1] == 1 and x.shape[-1] != 1:
            raise AssertionError(
                f"{what} has the shape {x.shape}: the channel axis is first. Keras expects it LAST: "
                "(n, 32, 32, 1).")
        if x.ndim == 4 and x.shape[1:3] in [(8, 8), (28, 28)]:
            raise AssertionError(
                f"{what} has the shape {x.shape}: LeNet takes 32x32 images. Turn each 8x8 digit into 32x32 with "
                "np.kron(images, np.ones((4, 4))), or pad each 28x28 MNIST image with 2 zeros on each side.")
        assert x.shape[1:] == (32, 32, 1), f"{what} must have the shape (n, 32, 32, 1), got {x.shape}"
        assert x.dtype == np.float32, (
            f"{what} has the dtype {x.dtype}: store the images as float32 (Keras's precision), "
            "e.g. (images / 16).astype('float32').")
    assert len(x_train) == len(y_train), (
        f"x_train holds {len(x_train)} images but y_train {len(y_train)} labels: one label per image")
    assert len(x_test) == len(y_test), (
        f"x_test holds {len(x_test)} images but y_test {len(y_test)} labels: one label per image")


@test_case(points=1, hidden=False)
def test_pixel_scale(load_digits32):
    import numpy as np

    (x_train, _), (x_test, _) = _load(load_digits32)
    low = float(min(x_train.min(), x_test.min()))
    high = float(max(x_train.max(), x_test.max()))
    if 15 <= high <= 16:
        raise AssertionError(
            f"the pixel values go up to {high:g}: scikit-learn's digits have values 0 to 16. Divide by 16 so that "
            "they lie in [0, 1]; networks train best on inputs of order 1.")
    if 250 <= high <= 255:
        raise AssertionError(f"the pixel values go up to {high:g}: divide MNIST's uint8 pixels by 255.")
    if abs(high - 16 / 255) < 1e-3:
        raise AssertionError(
            f"the brightest pixel is {high:.4f} = 16/255: you divided scikit-learn's digits by 255, the maximum of "
            "MNIST's pixels. Their values go from 0 to 16: divide by 16.")
    assert low >= 0 and high <= 1, f"the pixel values must lie in [0, 1], they go from {low:g} to {high:g}"
    assert abs(high - 1) < 1e-6, (
        f"the brightest pixel is {high:g}: divide by the maximum pixel value of the data set "
        "(16 for scikit-learn's digits, 255 for MNIST), so that the darkest ink is 1.")
    if not _mnist_on_disk() and x_train.shape[1:3] == (32, 32):
        blocks = x_train[:50, ::4, ::4].repeat(4, axis=1).repeat(4, axis=2)
        assert np.array_equal(blocks, x_train[:50]), (
            "the 32x32 images are not made of 4x4 blocks: each pixel of an 8x8 digit must become a 4x4 block of "
            "the same value, np.kron(images, np.ones((4, 4))).")


@test_case(points=1, hidden=False)
def test_labels_and_split(load_digits32):
    import numpy as np

    (x_train, y_train), (x_test, y_test) = _load(load_digits32, test_size=0.25, seed=0)
    for what, y in [("y_train", y_train), ("y_test", y_test)]:
        if y.ndim == 2 and y.shape[1] == 10:
            raise AssertionError(
                f"{what} has the shape {y.shape}: one-hot labels. Return the integer labels, shape (n,); "
                "the loss sparse_categorical_crossentropy takes them as they are.")
        assert y.ndim == 1, f"{what} must have the shape (n,), got {y.shape}"
        assert np.issubdtype(y.dtype, np.integer), (
            f"{what} has the dtype {y.dtype}: the labels are integers (the digits 0 to 9), e.g. .astype('int64')")
        assert y.min() >= 0 and y.max() <= 9, f"{what} must hold the digits 0 to 9, got {y.min()} to {y.max()}"
    assert set(np.unique(y_train)) == set(range(10)), "y_train must hold every digit from 0 to 9"
    if _mnist_on_disk():
        assert (len(x_train), len(x_test)) == (60000, 10000), (
            f"MNIST is on the disk: keep its split of 60,000 training and 10,000 test images, got "
            f"{len(x_train):,} and {len(x_test):,}")
        return
    total = len(x_train) + len(x_test)
    assert total == 1797, (
        f"MNIST is not on the disk, so load_digits32 must return scikit-learn's 1,797 digits; it returned {total:,} "
        "images. Check for the file mnist.npz before you call keras.datasets.mnist.load_data().")
    for test_size, expected in [(0.25, 450), (0.5, 899)]:
        (_, _), (x_small, _) = _load(load_digits32, test_size=test_size, seed=0)
        assert abs(len(x_small) - expected) <= 1, (
            f"test_size={test_size}: the test part must hold about {expected} of the 1,797 images, got "
            f"{len(x_small)}. Split with train_test_split(..., test_size=test_size).")
    (_, y_again), (_, _) = _load(load_digits32, test_size=0.25, seed=0)
    assert np.array_equal(y_again, y_train), (
        "two calls with seed=0 gave different splits: the split must be reproducible from seed "
        "(train_test_split(..., random_state=seed)).")
    (_, y_other), (_, _) = _load(load_digits32, test_size=0.25, seed=1)
    assert not np.array_equal(y_other, y_train), (
        "seed=0 and seed=1 gave the same split: pass the seed to the random split (random_state=seed).")
