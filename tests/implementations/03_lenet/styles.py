"""Correct solutions written differently from the reference: each must pass every check."""

import keras
import numpy as np
import tensorflow as tf
from keras import layers


def load_digits32__numpy_split(test_size=0.25, seed=0):
    """np.repeat upscaling, a permutation from default_rng, float32 division."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.repeat(4, axis=1).repeat(4, axis=2).astype(np.float32) / np.float32(16)
    order = np.random.default_rng(seed).permutation(len(images))
    n_test = round(test_size * len(images))
    test, train = order[:n_test], order[n_test:]
    x = images[:, :, :, None]
    return (x[train], digits.target[train]), (x[test], digits.target[test])


def load_digits32__bilinear_resize(test_size=0.25, seed=0):
    """A bilinear resize (keras.ops.image.resize) instead of 4x4 blocks, brightest pixel rescaled to 1."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = keras.ops.convert_to_numpy(keras.ops.image.resize(digits.images[..., None] / 16.0, (32, 32),
                                                          interpolation="bilinear"))
    x = np.clip(x / x.max(), 0, 1).astype("float32")
    x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=test_size,
                                                        random_state=seed, stratify=digits.target)
    return (x_train, y_train), (x_test, y_test)


def load_digits32__stratified_by_hand(test_size=0.25, seed=0):
    """A stratified split written by hand: each digit's test share rounded down, so a few images short."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (np.kron(digits.images, np.ones((4, 4))) / 16.0).astype("float32")[..., np.newaxis]
    rng = np.random.default_rng(seed)
    test = []
    for digit in range(10):
        rows = rng.permutation(np.flatnonzero(digits.target == digit))
        test.extend(rows[:int(test_size * len(rows))])
    is_test = np.zeros(len(x), dtype=bool)
    is_test[test] = True
    return (x[~is_test], digits.target[~is_test]), (x[is_test], digits.target[is_test])


def build_lenet__functional_relu_layers(input_shape=(32, 32, 1), num_classes=10):
    """The functional API, each activation as its own layer, tf.nn.softmax at the end."""
    inputs = keras.Input(shape=input_shape)
    h = layers.Conv2D(filters=6, kernel_size=(5, 5))(inputs)
    h = layers.ReLU()(h)
    h = layers.MaxPooling2D(pool_size=(2, 2))(h)
    h = layers.Conv2D(filters=16, kernel_size=(5, 5))(h)
    h = layers.Activation("relu")(h)
    h = layers.MaxPooling2D()(h)
    h = layers.Flatten()(h)
    h = layers.Dense(120, activation=tf.nn.relu)(h)
    h = layers.Dense(84, activation="relu")(h)
    outputs = layers.Dense(num_classes, activation=tf.nn.softmax)(h)
    return keras.Model(inputs, outputs, name="lenet5")


def train_lenet__one_hot(model, x, y, epochs=15, batch_size=32):
    """One-hot labels with categorical cross-entropy, an optimizer object, a validation split."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, keras.utils.to_categorical(y, 10), epochs=epochs, batch_size=batch_size,
                        validation_split=0.1, verbose=0)
    return history


def predict_classes__call_model(model, x):
    """Calls the model directly and takes the argmax with keras.ops."""
    return keras.ops.convert_to_numpy(keras.ops.argmax(model(x, training=False), axis=-1))
