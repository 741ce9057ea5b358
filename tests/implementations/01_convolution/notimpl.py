"""The untouched release: every exercise still raises NotImplementedError."""


def correlate1d(x, f, mode="valid"):
    """Not implemented yet."""
    raise NotImplementedError()


def convolve1d(x, f, mode="valid"):
    """Not implemented yet."""
    raise NotImplementedError()


def gaussian_kernel1d(size, width=2.0):
    """Not implemented yet."""
    raise NotImplementedError()


def continuous_convolution(f, g, t, lo=-10.0, hi=10.0, delta=0.01):
    """Not implemented yet."""
    raise NotImplementedError()


def conv2d(image, kernel, stride=1, padding="valid"):
    """Not implemented yet."""
    raise NotImplementedError()


def conv2d_layer(x, weights, bias, stride=1, padding="valid", activation=None):
    """Not implemented yet."""
    raise NotImplementedError()


def pool2d(x, pool_size=2, stride=None, mode="max"):
    """Not implemented yet."""
    raise NotImplementedError()
