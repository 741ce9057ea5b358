"""Realistic WRONG ways to write the exercises: each must fail exactly the hidden checks
tests/test_hidden_checks.py expects of it (WRONG_04 there), and pass the others."""

import keras
import numpy as np
from keras import layers

from . import reference as R


# ---- conv_matrix -------------------------------------------------------------------------
def conv_matrix__flipped(input_shape, kernel):
    """Builds the matrix of a true convolution: the kernel flipped."""
    kernel = np.asarray(kernel, dtype=float)
    return R.conv_matrix(input_shape, kernel[::-1, ::-1] if kernel.ndim == 2 else kernel[::-1])


def conv_matrix__transposed(input_shape, kernel):
    """One row per input value: C.T."""
    return R.conv_matrix(input_shape, kernel).T


# ---- conv_transpose_via_matrix -----------------------------------------------------------
def conv_transpose_via_matrix__not_transposed(y, input_shape, kernel):
    """Multiplies by C instead of C.T."""
    shape = (input_shape,) if np.isscalar(input_shape) else tuple(input_shape)
    return (R.conv_matrix(input_shape, kernel) @ np.ravel(y)).reshape(shape)


# ---- conv2d_transpose_layer --------------------------------------------------------------
def conv2d_transpose_layer__kernel_layout_cin_cout(x, weights, bias, stride=1, padding="valid"):
    """Reads the kernel as (kh, kw, Cin, Cout), like Conv2D's."""
    return R.conv2d_transpose_layer(x, weights.transpose(0, 1, 3, 2), bias, stride, padding)


def conv2d_transpose_layer__same_wrong_side(x, weights, bias, stride=1, padding="valid"):
    """Crops the odd leftover of 'same' at the top/left."""
    if padding != "same":
        return R.conv2d_transpose_layer(x, weights, bias, stride, padding)
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    kh, kw = weights.shape[:2]
    full = R.conv2d_transpose_layer(x, weights, np.zeros_like(bias), stride, "valid")
    extra_h, extra_w = max(kh - sh, 0), max(kw - sw, 0)
    top, left = extra_h - extra_h // 2, extra_w - extra_w // 2
    return full[:, top:top + x.shape[1] * sh, left:left + x.shape[2] * sw] + bias


def conv2d_transpose_layer__textbook_valid(x, weights, bias, stride=1, padding="valid"):
    """'valid' gives (i - 1) * s + k rows, as in textbooks, even when s > k."""
    if padding != "valid":
        return R.conv2d_transpose_layer(x, weights, bias, stride, padding)
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    kh, kw, cout, _ = weights.shape
    n, h, w, _ = x.shape
    out = np.zeros((n, (h - 1) * sh + kh, (w - 1) * sw + kw, cout))
    for a in range(kh):
        for b in range(kw):
            out[:, a:a + (h - 1) * sh + 1:sh, b:b + (w - 1) * sw + 1:sw] += x @ weights[a, b].T
    return out + bias


def conv2d_transpose_layer__no_bias(x, weights, bias, stride=1, padding="valid"):
    """Forgets the bias."""
    return R.conv2d_transpose_layer(x, weights, np.zeros_like(bias), stride, padding)


# ---- Conv1DTranspose ---------------------------------------------------------------------
def Conv1DTranspose__course_keras2(input_tensor, filters, kernel_size, strides=2, padding="same"):
    """The course's Keras 2 helper copied as it is: it takes a tensor first and uses K (keras.backend)."""
    from keras import backend as K

    x = layers.Lambda(lambda t: K.expand_dims(t, axis=2))(input_tensor)
    x = layers.Conv2DTranspose(filters=filters, kernel_size=(kernel_size, 1), strides=(strides, 1),
                               padding=padding)(x)
    return layers.Lambda(lambda t: K.squeeze(t, axis=2))(x)


# ---- build_upsampling_generator ----------------------------------------------------------
def build_upsampling_generator__valid_padding(latent_dim=100):
    """padding='valid': an 11x11 image (the same 324,353 parameters)."""
    return keras.Sequential([keras.Input((latent_dim,)), layers.Dense(128 * 5 * 5), layers.Reshape((5, 5, 128)),
                             layers.Conv2DTranspose(1, (3, 3), strides=2, padding="valid")])


