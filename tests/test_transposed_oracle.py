"""The numpy oracle of 04's hidden checks (grader_tests/04_transposed_conv/transposed_oracle.py) is Keras.

The checks of conv2d_transpose_layer, Conv1DTranspose, build_upsampling_generator
and build_simulator compare students with numpy code, so that grading never
imports Keras or a backend (about 700 MB and seconds of start-up per grading
process). These tests hold that code to Keras 3's own Conv2DTranspose,
Conv1DTranspose and the course's two models (float64) over drawn kernels,
strides, paddings, channels, sizes and weights, so the answers the class is
graded against are still Keras's.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import grader_modules

ROOT = Path(__file__).resolve().parents[1]
ORACLE_DIR = ROOT / "grader_tests" / "04_transposed_conv"


@pytest.fixture(scope="module")
def oracle():
    return grader_modules.load("04_transposed_conv", "transposed_oracle")


EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
MODELS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TIGHT = {"rtol": 1e-10, "atol": 1e-10}
kernels = st.integers(1, 5)
sizes = st.integers(1, 7)
channels = st.integers(1, 4)
strides = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
paddings = st.sampled_from(["valid", "same"])
seeds = st.integers(0, 2**32 - 1)
#: The checks build (latent_dim) 100 and 16, and (k, f) (6, 20) and (4, 12); the others are a margin.
LATENT_DIMS = st.sampled_from([100, 16, 1, 7, 32])
SIMULATORS = st.sampled_from([(6, 20), (4, 12), (1, 4), (2, 8), (3, 16)])


def _keras_conv2d_transpose(keras, x, weights, bias, stride, padding):
    kh, kw, cout, cin = weights.shape
    layer = keras.layers.Conv2DTranspose(cout, (kh, kw), strides=stride, padding=padding, dtype="float64")
    layer.build((None, None, None, cin))
    layer.set_weights([weights, bias])
    return np.asarray(layer(x), dtype=np.float64)


@EXAMPLES
@given(n=st.integers(1, 2), kh=kernels, kw=kernels, h=sizes, w=sizes, cin=channels, cout=channels, stride=strides,
       padding=paddings, seed=seeds)
@example(n=1, kh=4, kw=3, h=3, w=4, cin=2, cout=3, stride=(1, 3), padding="same", seed=0)  # odd leftovers, as checked
@example(n=1, kh=3, kw=5, h=2, w=3, cin=1, cout=2, stride=2, padding="same", seed=1)
@example(n=1, kh=2, kw=1, h=3, w=2, cin=2, cout=1, stride=3, padding="valid", seed=2)  # stride past the kernel
def test_conv2d_transpose_is_keras(oracle, keras, n, kh, kw, h, w, cin, cout, stride, padding, seed):
    rng = np.random.default_rng(seed)
    x, weights, bias = rng.normal(size=(n, h, w, cin)), rng.normal(size=(kh, kw, cout, cin)), rng.normal(size=cout)
    expected = _keras_conv2d_transpose(keras, x, weights, bias, stride, padding)
    got = oracle.keras_conv2d_transpose(x, weights, bias, stride, padding)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, **TIGHT)


@EXAMPLES
@given(n=st.integers(1, 2), k=kernels, steps=sizes, cin=channels, cout=channels, stride=st.integers(1, 3),
       padding=paddings, seed=seeds)
@example(n=2, k=3, steps=5, cin=3, cout=4, stride=2, padding="same", seed=0)  # as the checks call it
@example(n=2, k=4, steps=6, cin=3, cout=2, stride=3, padding="valid", seed=1)
@example(n=1, k=4, steps=3, cin=1, cout=1, stride=1, padding="same", seed=2)
def test_conv1d_transpose_is_keras(oracle, keras, n, k, steps, cin, cout, stride, padding, seed):
    rng = np.random.default_rng(seed)
    x, kernel, bias = rng.normal(size=(n, steps, cin)), rng.normal(size=(k, cout, cin)), rng.normal(size=cout)
    layer = keras.layers.Conv1DTranspose(cout, k, strides=stride, padding=padding, dtype="float64")
    layer.build((None, None, cin))
    layer.set_weights([kernel, bias])
    expected = np.asarray(layer(x), dtype=np.float64)
    got = oracle.keras_conv1d_transpose(x, kernel, bias, stride, padding)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, **TIGHT)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(k=st.integers(2, 5), stride=st.integers(1, 3), h=sizes, seed=seeds)
def test_same_wrong_side_is_the_other_side(oracle, keras, k, stride, h, seed):
    """The diagnosis's variant is Keras exactly when the leftover k - s splits evenly, and wrong otherwise."""
    rng = np.random.default_rng(seed)
    x, weights, bias = rng.normal(size=(1, h, 2, 1)), rng.normal(size=(k, 1, 2, 1)), rng.normal(size=2)
    expected = _keras_conv2d_transpose(keras, x, weights, bias, (stride, 1), "same")
    wrong = oracle.same_wrong_side(x, weights, bias, (stride, 1))
    assert np.allclose(wrong, expected, **TIGHT) == (max(k - stride, 0) % 2 == 0)


