"""Correct solutions written differently from the reference: each must pass every check."""

import keras
import numpy as np
from keras import layers
from scipy.signal import correlate


def conv_matrix__basis_vectors(input_shape, kernel):
    """Column j of C is the correlation of the j-th basis image with the kernel."""
    shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
    kernel = np.asarray(kernel, dtype=np.float32)
    size = int(np.prod(shape))
    columns = [correlate(np.eye(size, dtype=np.float32)[j].reshape(shape), kernel, mode="valid").ravel()
               for j in range(size)]
    return np.stack(columns, axis=1)


def conv_transpose_via_matrix__scatter(y, input_shape, kernel):
    """No matrix: each y value adds the kernel times itself where its window was."""
    shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
    kernel, y = np.atleast_2d(kernel), np.atleast_2d(y)
    out = np.zeros((1, *shape) if len(shape) == 1 else shape)
    kh, kw = kernel.shape
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            out[i:i + kh, j:j + kw] += y[i, j] * kernel
    return out.reshape(shape)


def conv2d_transpose_layer__dilate_and_convolve(x, weights, bias, stride=1, padding="valid"):
    """The textbook route in float32: dilate, pad by k - 1, correlate with the flipped kernel, crop."""
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    kh, kw, cout, cin = weights.shape
    n, h, w, _ = x.shape
    dilated = np.zeros((n, (h - 1) * sh + 1, (w - 1) * sw + 1, cin), dtype=np.float32)
    dilated[:, ::sh, ::sw] = x
    padded = np.pad(dilated, ((0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1), (0, 0)))
    flipped = weights[::-1, ::-1].astype(np.float32)  # (kh, kw, cout, cin)
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw), axis=(1, 2))  # n, H, W, cin, kh, kw
    full = np.einsum("nhwcij,ijoc->nhwo", windows, flipped)
    if padding == "valid":
        rows, cols = h * sh + max(kh - sh, 0), w * sw + max(kw - sw, 0)
        top = left = 0
    else:
        rows, cols = h * sh, w * sw
        top, left = max(kh - sh, 0) // 2, max(kw - sw, 0) // 2
    pad_rows, pad_cols = max(top + rows - full.shape[1], 0), max(left + cols - full.shape[2], 0)
    full = np.pad(full, ((0, 0), (0, pad_rows), (0, pad_cols), (0, 0)))
    return full[:, top:top + rows, left:left + cols] + bias.astype(np.float32)


def Conv1DTranspose__reshape(filters, kernel_size, strides=2, padding="same"):
    """Reshapes instead of expand_dims/squeeze, keyword arguments to the inner layer."""

    class Squeezed(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = layers.Conv2DTranspose(filters=filters, kernel_size=(kernel_size, 1),
                                                strides=(strides, 1), padding=padding)

        def call(self, inputs):
            batch, steps = keras.ops.shape(inputs)[0], keras.ops.shape(inputs)[1]
            out = self.inner(keras.ops.reshape(inputs, (batch, steps, 1, inputs.shape[-1])))
            return keras.ops.reshape(out, (batch, keras.ops.shape(out)[1], filters))

    return Squeezed(name="conv1d_transpose")


def build_upsampling_generator__functional(latent_dim=100):
    """The functional API."""
    z = keras.Input(shape=(latent_dim,), name="noise")
    h = layers.Dense(5 * 5 * 128)(z)
    h = layers.Reshape(target_shape=(5, 5, 128))(h)
    image = layers.Conv2DTranspose(filters=1, kernel_size=3, strides=(2, 2), padding="same")(h)
    return keras.Model(z, image)


def build_simulator__one_reshape(k=6, f=20):
    """One Reshape straight to (1, f // 4, 4k): the same tensor as the course's two."""
    model = keras.Sequential()
    model.add(keras.Input(shape=(4 * k,)))
    model.add(layers.Dense(f * k, activation="relu"))
    model.add(layers.Reshape((1, f // 4, 4 * k)))
    model.add(layers.Conv2DTranspose(2 * k, kernel_size=(1, 5), strides=(1, 2), padding="same"))
    model.add(layers.Conv2DTranspose(k, kernel_size=(1, 5), strides=(1, 2), padding="same"))
    model.add(layers.Reshape((f, k)))
    return model


def build_dcgan_generator__sequential_relu(latent_dim=100, image_shape=(32, 32, 1)):
    """Sequential, ReLU, a separate tanh Activation layer, an assert for the size."""
    height, width, channels = image_shape
    if height % 8 != 0 or width % 8 != 0:
        raise ValueError("height and width must be multiples of 8")
    model = keras.Sequential([keras.Input((latent_dim,)),
                              layers.Dense(height // 8 * (width // 8) * 128, use_bias=False),
                              layers.BatchNormalization(), layers.ReLU(),
                              layers.Reshape((height // 8, width // 8, 128))])
    for filters in (64, 32):
        model.add(layers.Conv2DTranspose(filters, (4, 4), strides=(2, 2), padding="same", use_bias=False))
        model.add(layers.BatchNormalization())
        model.add(layers.ReLU())
    model.add(layers.Conv2DTranspose(channels, (4, 4), strides=(2, 2), padding="same"))
    model.add(layers.Activation("tanh"))
    assert model.output_shape[1:] == tuple(image_shape)
    return model


def train_autoencoder__functional_bce(x, epochs=10, batch_size=64):
    """The functional API, binary cross-entropy, kernel size 4."""
    inputs = keras.Input((32, 32, 1))
    h = layers.Conv2D(32, 4, strides=2, padding="same", activation="relu")(inputs)
    h = layers.Conv2D(32, 4, strides=2, padding="same", activation="relu")(h)
    h = layers.Conv2DTranspose(32, 4, strides=2, padding="same", activation="relu")(h)
    outputs = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="binary_crossentropy")
    model.fit(x, x, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0)
    return model


def train_autoencoder__dead_code_on_first_training(x, epochs=10, batch_size=64, _trainings=[]):
    """The reference, whose first training starts with every code channel dead (an unlucky initialisation)."""
    # Correct code must not lose points to chance: the grader trains a model short of the full step again.
    _trainings.append(len(x))
    model = keras.Sequential([
        keras.Input(shape=(32, 32, 1)),
        layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(32, 4, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(16, 4, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid"),
    ])
    if len(_trainings) == 1:
        model.layers[2].bias.assign(np.full(4, -100.0, dtype="float32"))
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, x, epochs=epochs, batch_size=batch_size, verbose=0)
    return model


def train_autoencoder__nested_sequential(x, epochs=10, batch_size=64):
    """The encoder and the decoder as two Sequential models inside a third."""
    encoder = keras.Sequential([
        keras.Input((32, 32, 1)),
        layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
    ], name="encoder")
    decoder = keras.Sequential([
        keras.Input((8, 8, 32)),
        layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),
    ], name="decoder")
    autoencoder = keras.Sequential([keras.Input((32, 32, 1)), encoder, decoder], name="autoencoder")
    autoencoder.compile(optimizer="adam", loss="mse")
    autoencoder.fit(x, x, epochs=epochs, batch_size=batch_size, verbose=0)
    return autoencoder
