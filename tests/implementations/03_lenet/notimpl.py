"""The untouched release: every function still raises NotImplementedError."""


def load_digits32(test_size=0.25, seed=0):
    """Not implemented yet."""
    raise NotImplementedError()


def build_lenet(input_shape=(32, 32, 1), num_classes=10):
    """Not implemented yet."""
    raise NotImplementedError()


def train_lenet(model, x, y, epochs=15, batch_size=32):
    """Not implemented yet."""
    raise NotImplementedError()


def predict_classes(model, x):
    """Not implemented yet."""
    raise NotImplementedError()
