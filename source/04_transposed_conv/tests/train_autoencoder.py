from otter.test_files import test_case

OK_FORMAT = False

name = "train_autoencoder"
points = 3

#: train_autoencoder -> the model of one short training; a redefined function is a new key.
_RUNS = {}


def _images(n=64):
    """n blurry blobs of 32x32 in [0, 1]: something an autoencoder can learn, made in a millisecond."""
    import numpy as np

    rng = np.random.default_rng(0)
    rows, cols = np.mgrid[0:32, 0:32]
    centres = rng.uniform(8, 24, size=(n, 2))
    widths = rng.uniform(3, 8, size=(n, 1, 1))
    images = np.exp(-((rows - centres[:, 0, None, None]) ** 2 + (cols - centres[:, 1, None, None]) ** 2)
                    / (2 * widths ** 2))
    return images[..., None].astype("float32")


def _train(train_autoencoder):
    import keras

    if train_autoencoder not in _RUNS:
        keras.utils.set_random_seed(0)
        _RUNS.clear()
        model = train_autoencoder(_images(), epochs=1, batch_size=32)
        assert isinstance(model, keras.Model), (
            f"train_autoencoder must return the trained Keras model, got {type(model).__name__}")
        _RUNS[train_autoencoder] = model
    return _RUNS[train_autoencoder]


@test_case(points=1.5, hidden=False)
def test_returns_a_model_trained_on_the_images(train_autoencoder):
    import numpy as np

    assert callable(train_autoencoder), "train_autoencoder is not defined: run the cell that defines it"
    model = _train(train_autoencoder)
    assert tuple(model.input_shape) == (None, 32, 32, 1), (
        f"the model's input shape is {model.input_shape}, expected (None, 32, 32, 1)")
    assert tuple(model.output_shape) == (None, 32, 32, 1), (
        f"the model's output shape is {model.output_shape}, expected (None, 32, 32, 1): the decoder must redraw "
        "the whole image. Each stride-2 Conv2DTranspose with padding='same' doubles the size.")
    assert model.optimizer is not None and model.compiled, (
        "the model was not compiled: model.compile(optimizer='adam', loss='mse') before model.fit")
    steps = int(np.asarray(model.optimizer.iterations))
    assert steps == 2, (
        f"train_autoencoder(x, epochs=1, batch_size=32) on 64 images must make 2 gradient steps, it made {steps}. "
        "Fit on the x you receive, as input and target, with epochs=epochs and batch_size=batch_size.")


@test_case(points=1, hidden=False)
def test_encoder_and_decoder(train_autoencoder):
    import numpy as np

    model = _train(train_autoencoder)
    kinds = {layer: type(layer).__name__ for layer in model.layers}
    encoder = [layer for layer, kind in kinds.items() if kind == "Conv2D" and max(layer.strides) == 2]
    decoder = [layer for layer, kind in kinds.items() if kind == "Conv2DTranspose" and max(layer.strides) == 2]
    assert encoder, "the encoder has no stride-2 Conv2D layer: down-sample with Conv2D(..., strides=2)"
    if any(kind == "UpSampling2D" for kind in kinds.values()) and not decoder:
        raise AssertionError("the decoder up-samples with UpSampling2D: here it must use stride-2 Conv2DTranspose "
                             "layers, which learn how to up-sample")
    assert decoder, "the decoder has no stride-2 Conv2DTranspose layer: up-sample with Conv2DTranspose(..., strides=2)"
    last = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"][-1]
    activation = getattr(getattr(last, "activation", None), "__name__", None)
    assert activation == "sigmoid", (
        f"the last layer ({type(last).__name__}) has the activation {activation!r}: end with a sigmoid, so that "
        "the reconstruction lies in [0, 1] like the pixels")
    out = np.asarray(model.predict(_images(8), verbose=0))
    assert out.min() >= 0 and out.max() <= 1, f"the reconstructions go from {out.min():.3g} to {out.max():.3g}"


@test_case(points=0.5, hidden=False)
def test_loss_and_signature(train_autoencoder):
    import inspect

    model = _train(train_autoencoder)
    loss = model.loss
    loss_name = loss if isinstance(loss, str) else getattr(loss, "name", None) or getattr(loss, "__name__", "")
    assert any(word in str(loss_name) for word in ("mse", "mean_squared_error", "binary_crossentropy")), (
        f"the loss is {loss_name or loss!r}: an autoencoder of images in [0, 1] is trained with loss='mse' "
        "(or 'binary_crossentropy')")
    parameters = inspect.signature(train_autoencoder).parameters
    assert list(parameters)[:1] == ["x"], f"keep the signature train_autoencoder(x, epochs=10, batch_size=64)"
    for parameter, default in [("epochs", 10), ("batch_size", 64)]:
        assert parameter in parameters and parameters[parameter].default == default, (
            f"keep the default {parameter}={default} of train_autoencoder(x, epochs=10, batch_size=64)")
