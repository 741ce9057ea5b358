"""The untouched release: every function still raises NotImplementedError, COURSE_MODELS is empty."""


def conv_output_length(i, k, s=1, p=0, d=1):
    """Not implemented yet."""
    raise NotImplementedError()


def same_padding(i, k, s=1, d=1):
    """Not implemented yet."""
    raise NotImplementedError()


def pool_output_length(i, k, s=None, padding="valid"):
    """Not implemented yet."""
    raise NotImplementedError()


def conv_transpose_output_length(i, k, s=1, padding="valid", output_padding=None, d=1):
    """Not implemented yet."""
    raise NotImplementedError()


def conv_params(kernel_size, in_channels, filters, use_bias=True):
    """Not implemented yet."""
    raise NotImplementedError()


def conv_transpose_params(kernel_size, in_channels, filters, use_bias=True):
    """Not implemented yet."""
    raise NotImplementedError()


def dense_params(n_in, n_out, use_bias=True):
    """Not implemented yet."""
    raise NotImplementedError()


def summarize(layers, input_shape):
    """Not implemented yet."""
    raise NotImplementedError()


def course_models():
    """The release's COURSE_MODELS = {} (no model written yet)."""
    return {}
