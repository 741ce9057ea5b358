"""Hidden checks of build_upsampling_generator(latent_dim=100): Dense(128*5*5), Reshape((5, 5, 128)),
Conv2DTranspose(1, (3, 3), strides=2, padding="same") -> a 10x10x1 image, 324,353 parameters."""

import numpy as np
import pytest

import model_checks as M
import transposed_oracle as O

pytestmark = pytest.mark.grade_id("build_upsampling_generator")

CASES = [{}, {"latent_dim": 16}]


@pytest.fixture(scope="session")
def generators(student, run_seed):
    rng = np.random.default_rng([run_seed, 11])
    return [M.build(student, "build_upsampling_generator", kwargs, rng, kwargs.get("latent_dim", 100))
            for kwargs in CASES]


def test_output_is_a_10x10_image(generators):
    for model, kwargs in zip(generators, CASES, strict=True):
        M.expect_output_shape(model, (10, 10, 1), M.call_text("build_upsampling_generator", kwargs),
                              ": a stride-2 transposed convolution with padding='same' doubles 5x5 to 10x10 "
                              "('valid' would give 11x11)")


def test_parameter_count(generators):
    for model, kwargs in zip(generators, CASES, strict=True):
        M.expect_params(model, O.upsampling_generator(kwargs.get("latent_dim", 100)),
                        M.call_text("build_upsampling_generator", kwargs))


def test_computes_the_course_generator(generators):
    for model, kwargs in zip(generators, CASES, strict=True):
        M.expect_same_function(model, O.upsampling_generator(kwargs.get("latent_dim", 100)),
                               M.call_text("build_upsampling_generator", kwargs))
