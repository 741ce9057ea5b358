"""The untouched release: every function still raises NotImplementedError."""


def conv_matrix(input_shape, kernel):
    """Not implemented yet."""
    raise NotImplementedError()


def conv_transpose_via_matrix(y, input_shape, kernel):
    """Not implemented yet."""
    raise NotImplementedError()


def conv2d_transpose_layer(x, weights, bias, stride=1, padding="valid"):
    """Not implemented yet."""
    raise NotImplementedError()


def Conv1DTranspose(filters, kernel_size, strides=2, padding="same"):
    """Not implemented yet."""
    raise NotImplementedError()


def build_upsampling_generator(latent_dim=100):
    """Not implemented yet."""
    raise NotImplementedError()


def build_simulator(k=6, f=20):
    """Not implemented yet."""
    raise NotImplementedError()


def build_dcgan_generator(latent_dim=100, image_shape=(32, 32, 1)):
    """Not implemented yet."""
    raise NotImplementedError()


def train_autoencoder(x, epochs=10, batch_size=64):
    """Not implemented yet."""
    raise NotImplementedError()
