"""The reference solution of 04_transposed_conv, one function per exercise."""

import keras
import numpy as np
from keras import layers


def conv_matrix(input_shape, kernel):
    """Row j of C holds the kernel where output j reads its window of the flattened input."""
    kernel = np.asarray(kernel, dtype=float)
    shape = (input_shape,) if np.isscalar(input_shape) else tuple(input_shape)
    if len(shape) == 1:
        shape, kernel = (1, shape[0]), kernel[np.newaxis, :]
    h, w = shape
    kh, kw = kernel.shape
    oh, ow = h - kh + 1, w - kw + 1
    C = np.zeros((oh * ow, h * w))
    for i in range(oh):
        for j in range(ow):
            window = np.zeros((h, w))
            window[i:i + kh, j:j + kw] = kernel
            C[i * ow + j] = window.ravel()
    return C


def conv_transpose_via_matrix(y, input_shape, kernel):
    """The transposed convolution is multiplication by C.T."""
    shape = (input_shape,) if np.isscalar(input_shape) else tuple(input_shape)
    return (conv_matrix(input_shape, kernel).T @ np.ravel(y)).reshape(shape)


def conv2d_transpose_layer(x, weights, bias, stride=1, padding="valid"):
    """Scatter x[i] * W[a] to i*s + a, then keep what Keras keeps."""
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    kh, kw, cout, _ = weights.shape
    n, h, w, _ = x.shape
    full = np.zeros((n, (h - 1) * sh + kh, (w - 1) * sw + kw, cout))
    for a in range(kh):
        for b in range(kw):
            full[:, a:a + (h - 1) * sh + 1:sh, b:b + (w - 1) * sw + 1:sw] += x @ weights[a, b].T
    if padding == "valid":
        rows, cols, top, left = h * sh + max(kh - sh, 0), w * sw + max(kw - sw, 0), 0, 0
    else:
        rows, cols = h * sh, w * sw
        top, left = max(kh - sh, 0) // 2, max(kw - sw, 0) // 2
    out = np.zeros((n, rows, cols, cout))
    kept = full[:, top:top + rows, left:left + cols]
    out[:, :kept.shape[1], :kept.shape[2]] = kept
    return out + bias


def Conv1DTranspose(filters, kernel_size, strides=2, padding="same"):
    """A layer: Conv2DTranspose on (steps, 1) images, the course's helper in Keras 3."""

    class Conv1DTransposeLayer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.conv = layers.Conv2DTranspose(filters, (kernel_size, 1), strides=(strides, 1), padding=padding)

        def call(self, x):
            return keras.ops.squeeze(self.conv(keras.ops.expand_dims(x, axis=2)), axis=2)

    return Conv1DTransposeLayer()


def build_upsampling_generator(latent_dim=100):
    """The course's generator: 100 numbers -> 128 maps of 5x5 -> one 10x10 image."""
    return keras.Sequential([
        keras.Input((latent_dim,)),
        layers.Dense(128 * 5 * 5),
        layers.Reshape((5, 5, 128)),
        layers.Conv2DTranspose(1, (3, 3), strides=2, padding="same"),
    ])


def build_simulator(k=6, f=20):
    """The course's simulator: 4k conditions -> f steps of k series."""
    return keras.Sequential([
        keras.Input((4 * k,)),
        layers.Dense(f * k, activation="relu"),
        layers.Reshape((f // 4, 4 * k)),
        layers.Reshape((1, f // 4, 4 * k)),
        layers.Conv2DTranspose(2 * k, (1, 5), strides=(1, 2), padding="same"),
        layers.Conv2DTranspose(k, (1, 5), strides=(1, 2), padding="same"),
        layers.Reshape((f, k)),
    ])


def build_dcgan_generator(latent_dim=100, image_shape=(32, 32, 1)):
    """Dense projection to size/8, then three stride-2 transposed convolutions, tanh output."""
    if image_shape[0] % 8 or image_shape[1] % 8:
        raise ValueError(f"the image size must be a multiple of 8, not {image_shape[:2]}")
    size, channels = image_shape[0] // 8, image_shape[-1]
    inputs = keras.Input((latent_dim,))
    x = layers.Dense(size * size * 128, use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Reshape((size, size, 128))(x)
    for filters in (64, 32):
        x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
    outputs = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", activation="tanh")(x)
    assert tuple(outputs.shape[1:]) == tuple(image_shape), outputs.shape
    return keras.Model(inputs, outputs)


def train_autoencoder(x, epochs=10, batch_size=64):
    """Stride-2 convolutions down to 8x8, stride-2 transposed convolutions back, sigmoid output."""
    model = keras.Sequential([
        keras.Input((32, 32, 1)),
        layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, x, epochs=epochs, batch_size=batch_size, verbose=0)
    return model
