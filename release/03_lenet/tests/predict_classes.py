from otter.test_files import test_case

OK_FORMAT = False

name = "predict_classes"
points = 2


def _tiny_model():
    """A small softmax classifier with fixed random weights, 7 images, and their classes computed with NumPy."""
    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    rng = np.random.default_rng(3)
    weights, bias = rng.normal(size=(16, 10)).astype("float32"), rng.normal(size=10).astype("float32")
    model.set_weights([weights, bias])
    x = rng.uniform(size=(7, 4, 4, 1)).astype("float32")
    return model, x, np.argmax(x.reshape(7, 16) @ weights + bias, axis=1)   # softmax keeps the argmax


def _predict(predict_classes, model, x):
    import numpy as np

    try:
        return np.asarray(predict_classes(model, x))
    except AttributeError as error:
        if "predict_classes" in str(error):
            raise AssertionError("model.predict_classes was removed from Keras: take the argmax of "
                                 "model.predict(x) along the class axis, np.argmax(..., axis=1).") from error
        raise


@test_case(points=1.5, hidden=False)
def test_argmax_of_the_probabilities(predict_classes):
    import numpy as np

    assert callable(predict_classes), "predict_classes is not defined: run the cell that defines it"
    model, x, expected = _tiny_model()
    got = _predict(predict_classes, model, x)
    if got.shape == (7, 10):
        raise AssertionError("predict_classes returned an array of shape (7, 10): the probabilities of each class. "
                             "Return the class of highest probability, np.argmax(probabilities, axis=1).")
    if got.shape == (10,):
        raise AssertionError("predict_classes returned 10 values for 7 images: the argmax runs over the CLASS "
                             "axis, axis=1, not over the images (axis=0).")
    assert got.shape == (7,), f"7 images: expected 7 classes, shape (7,), got the shape {got.shape}"
    assert np.issubdtype(got.dtype, np.integer), (
        f"the classes must be integers, got the dtype {got.dtype}: np.argmax returns integers")
    assert np.array_equal(got, expected), (
        f"predicted {got.tolist()}, but the classes of highest probability are {expected.tolist()}")


@test_case(points=0.5, hidden=False)
def test_one_image(predict_classes):
    model, x, expected = _tiny_model()
    got = _predict(predict_classes, model, x[:1])
    if got.shape == ():
        raise AssertionError("one image: expected an array of shape (1,), got a single number (shape ()). "
                             "Do not squeeze the result: n images give n classes, even when n = 1.")
    assert got.shape == (1,), f"one image: expected an array of shape (1,), got the shape {got.shape}"
    assert got[0] == expected[0], (
        f"one image: predicted {got[0]}, but the class of highest probability is {expected[0]}")
