"""Hidden checks of train_lenet(model, x, y, epochs=15, batch_size=32).

The worker trains the student's own LeNet (the course's, if theirs cannot be
used) with their train_lenet on the grader's training digits, whose labels
are renamed by a secret permutation; the grader scores the model's
predictions on held-out digits the worker never saw (conftest, training).
Accuracy earns partial credit in steps: the thresholds sit well below what the
reference reaches on every seed (benchmarks/training_spread.py 03_lenet: 0.953 to 0.993
over seeds 0-19, median 0.977).
"""

import pytest

from convlab.diagnose import expect, fail
from training import EPOCHS

pytestmark = pytest.mark.grade_id("train_lenet")

#: The accuracy each step needs on the held-out digits; the reference's worst of 20 seeds is 0.953.
ACCURACY_STEPS = {"above_chance": 0.5, "good": 0.8, "full": 0.9}


def _history(training) -> dict:
    if training.error:
        fail(training.error)
    return training.history


def test_returns_the_history_of_every_epoch(training):
    history = _history(training)
    losses = history.get("loss")
    expect(isinstance(losses, list) and len(losses) == EPOCHS,
           f"History.history['loss'] should hold one loss per epoch ({EPOCHS} for epochs={EPOCHS}); "
           f"it holds {len(losses) if isinstance(losses, list) else 'no list'}: pass epochs to model.fit")
    expect("accuracy" in history, "the history has no 'accuracy': compile with metrics=['accuracy']")


def test_the_loss_goes_down(training):
    losses = _history(training).get("loss") or [float("nan")]
    if abs(losses[-1] - 2.3026) < 0.05:
        fail("the loss stays at 2.303 = ln 10, the loss of a uniform guess: if the last layer gives logits, "
             "use softmax or from_logits=True; check the learning rate")
    expect(losses[-1] < 0.5 * losses[0],
           f"the training loss went from {losses[0]:.3f} to {losses[-1]:.3f}; it should fall to well below half")


def _accuracy(training, step: str):
    if training.predict_error:
        fail(f"the trained model could not predict: {training.predict_error}")
    threshold, accuracy = ACCURACY_STEPS[step], training.accuracy
    if accuracy >= threshold:
        return
    if training.original_accuracy is not None and training.original_accuracy > max(0.5, accuracy):
        fail("the model predicts the digits' usual labels, not the labels train_lenet was given: it must "
             "learn from the x and y it receives (the grader's labels are not the digits' names)")
    cause = f" ({training.error})" if training.error else ""
    fail(f"{training.model_used} reached an accuracy of {accuracy:.1%} on digits it never saw after "
         f"train_lenet; this step needs {threshold:.0%}{cause}")


def test_accuracy_above_chance(training):
    _accuracy(training, "above_chance")


def test_accuracy_good(training):
    _accuracy(training, "good")


def test_accuracy_full(training):
    _accuracy(training, "full")
