"""Hidden checks of train_lenet(model, x, y, epochs=15, batch_size=32).

The worker trains the course's LeNet (built there from the grader's
description, so build_lenet's mistakes are not charged here) with the
student's train_lenet, given epochs and batch_size that are not the defaults,
on the grader's training digits, whose labels are renamed by a secret
permutation; the grader scores the model's predictions on held-out digits the
worker never saw (conftest, training). The History must hold one loss per
epoch asked for, and the optimizer must have made one update per mini-batch
of the size asked for. Accuracy earns partial credit in steps, scored on the
best of up to three trainings; the thresholds sit well below what the
reference reaches (benchmarks/training_spread.py 03_lenet).
"""

import pytest

from convlab.diagnose import expect, expect_unmodified, fail, fail_if
from convlab.fitting import batch_size_problem, epochs_problem
from training import ACCURACY_STEPS, BATCH_SIZE, EPOCHS

pytestmark = pytest.mark.grade_id("train_lenet")


def _history(training) -> dict:
    if training.error:
        fail(training.error)
    return training.history


def _epochs_run(training) -> int | None:
    losses = _history(training).get("loss")
    return len(losses) if isinstance(losses, list) else None


def test_returns_the_history_of_every_epoch(training):
    fail_if(epochs_problem(_epochs_run(training), EPOCHS, training.call))
    expect("accuracy" in training.history, "the history has no 'accuracy': compile with metrics=['accuracy']")


def test_uses_the_batch_size_it_is_given(training, split):
    fail_if(batch_size_problem(training.updates, _epochs_run(training), len(split.train), BATCH_SIZE, training.call))


def test_the_loss_goes_down(training):
    losses = _history(training).get("loss") or [float("nan")]
    if abs(losses[-1] - 2.3026) < 0.05:
        fail("the loss stays at 2.303 = ln 10, the loss of a uniform guess: if the last layer gives logits, "
             "use softmax or from_logits=True; check the learning rate")
    expect(losses[-1] < 0.5 * losses[0],
           f"the training loss went from {losses[0]:.3f} to {losses[-1]:.3f}; it should fall to well below half")


def test_leaves_x_and_y_unchanged(training):
    """Leaving the caller's data alone counts only from a train_lenet that trains."""
    _history(training)
    expect_unmodified(training.changed, {1: "x", 2: "y"}, what="train_lenet")


def _accuracy(training, step: str):
    if training.predict_error:
        fail(f"the trained model could not predict: {training.predict_error}")
    threshold, accuracy = ACCURACY_STEPS[step], training.accuracy
    if accuracy >= threshold:
        return
    if training.learned_other_labels:
        fail("the model predicts the digits' usual labels, not the labels train_lenet was given: it must "
             "learn from the x and y it receives (the grader's labels are not the digits' names)")
    if training.updates == 0:
        fail("the model given to train_lenet was not trained (its optimizer made no update): compile and fit "
             "the model you receive, do not build another")
    cause = f" ({training.error})" if training.error else ""
    tries = f" (the best of {training.trainings} trainings)" if training.trainings > 1 else ""
    fail(f"the course's LeNet reached an accuracy of {accuracy:.1%} on digits it never saw after "
         f"train_lenet{tries}; this step needs {threshold:.0%}{cause}")


def test_accuracy_above_chance(training):
    _accuracy(training, "above_chance")


def test_accuracy_good(training):
    _accuracy(training, "good")


def test_accuracy_full(training):
    _accuracy(training, "full")
