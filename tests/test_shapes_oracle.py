"""02's oracle gives the same answers on JAX, which grading uses, as on TensorFlow.

grader_tests/02_output_shapes/shapes_oracle.py asks Keras for every expected
length, "same" split, parameter count and stack summary. Grading runs it on
the JAX backend (a third of TensorFlow's memory and start-up); these tests ask
it the same questions under each backend, in a process of its own (Keras
picks its backend once per process), over grids of layer arguments and the
checks' own random stacks, and require the same answers, Keras's refusals and
their reasons included.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ORACLE_DIR = Path(__file__).resolve().parents[1] / "grader_tests" / "02_output_shapes"

QUESTIONS = r"""
import itertools, json, sys
sys.path.insert(0, sys.argv[1])
from hypothesis import HealthCheck, given, settings, strategies as st
import shapes_oracle as O
import stacks

answers = {}
for i, k, s, p, d in itertools.product(range(1, 11), range(1, 5), range(1, 4), range(3), range(1, 3)):
    answers[f"conv_length{(i, k, s, p, d)}"] = O.conv_length(i, k, s, p, d)
for i, k, s, d in itertools.product(range(1, 11), range(1, 6), range(1, 4), range(1, 3)):
    answers[f"same_pads{(i, k, s, d)}"] = O.same_pads(i, k, s, d)
for i, k, s, padding in itertools.product(range(1, 11), range(1, 5), [None, 1, 2, 3], ["valid", "same"]):
    answers[f"pool_length{(i, k, s, padding)}"] = O.pool_length(i, k, s, padding)
for i, k, s, padding, op, d in itertools.product(range(1, 7), range(1, 5), range(1, 4), ["valid", "same"],
                                                 [None, 0, 1, 2], range(1, 3)):
    answers[f"transpose_length{(i, k, s, padding, op, d)}"] = O.transpose_length(i, k, s, padding, op, d)
for kernel, cin, f, bias, transposed in itertools.product([1, 3, (2, 3)], [1, 4], [1, 5], [True, False],
                                                          [True, False]):
    answers[f"conv_params{(kernel, cin, f, bias, transposed)}"] = O.conv_params(kernel, cin, f, bias, transposed)
answers["dense_params"] = [O.dense_params(n, m, b) for n, m, b in itertools.product([1, 7], [1, 3], [True, False])]

summaries = []
@settings(max_examples=60, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(st.one_of(stacks.stack(1), stacks.stack(2)), stacks.impossible_stack())
def ask(possible, impossible):
    for input_shape, layers in (possible, impossible[:2]):
        summaries.append([input_shape, layers, O.summary(layers, input_shape)])
ask()
answers["summaries"] = summaries
print(json.dumps(answers, default=list))
"""


def answers(backend: str) -> dict:
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    run = subprocess.run([sys.executable, "-c", QUESTIONS, str(ORACLE_DIR)], env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_the_oracle_answers_alike_on_jax_and_tensorflow():
    pytest.importorskip("jax")
    on_jax, on_tensorflow = answers("jax"), answers("tensorflow")
    differ = [key for key in on_tensorflow if on_jax.get(key) != on_tensorflow[key]]
    assert not differ, [(key, on_jax.get(key), on_tensorflow[key]) for key in differ[:5]]
    assert len(on_tensorflow["summaries"]) >= 100
    assert any(built[1] is not None for _, _, built in on_tensorflow["summaries"])  # refusals were asked about


def test_grading_uses_jax():
    """In a grading process (no backend named), the oracle's Keras runs on JAX, without TensorFlow."""
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import shapes_oracle as O; k = O.keras(); "
             "print(k.backend.backend(), 'tensorflow' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", probe, str(ORACLE_DIR)], env=env, capture_output=True, text=True)
    assert run.stdout.split() == ["jax", "False"], run.stderr[-2000:]
