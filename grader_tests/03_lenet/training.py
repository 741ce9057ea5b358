"""Training the course's LeNet with the student's train_lenet in the worker, and scoring it in the grader.

The model trained is always the course's LeNet, built in the worker from the
grader's description (Keras JSON and fresh initial weights), never the
student's own build_lenet: a mistake there costs build_lenet's checks only.
The worker gets the training images and (renamed) labels and calls the
student's ``train_lenet`` with an ``epochs`` and a ``batch_size`` that are not
its defaults, then predicts the test images the grader sends. The test labels
never leave the grader, which scores the predictions itself. A training short
of the full accuracy step is made again, up to ATTEMPTS in all, and the best
is scored (:func:`convlab.fitting.best_of`): chance must not cost a correct
train_lenet a point.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from convlab.digits import Split
from convlab.fitting import best_of
from convlab.student import StudentError
from lenet_oracle import course_json, initial_weights

#: Not train_lenet's defaults (15, 32), so a train_lenet that ignores them is seen.
EPOCHS = 4
BATCH_SIZE = 16
#: The reference trains in about 4 s on 2 cores; a training still running after this is a runaway.
TRAINING_SECONDS = 120
ATTEMPTS = 3
#: The accuracy each step needs on the held-out digits (the reference's spread: benchmarks/training_spread.py).
ACCURACY_STEPS = {"above_chance": 0.5, "good": 0.8, "full": 0.9}


@dataclass
class Training:
    call: str = f"train_lenet(model, x, y, epochs={EPOCHS}, batch_size={BATCH_SIZE})"
    error: str | None = None            # train_lenet raised, timed out or returned no History
    history: dict = field(default_factory=dict)
    updates: int | None = None          # the weight updates its optimizer made (optimizer.iterations)
    changed: list = field(default_factory=list)  # the arguments train_lenet changed in place
    accuracy: float | None = None       # on the held-out digits, with the labels it was trained on
    original_accuracy: float | None = None  # the same predictions against the digits' own labels
    predict_error: str | None = None
    trainings: int = 1                  # how many trainings were made; this one is the best

    @property
    def learned_other_labels(self) -> bool:
        """It predicts the digits' usual names, not the labels it was given: no chance in that."""
        return self.original_accuracy is not None and self.original_accuracy > max(0.5, self.accuracy or 0)


def _known_trap(message: str) -> str:
    if "loss_weights" in message or "dtype='string'" in message:
        return (" (Keras 3: model.compile('adam', loss, ['accuracy']) with positional arguments puts the "
                "metrics into loss_weights; write optimizer=..., loss=..., metrics=...)")
    if "shape" in message and ("categorical" in message or "(None, 10)" in message or "target" in message):
        return (" (integer labels need loss='sparse_categorical_crossentropy'; "
                "categorical_crossentropy expects one-hot labels)")
    return ""


def _course_model_in_worker(student):
    """The course's LeNet with fresh initial weights (drawn here, as Keras draws them), built in the worker."""
    return student.model_from_json(course_json(), initial_weights(np.random.default_rng()))


def train_once(student, split: Split) -> Training:
    result = Training()
    model = _course_model_in_worker(student)
    with student.time_limit(TRAINING_SECONDS):
        try:
            history = student.keep("train_lenet", model, split.x(split.train), split.y(split.train),
                                   epochs=EPOCHS, batch_size=BATCH_SIZE)
            result.changed = student.mutated
        except StudentError as error:
            result.error = str(error) + _known_trap(str(error))
        else:
            try:
                result.history = student.attribute(history, "history")
                if not isinstance(result.history, dict):
                    raise StudentError("its history attribute is not a dict")
            except StudentError:
                result.error = ("train_lenet must return the History that model.fit returns; "
                                f"it returned {history.kind}")
            try:
                result.updates = int(np.asarray(student.attribute(model, "optimizer.iterations")))
            except (StudentError, TypeError, ValueError):
                result.updates = 0  # never compiled: the model it was given was not trained
        try:
            probabilities = np.asarray(student.method(model, "predict", split.x(split.test), verbose=0))
            if probabilities.shape != (len(split.test), 10):
                raise StudentError(f"model.predict gave shape {probabilities.shape}, not (n, 10)")
        except StudentError as error:
            result.predict_error = str(error)
            return result
    predicted = probabilities.argmax(axis=1)
    result.accuracy = float(np.mean(predicted == split.y(split.test)))
    result.original_accuracy = float(np.mean(predicted == split.labels[split.test]))
    return result


def score(result: Training) -> float | None:
    """The accuracy to compare trainings by; None when another training cannot do better."""
    if result.error or result.predict_error or result.learned_other_labels:
        return None
    return result.accuracy


def train(student, split: Split) -> Training:
    """The best of up to ATTEMPTS trainings (the first that reaches the full step ends it)."""
    best, trainings = best_of(lambda: train_once(student, split), score,
                              lambda accuracy: accuracy >= ACCURACY_STEPS["full"], ATTEMPTS)
    best.trainings = trainings
    return best