def build_upsampling_generator__relu_dense(latent_dim=100):
    """A ReLU on the projection the course's generator does not have."""
    return keras.Sequential([keras.Input((latent_dim,)), layers.Dense(128 * 5 * 5, activation="relu"),
                             layers.Reshape((5, 5, 128)),
                             layers.Conv2DTranspose(1, (3, 3), strides=2, padding="same")])


# ---- build_simulator ---------------------------------------------------------------------
def build_simulator__strides_on_rows(k=6, f=20):
    """strides=(2, 1): doubles the 1-row axis instead of the time axis; the final Reshape hides it."""
    return keras.Sequential([
        keras.Input((4 * k,)), layers.Dense(f * k, activation="relu"),
        layers.Reshape((f // 4, 4 * k)), layers.Reshape((1, f // 4, 4 * k)),
        layers.Conv2DTranspose(2 * k, (1, 5), strides=(2, 1), padding="same"),
        layers.Conv2DTranspose(k, (1, 5), strides=(2, 1), padding="same"),
        layers.Reshape((f, k)),
    ])


def build_simulator__no_relu(k=6, f=20):
    """Forgets the Dense layer's ReLU."""
    return keras.Sequential([
        keras.Input((4 * k,)), layers.Dense(f * k),
        layers.Reshape((f // 4, 4 * k)), layers.Reshape((1, f // 4, 4 * k)),
        layers.Conv2DTranspose(2 * k, (1, 5), strides=(1, 2), padding="same"),
        layers.Conv2DTranspose(k, (1, 5), strides=(1, 2), padding="same"),
        layers.Reshape((f, k)),
    ])


# ---- build_dcgan_generator ---------------------------------------------------------------
def build_dcgan_generator__sigmoid_output(latent_dim=100, image_shape=(32, 32, 1)):
    """A sigmoid output: images in [0, 1], not the [-1, 1] of a DCGAN."""
    if image_shape[0] % 8 or image_shape[1] % 8:
        raise ValueError("the image size must be a multiple of 8")
    start, channels = image_shape[0] // 8, image_shape[-1]
    inputs = keras.Input((latent_dim,))
    x = layers.Reshape((start, start, 128))(layers.LeakyReLU(0.2)(layers.BatchNormalization()(
        layers.Dense(start * start * 128, use_bias=False)(inputs))))
    for filters in (64, 32):
        x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(
            layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False)(x)))
    outputs = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


def build_dcgan_generator__fixed_start(latent_dim=100, image_shape=(32, 32, 1)):
    """Always starts at 4x4, whatever image_shape asks for."""
    return R.build_dcgan_generator(latent_dim, (32, 32, image_shape[-1]))


# ---- train_autoencoder -------------------------------------------------------------------
def build_dcgan_generator__refuses_everything(latent_dim=100, image_shape=(32, 32, 1)):
    """Raises the ValueError the notebook asks for, whatever the size."""
    raise ValueError("the image size must be a multiple of 8")


def train_autoencoder__upsampling_decoder(x, epochs=10, batch_size=64):
    """A decoder of UpSampling2D + Conv2D: it reconstructs, but the exercise is transposed convolutions."""
    model = keras.Sequential([
        keras.Input((32, 32, 1)),
        layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
        layers.UpSampling2D(2), layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.UpSampling2D(2), layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, x, epochs=epochs, batch_size=batch_size, verbose=0)
    return model


def train_autoencoder__never_fits(x, epochs=10, batch_size=64):
    """Builds and compiles the autoencoder but forgets model.fit."""
    model = keras.Sequential([
        keras.Input((32, 32, 1)),
        layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="mse")
    return model


def train_autoencoder__standardised_by_zero(x, epochs=10, batch_size=64):
    """Standardises each pixel by x.std(axis=0), which is 0 at the border: NaN inputs, weights and reconstructions."""
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    return R.train_autoencoder(x, epochs=epochs, batch_size=batch_size)


def train_autoencoder__ignores_arguments(x, epochs=10, batch_size=64):
    """Trains for 10 epochs in batches of 64 whatever it is asked."""
    return R.train_autoencoder(x, epochs=10, batch_size=64)


def train_autoencoder__shuffles_in_place(x, epochs=10, batch_size=64):
    """Shuffles the caller's images in place before training ("shuffle the data first")."""
    np.random.default_rng(0).shuffle(x)
    return R.train_autoencoder(x, epochs=epochs, batch_size=batch_size)
