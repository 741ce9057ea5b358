"""Hidden checks of train_autoencoder(x, epochs=10, batch_size=64).

The worker trains the student's autoencoder on the grader's training digits
(32x32x1 in [0, 1]); the grader scores the reconstructions of held-out digits
the worker never received (the sandbox's digits file holds only the training
rows: conftest). The error is compared with that of predicting the mean
training image; the steps sit far above what the reference reaches on every
seed (benchmarks/training_spread.py 04_transposed_conv: a ratio of 0.021 to
0.038 over seeds 0-39, training in about 3 s on the 2-core machine).

A training can still fall short by chance: with a narrow code (the course's
4 channels) an unlucky initialisation leaves a ReLU channel dead, and the
same correct model then lands near 0.2 (seen once in CI). A student must not
lose points to a dice roll, so a model short of the full step is trained
again, up to ATTEMPTS times in all, and the best training is scored; a model
that is wrong falls short every time and only costs the extra trainings.
"""

from dataclasses import dataclass

import numpy as np
import pytest

from convlab.diagnose import expect, fail
from convlab.student import StudentError

pytestmark = pytest.mark.grade_id("train_autoencoder")

EPOCHS = 10
TRAINING_SECONDS = 120
ATTEMPTS = 3
#: reconstruction error / error of the mean image that each step must stay under.
STEPS = {"better_than_the_mean_image": 0.8, "good": 0.4, "full": 0.2}


@dataclass
class Trained:
    description: dict | None = None
    ratio: float | None = None
    error: str | None = None
    trainings: int = 1  # how many were made; this one is the best


def _train_once(student, split) -> Trained:
    result = Trained()
    x_train, x_test = split.x(split.train), split.x(split.test)
    try:
        with student.time_limit(TRAINING_SECONDS):
            model = student.keep("train_autoencoder", x_train, epochs=EPOCHS)
            result.description = student.describe_model(model)
            reconstructed = np.asarray(student.method(model, "predict", x_test, verbose=0), dtype=np.float64)
    except StudentError as error:
        result.error = str(error)
        return result
    if reconstructed.shape != x_test.shape:
        result.error = f"the model maps {x_test.shape[1:]} images to {reconstructed.shape[1:]}, not to themselves"
        return result
    baseline = float(np.mean((x_train.mean(axis=0) - x_test) ** 2))
    result.ratio = float(np.mean((reconstructed - x_test) ** 2)) / baseline
    return result


def _error_ratio(result: Trained) -> float:
    """The ratio to compare trainings by; a NaN reconstruction is the worst."""
    return result.ratio if np.isfinite(result.ratio) else np.inf


@pytest.fixture(scope="session")
def trained(student, split) -> Trained:
    """The best of up to ATTEMPTS trainings (the first that reaches the full step ends it)."""
    best, trainings = None, 0
    for _ in range(ATTEMPTS):
        result = _train_once(student, split)
        if result.error:  # an error is the student's code, not chance: keep a training that worked
            break
        trainings += 1
        if best is None or _error_ratio(result) < _error_ratio(best):
            best = result
        if _error_ratio(best) < STEPS["full"]:
            break
    if best is None:
        return result
    best.trainings = trainings
    return best


def test_returns_a_model_from_32x32x1_to_32x32x1(trained):
    if trained.error:
        fail(trained.error)
    expect(trained.description["input_shape"] == (None, 32, 32, 1)
           and trained.description["output_shape"] == (None, 32, 32, 1),
           f"the model maps {trained.description['input_shape']} to {trained.description['output_shape']}; "
           "an autoencoder gives back images of its input's shape")


def test_the_decoder_uses_transposed_convolutions(trained):
    if trained.error:
        fail(trained.error)
    classes = [layer["class"] for layer in trained.description["layers"]]
    expect("Conv2DTranspose" in classes, "the decoder should grow the maps back with Conv2DTranspose layers "
                                         f"(the model's layers: {', '.join(classes)})")


def _step(trained, step):
    if trained.error:
        fail(trained.error)
    if not trained.ratio < STEPS[step]:  # a NaN reconstruction fails too
        tries = f" (the best of {trained.trainings} trainings)" if trained.trainings > 1 else ""
        fail(f"on digits it never saw, the reconstruction error is {trained.ratio:.0%} of the error of "
             f"predicting the mean training image{tries}; this step needs under {STEPS[step]:.0%}")


def test_reconstructs_better_than_the_mean_image(trained):
    _step(trained, "better_than_the_mean_image")


def test_reconstructs_well(trained):
    _step(trained, "good")


def test_reconstructs_very_well(trained):
    _step(trained, "full")