# -- the course's models ------------------------------------------------------------------------
def _keras_upsampling_generator(keras, latent_dim, dtype):
    return keras.Sequential([
        keras.Input((latent_dim,), dtype=dtype), keras.layers.Dense(128 * 5 * 5, dtype=dtype),
        keras.layers.Reshape((5, 5, 128), dtype=dtype),
        keras.layers.Conv2DTranspose(1, (3, 3), strides=2, padding="same", dtype=dtype)])


def _keras_simulator(keras, k, f, dtype):
    return keras.Sequential([
        keras.Input((4 * k,), dtype=dtype), keras.layers.Dense(f * k, activation="relu", dtype=dtype),
        keras.layers.Reshape((1, f // 4, 4 * k), dtype=dtype),
        keras.layers.Conv2DTranspose(2 * k, (1, 5), strides=(1, 2), padding="same", dtype=dtype),
        keras.layers.Conv2DTranspose(k, (1, 5), strides=(1, 2), padding="same", dtype=dtype),
        keras.layers.Reshape((f, k), dtype=dtype)])


def _course_pair(oracle, keras, which, args, dtype="float64"):
    if which == "generator":
        return oracle.upsampling_generator(*args), _keras_upsampling_generator(keras, *args, dtype)
    return oracle.simulator(*args), _keras_simulator(keras, *args, dtype)


def _randomize(model, rng):
    weights = [rng.normal(scale=0.5, size=w.shape) for w in model.get_weights()]
    model.set_weights(weights)
    return weights


def _input_size(which, args):
    return args[0] if which == "generator" else 4 * args[0]


@MODELS
@given(which_args=st.one_of(st.tuples(st.just("generator"), LATENT_DIMS.map(lambda d: (d,))),
                            st.tuples(st.just("simulator"), SIMULATORS)),
       n=st.integers(1, 4), seed=seeds)
def test_course_models_are_keras(oracle, keras, which_args, n, seed):
    which, args = which_args
    ours, theirs = _course_pair(oracle, keras, which, args)
    assert list(ours.weight_shapes) == [tuple(w.shape) for w in theirs.get_weights()]
    assert ours.count_params() == theirs.count_params()
    rng = np.random.default_rng(seed)
    weights = _randomize(theirs, rng)
    inputs = rng.normal(size=(n, _input_size(which, args)))
    expected = np.asarray(theirs(inputs), dtype=np.float64)
    got = ours.predict(weights, inputs)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, **TIGHT)


@pytest.mark.parametrize("which,args", [("generator", (100,)), ("generator", (16,)), ("simulator", (6, 20)),
                                        ("simulator", (4, 12))])
def test_same_function_takes_keras_and_refuses_the_rest(oracle, keras, which, args):
    """As the checks use it: a float32 Keras model (the student's) and its predict on float32 inputs."""
    ours, theirs = _course_pair(oracle, keras, which, args, dtype="float32")
    rng = np.random.default_rng(sum(args))
    _randomize(theirs, rng)
    weights = theirs.get_weights()
    inputs = rng.normal(size=(4, _input_size(which, args))).astype(np.float32)
    outputs = np.asarray(theirs.predict(inputs, verbose=0))
    assert oracle.same_function(ours, weights, inputs, outputs)

    perturbed = outputs.copy()
    perturbed.flat[rng.integers(perturbed.size)] += 0.01 * max(1.0, float(np.abs(outputs).max()))
    assert not oracle.same_function(ours, weights, inputs, perturbed)
    assert not oracle.same_function(ours, weights, inputs, outputs[:, ..., :-1])
    assert not oracle.same_function(ours, weights[:-1], inputs, outputs)
    as_cin_cout = [*weights[:2], weights[2].transpose(0, 1, 3, 2), *weights[3:]]  # Cout != Cin in both models
    assert not oracle.same_function(ours, as_cin_cout, inputs, outputs)
    other = oracle.upsampling_generator(args[0] + 1) if which == "generator" else oracle.simulator(args[0] + 1, args[1])
    assert not oracle.same_function(other, weights, inputs, outputs)


def test_grading_imports_neither_keras_nor_a_backend():
    """The oracle, asked for each kind of expected value, imports none of keras, jax, tensorflow."""
    probe = r"""
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import transposed_oracle as O
rng = np.random.default_rng(0)
x, w, b = rng.normal(size=(2, 4, 5, 2)), rng.normal(size=(3, 3, 3, 2)), rng.normal(size=3)
assert O.keras_conv2d_transpose(x, w, b, 2, "same").shape == (2, 8, 10, 3)
assert O.keras_conv1d_transpose(x[:, 0], w[:, 0], b, 3, "valid").shape == (2, 15, 3)
O.same_wrong_side(x, w, b, 2), O.textbook_valid(x, w, b, 3), O.conv_matrix((4, 5), w[:, :, 0, 0])
for model in (O.simulator(6, 20), O.upsampling_generator(100)):
    weights = [rng.normal(size=s) for s in model.weight_shapes]
    inputs = rng.normal(size=(4, model.weight_shapes[0][0]))
    assert O.same_function(model, weights, inputs, model.predict(weights, inputs)), model.name
    model.count_params()
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("keras", "jax", "jaxlib", "tensorflow", "tf_keras"))
print("imported:", heavy)
"""
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    run = subprocess.run([sys.executable, "-c", probe, str(ORACLE_DIR)], env=env, capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().splitlines()[-1] == "imported: []", run.stdout[-2000:]
