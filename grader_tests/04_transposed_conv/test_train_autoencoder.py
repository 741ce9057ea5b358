"""Hidden checks of train_autoencoder(x, epochs=10, batch_size=64).

The worker trains the student's autoencoder on the grader's training digits
(32x32x1 in [0, 1]); the grader scores the reconstructions of held-out digits
the worker never received (the sandbox's digits file holds only the training
rows: conftest). The error is compared with that of predicting the mean
training image; the steps sit far above what the reference reaches on every
seed (benchmarks/training_spread.py 04_transposed_conv: a ratio of 0.024 to
0.037 over seeds 0-9, training in about 4 s on the 2-core machine).
"""

from dataclasses import dataclass

import numpy as np
import pytest

from convlab.diagnose import expect, fail
from convlab.student import StudentError

pytestmark = pytest.mark.grade_id("train_autoencoder")

EPOCHS = 10
TRAINING_SECONDS = 120
#: reconstruction error / error of the mean image that each step must stay under.
STEPS = {"better_than_the_mean_image": 0.8, "good": 0.4, "full": 0.2}


@dataclass
class Trained:
    description: dict | None = None
    ratio: float | None = None
    error: str | None = None


@pytest.fixture(scope="session")
def trained(student, split) -> Trained:
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
    if trained.ratio >= STEPS[step]:
        fail(f"on digits it never saw, the reconstruction error is {trained.ratio:.0%} of the error of "
             f"predicting the mean training image; this step needs under {STEPS[step]:.0%}")


def test_reconstructs_better_than_the_mean_image(trained):
    _step(trained, "better_than_the_mean_image")


def test_reconstructs_well(trained):
    _step(trained, "good")


def test_reconstructs_very_well(trained):
    _step(trained, "full")
