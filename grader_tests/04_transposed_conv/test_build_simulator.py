"""Hidden checks of build_simulator(k=6, f=20): input (4k,), output (f, k), 4,818 parameters for the
defaults; the course's Dense, Reshape and two Conv2DTranspose(..., (1, 5), strides=(1, 2)) layers."""

import numpy as np
import pytest

import model_checks as M
import transposed_oracle as O

pytestmark = pytest.mark.grade_id("build_simulator")

CASES = [{}, {"k": 4, "f": 12}]


def _kf(kwargs):
    return kwargs.get("k", 6), kwargs.get("f", 20)


@pytest.fixture(scope="session")
def simulators(student, run_seed):
    rng = np.random.default_rng([run_seed, 13])
    return [M.build(student, "build_simulator", kwargs, rng, 4 * _kf(kwargs)[0]) for kwargs in CASES]


def test_output_is_f_steps_of_k_series(simulators):
    for model, kwargs in zip(simulators, CASES, strict=True):
        k, f = _kf(kwargs)
        M.expect_output_shape(model, (f, k), M.call_text("build_simulator", kwargs),
                              ": two stride-2 transposed convolutions take f // 4 steps to f")


def test_parameter_count(simulators):
    for model, kwargs in zip(simulators, CASES, strict=True):
        M.expect_params(model, O.simulator(*_kf(kwargs)), M.call_text("build_simulator", kwargs))


def test_computes_the_course_simulator(simulators):
    for model, kwargs in zip(simulators, CASES, strict=True):
        M.expect_same_function(model, O.simulator(*_kf(kwargs)), M.call_text("build_simulator", kwargs))
