"""Training the student's LeNet in the worker, once per student, and scoring it in the grader.

The worker gets the training images and (renamed) labels and calls the
student's ``build_lenet`` and ``train_lenet``; then it predicts the test images
the grader sends. The test labels never leave the grader, which scores the
predictions itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from convlab.student import StudentError
from convlab.digits import Split
from lenet_oracle import course_model

EPOCHS = 15
BATCH_SIZE = 32
#: The reference trains in about 10 s on 2 cores; a training still running after this is a runaway.
TRAINING_SECONDS = 120


@dataclass
class Training:
    model_used: str = "your build_lenet() model"
    error: str | None = None            # train_lenet raised, timed out or returned no History
    history: dict = field(default_factory=dict)
    accuracy: float | None = None       # on the held-out digits, with the labels it was trained on
    original_accuracy: float | None = None  # the same predictions against the digits' own labels
    predict_error: str | None = None


def _known_trap(message: str) -> str:
    if "loss_weights" in message or "dtype='string'" in message:
        return (" (Keras 3: model.compile('adam', loss, ['accuracy']) with positional arguments puts the "
                "metrics into loss_weights; write optimizer=..., loss=..., metrics=...)")
    if "shape" in message and ("categorical" in message or "(None, 10)" in message or "target" in message):
        return (" (integer labels need loss='sparse_categorical_crossentropy'; "
                "categorical_crossentropy expects one-hot labels)")
    return ""


def _model_for_training(student) -> tuple[object, str]:
    """The student's own LeNet when it takes 32x32x1 images to 10 classes, else the course's
    (so a broken build_lenet costs build_lenet's points, not train_lenet's too)."""
    try:
        model = student.keep("build_lenet")
        described = student.describe_model(model)
        if described["input_shape"] == (None, 32, 32, 1) and described["output_shape"] == (None, 10):
            return model, "your build_lenet() model"
        reason = f"it maps {described['input_shape']} to {described['output_shape']}"
    except StudentError as error:
        reason = str(error)
    reference = course_model()
    model = student.model_from_json(reference.to_json(), reference.get_weights())
    return model, f"the course's LeNet, since your build_lenet() could not be used ({reason[:200]})"


def train(student, split: Split) -> Training:
    result = Training()
    model, result.model_used = _model_for_training(student)
    with student.time_limit(TRAINING_SECONDS):
        try:
            history = student.keep("train_lenet", model, split.x(split.train), split.y(split.train),
                                   epochs=EPOCHS, batch_size=BATCH_SIZE)
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

