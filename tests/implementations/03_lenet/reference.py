"""The reference solution of 03_lenet, one function per exercise."""

import os

import keras
import numpy as np
from keras import layers


def load_digits32(test_size=0.25, seed=0):
    """MNIST padded to 32x32 when it is cached locally, else scikit-learn's digits upscaled 4x."""
    cached = os.path.join(os.environ.get("KERAS_HOME", os.path.expanduser("~/.keras")), "datasets", "mnist.npz")
    if os.path.exists(cached):
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        pad = ((0, 0), (2, 2), (2, 2))
        x_train = (np.pad(x_train, pad) / 255.0).astype("float32")[..., np.newaxis]
        x_test = (np.pad(x_test, pad) / 255.0).astype("float32")[..., np.newaxis]
        print("Using MNIST (60,000 + 10,000 images, 28x28 padded to 32x32).")
        return (x_train, y_train.astype("int64")), (x_test, y_test.astype("int64"))
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (np.kron(digits.images, np.ones((4, 4))) / 16.0).astype("float32")[..., np.newaxis]
    x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=test_size, random_state=seed)
    print("MNIST is not available locally: using scikit-learn's digits (1,797 images, 8x8 upscaled to 32x32).")
    return (x_train, y_train), (x_test, y_test)


def build_lenet(input_shape=(32, 32, 1), num_classes=10):
    """The course's LeNet-5."""
    return keras.Sequential([
        keras.Input(input_shape),
        layers.Conv2D(6, 5, padding="valid", activation="relu"),
        layers.MaxPool2D(2),
        layers.Conv2D(16, 5, padding="valid", activation="relu"),
        layers.MaxPool2D(2),
        layers.Flatten(),
        layers.Dense(120, activation="relu"),
        layers.Dense(84, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ])


def train_lenet(model, x, y, epochs=15, batch_size=32):
    """Adam, sparse categorical cross-entropy for integer labels, keyword arguments (Keras 3)."""
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)


def predict_classes(model, x):
    """The most probable class of each image."""
    return np.argmax(model.predict(x, verbose=0), axis=1)
