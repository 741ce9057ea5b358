from otter.test_files import test_case

OK_FORMAT = False

name = "train_lenet"
points = 4


def _tiny_problem(n=64):
    """A small softmax classifier on 32x32 images and n images with integer labels: trains in a second."""
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((32, 32, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(n, 32, 32, 1)).astype("float32")
    y = np.arange(n) % 10
    return model, x, y


#: train_lenet -> (model, history) of one training on the tiny problem; a redefined function is a new key.
_RUNS = {}


def _train_tiny(train_lenet):
    if train_lenet not in _RUNS:
        model, x, y = _tiny_problem()
        _RUNS.clear()
        _RUNS[train_lenet] = model, _train(train_lenet, model, x, y, epochs=2, batch_size=16)
    return _RUNS[train_lenet]


def _train(train_lenet, model, x, y, **kwargs):
    try:
        return train_lenet(model, x, y, **kwargs)
    except ValueError as error:
        message = str(error)
        if "must have the same rank" in message:
            raise AssertionError(
                "fit failed: 'Arguments target and output must have the same rank'. The loss "
                "categorical_crossentropy wants one-hot labels, shape (n, 10); the labels here are integers, "
                "shape (n,): use loss='sparse_categorical_crossentropy'.") from error
        if "valid dtype for Keras type promotion" in message:
            raise AssertionError(
                "fit failed with a dtype error: did you call model.compile with positional arguments? "
                "compile's third parameter is loss_weights, not metrics: write "
                "model.compile(optimizer=..., loss=..., metrics=[...]).") from error
        raise


@test_case(points=2, hidden=False)
def test_compiles_and_fits_on_the_data_given(train_lenet):
    import keras

    assert callable(train_lenet), "train_lenet is not defined: run the cell that defines it"
    model, history = _train_tiny(train_lenet)
    assert isinstance(history, keras.callbacks.History), (
        f"train_lenet must return the History that model.fit returns, got {type(history).__name__}")
    assert model.optimizer is not None, "the model was not compiled: call model.compile(...) before model.fit"
    assert isinstance(model.optimizer, keras.optimizers.Adam), (
        f"the optimizer is {type(model.optimizer).__name__}: compile with optimizer='adam'")
    losses = history.history.get("loss", [])
    assert len(losses) == 2, f"epochs=2: history.history['loss'] must hold 2 values, one per epoch, got {len(losses)}"
    steps = history.params.get("steps")
    if steps is not None and steps != 4:
        raise AssertionError(
            f"train_lenet was given 64 images and batch_size=16, so an epoch is 4 gradient steps; it made {steps} "
            f"(about {16 * steps:,} images). "
            "Fit on the x and y you receive, with batch_size=batch_size: the autograder trains your function on "
            "its own images and tests the model on others.")
    assert "accuracy" in history.history, (
        f"the history holds {sorted(history.history)}: compile with metrics=['accuracy']")


@test_case(points=1, hidden=False)
def test_cross_entropy_loss(train_lenet):
    model, _ = _train_tiny(train_lenet)
    loss = model.loss
    loss_name = loss if isinstance(loss, str) else getattr(loss, "name", None) or getattr(loss, "__name__", "")
    assert "categorical_crossentropy" in str(loss_name), (
        f"the loss is {loss_name or loss!r}: a classifier with integer labels is trained with "
        "loss='sparse_categorical_crossentropy'")


@test_case(points=1, hidden=False)
def test_signature_defaults(train_lenet):
    import inspect

    _train_tiny(train_lenet)
    parameters = inspect.signature(train_lenet).parameters
    assert list(parameters)[:3] == ["model", "x", "y"], (
        f"keep the signature train_lenet(model, x, y, epochs=15, batch_size=32), got {list(parameters)}")
    for parameter, default in [("epochs", 15), ("batch_size", 32)]:
        assert parameter in parameters and parameters[parameter].default == default, (
            f"keep the default {parameter}={default} of train_lenet(model, x, y, epochs=15, batch_size=32)")
