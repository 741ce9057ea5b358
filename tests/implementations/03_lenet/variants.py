"""Realistic WRONG ways to write the exercises: each must fail exactly the hidden checks
tests/test_hidden_checks.py expects of it (WRONG_03 there), and pass the others."""

import keras
import numpy as np
from keras import layers

from . import reference as R


# ---- load_digits32 -----------------------------------------------------------------------
def load_digits32__pixels_0_16(test_size=0.25, seed=0):
    """Forgets to scale: the digits' pixels stay 0..16 (it still trains well)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = np.kron(digits.images, np.ones((4, 4))).astype("float32")[..., np.newaxis]
    x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=test_size, random_state=seed)
    return (x_train, y_train), (x_test, y_test)


def load_digits32__divided_by_255(test_size=0.25, seed=0):
    """Scales the digits as if they were MNIST's 0..255 pixels."""
    (x_train, y_train), (x_test, y_test) = R.load_digits32(test_size, seed)
    return (x_train * 16 / 255, y_train), (x_test * 16 / 255, y_test)


def load_digits32__no_channel_axis(test_size=0.25, seed=0):
    """Returns (n, 32, 32): Keras accepts it in places, the course's Conv2D wants (n, 32, 32, 1)."""
    (x_train, y_train), (x_test, y_test) = R.load_digits32(test_size, seed)
    return (x_train[..., 0], y_train), (x_test[..., 0], y_test)


def load_digits32__unseeded(test_size=0.25, seed=0):
    """Ignores the seed: a different split on every call."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (np.kron(digits.images, np.ones((4, 4))) / 16.0).astype("float32")[..., np.newaxis]
    x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=test_size)
    return (x_train, y_train), (x_test, y_test)


def load_digits32__labels_shuffled_apart(test_size=0.25, seed=0):
    """Shuffles the images and the labels with two different permutations."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (np.kron(digits.images, np.ones((4, 4))) / 16.0).astype("float32")[..., np.newaxis]
    rng = np.random.default_rng(seed)
    x, y = x[rng.permutation(len(x))], digits.target[rng.permutation(len(x))]
    n_test = int(test_size * len(x))
    return (x[n_test:], y[n_test:]), (x[:n_test], y[:n_test])


# ---- build_lenet -------------------------------------------------------------------------
def build_lenet__tanh_avgpool(input_shape=(32, 32, 1), num_classes=10):
    """The original LeNet-5 of 1998: tanh and average pooling (the same 61,706 parameters)."""
    return keras.Sequential([
        keras.Input(input_shape),
        layers.Conv2D(6, 5, activation="tanh"), layers.AveragePooling2D(2),
        layers.Conv2D(16, 5, activation="tanh"), layers.AveragePooling2D(2),
        layers.Flatten(),
        layers.Dense(120, activation="tanh"), layers.Dense(84, activation="tanh"),
        layers.Dense(num_classes, activation="softmax"),
    ])


def build_lenet__no_softmax(input_shape=(32, 32, 1), num_classes=10):
    """Ends with logits: Dense(num_classes) without an activation."""
    return keras.Sequential([
        keras.Input(input_shape),
        layers.Conv2D(6, 5, activation="relu"), layers.MaxPool2D(2),
        layers.Conv2D(16, 5, activation="relu"), layers.MaxPool2D(2),
        layers.Flatten(),
        layers.Dense(120, activation="relu"), layers.Dense(84, activation="relu"),
        layers.Dense(num_classes),
    ])


def build_lenet__same_padding(input_shape=(32, 32, 1), num_classes=10):
    """padding='same' in the convolutions: 32x32 maps, and a Dense(120) on 1,024 inputs."""
    return keras.Sequential([
        keras.Input(input_shape),
        layers.Conv2D(6, 5, padding="same", activation="relu"), layers.MaxPool2D(2),
        layers.Conv2D(16, 5, padding="same", activation="relu"), layers.MaxPool2D(2),
        layers.Flatten(),
        layers.Dense(120, activation="relu"), layers.Dense(84, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ])


def build_lenet__dropout(input_shape=(32, 32, 1), num_classes=10):
    """Adds a Dropout layer the course's LeNet does not have."""
    return keras.Sequential([
        keras.Input(input_shape),
        layers.Conv2D(6, 5, activation="relu"), layers.MaxPool2D(2),
        layers.Conv2D(16, 5, activation="relu"), layers.MaxPool2D(2),
        layers.Flatten(), layers.Dropout(0.5),
        layers.Dense(120, activation="relu"), layers.Dense(84, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ])


# ---- train_lenet -------------------------------------------------------------------------
def train_lenet__categorical_int_labels(model, x, y, epochs=15, batch_size=32):
    """categorical_crossentropy with integer labels (it wants one-hot labels)."""
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)


def train_lenet__positional_compile(model, x, y, epochs=15, batch_size=32):
    """Keras 2 habit: compile's arguments by position (the metrics land in loss_weights)."""
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    return model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)


def train_lenet__fixed_epochs(model, x, y, epochs=15, batch_size=32):
    """Ignores the epochs argument."""
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model.fit(x, y, epochs=5, batch_size=batch_size, verbose=0)


def train_lenet__ignores_arguments(model, x, y, epochs=15, batch_size=32):
    """Hard-codes the notebook's demonstration: 15 epochs in batches of 32, whatever it is asked."""
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model.fit(x, y, epochs=15, batch_size=32, verbose=0)


def train_lenet__shuffles_in_place(model, x, y, epochs=15, batch_size=32):
    """Shuffles the caller's x and y in place (with one permutation) before fitting."""
    order = np.random.default_rng(0).permutation(len(x))
    x[:], y[:] = x[order], y[order]
    return R.train_lenet(model, x, y, epochs, batch_size)


def train_lenet__trains_on_digits_itself(model, x, y, epochs=15, batch_size=32):
    """Ignores x and y and trains on every digit it can load, test part included ("more data")."""
    (x_train, y_train), (x_test, y_test) = R.load_digits32()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model.fit(np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test]),
                     epochs=epochs, batch_size=batch_size, verbose=0)


# ---- predict_classes ---------------------------------------------------------------------
def predict_classes__probabilities(model, x):
    """Returns model.predict's probabilities instead of classes."""
    return model.predict(x, verbose=0)


def predict_classes__axis0(model, x):
    """Takes the argmax over the images instead of the classes."""
    return np.argmax(model.predict(x, verbose=0), axis=0)
