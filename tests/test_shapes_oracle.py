"""02's oracle (grader_tests/02_output_shapes/shapes_oracle.py) is Keras 3.

The hidden checks of 02_output_shapes compare students with Keras 3's shape and
parameter rules reimplemented in plain Python, so that grading imports neither
Keras nor a backend. These tests hold that code to real Keras (TensorFlow
backend, in a process of its own, building each layer as the grader once did:
``keras.layers.X(**args)(keras.KerasTensor((None, *shape)))`` and
``count_params()`` with weights never initialised) over

- the grids of conv_length, pool_length, transpose_length, conv_params and
  dense_params, and same_pads against where a real "same" convolution puts its
  zeros (a convolution of 1..i with one filter per kernel tap);
- the checks' own random stacks (stacks.stack, stacks.impossible_stack) and the
  course models of the example implementations;
- RULE_STACKS: each rule by which Keras refuses a layer, on both sides of it;
- hypothesis-drawn stacks of whatever a student might write in COURSE_MODELS:
  0 and negative numbers, tuples of the wrong length, padding in any case,
  "causal", Reshape with -1, Dense on N-D inputs, layers of the wrong rank,
  strides with dilation, output_padding >= stride, booleans, floats, None.

For every stack the oracle and Keras give the same rows and refuse the same
layer, or the oracle refuses a layer as outside its domain (Built.outside) after
the same rows as Keras; the course's own forms are all inside the domain.
"""

import importlib
import itertools
import math
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
ORACLE_DIR = ROOT / "grader_tests" / "02_output_shapes"
IMPLEMENTATIONS = ROOT / "tests" / "implementations"

N_RANDOM_STACKS = 150  # of each of stacks.stack(1), stacks.stack(2), stacks.impossible_stack()
N_ANY_STACKS = 3000  # hypothesis-drawn stacks of arbitrary arguments
LIMIT = 10**6  # shapes_oracle.LIMIT (test_argument_forms_outside_the_domain_... checks)


@pytest.fixture(scope="module")
def modules():
    """shapes_oracle and stacks, imported as the checks import them (their folder on the path)."""
    sys.path.insert(0, str(ORACLE_DIR))
    try:
        return importlib.import_module("shapes_oracle"), importlib.import_module("stacks")
    finally:
        sys.path.remove(str(ORACLE_DIR))


# ---- real Keras, in a process of its own -----------------------------------------------------
KERAS = r"""
import os, pickle, sys, warnings
warnings.filterwarnings("ignore")
import numpy as np
import keras
assert keras.backend.backend() == "tensorflow", keras.backend.backend()


def build(layers, input_shape):
    # as shapes_oracle built stacks when it asked Keras: (rows, index of the refused layer, why)
    shape, rows = tuple(input_shape), []
    with keras.StatelessScope(initialize_variables=False):
        for index, layer in enumerate(layers):
            try:
                made = getattr(keras.layers, layer["type"])(**{k: v for k, v in layer.items() if k != "type"})
                out = made(keras.KerasTensor((None, *shape)))
                shape = tuple(n if n is None else int(n) for n in out.shape[1:])
                params = int(made.count_params())
            except Exception as exc:
                return rows, index, f"{type(exc).__name__}: {str(exc)[:300]}"
            rows.append((layer["type"], shape, params))
    return rows, None, None


def same_probe(i, k, s, d):
    # the old shapes_oracle.same_pads: a "same" convolution of x = 1..i whose filter t picks tap t
    # returns, at output j and filter t, the padded input at j*s + t*d
    try:
        keras.layers.Conv1D(1, k, strides=s, dilation_rate=d, padding="same")
    except ValueError:
        return None
    x = np.arange(1, i + 1, dtype="float32").reshape(1, i, 1)
    kernel = np.zeros((k, 1, k), dtype="float32")
    kernel[np.arange(k), 0, np.arange(k)] = 1.0
    out = np.asarray(keras.ops.conv(x, kernel, strides=s, padding="same", dilation_rate=d))[0]
    hits = np.argwhere(out > 0)
    if not len(hits):
        return None
    before = {int(j) * s + int(t) * d - (int(out[j, t]) - 1) for j, t in hits}
    assert len(before) == 1, (i, k, s, d)
    before = before.pop()
    last_tap = (out.shape[0] - 1) * s + (k - 1) * d - before
    return before, max(0, last_tap - (i - 1))


questions = pickle.load(sys.stdin.buffer)
answers = {"stacks": [build(layers, shape) for shape, layers in questions["stacks"]],
           "same": [same_probe(*case) for case in questions["same"]]}
sys.stdout.buffer.write(pickle.dumps(answers))
"""


def ask_keras(stacks: list, same: list) -> dict:
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    run = subprocess.run([sys.executable, "-c", KERAS], input=pickle.dumps({"stacks": stacks, "same": same}),
                         env=env, capture_output=True, timeout=900)
    assert run.returncode == 0, run.stderr.decode()[-3000:]
    return pickle.loads(run.stdout)


# ---- the questions ---------------------------------------------------------------------------
def conv_length_stack(i, k, s, p, d):
    return (i, 1), [{"type": "ZeroPadding1D", "padding": p},
                    {"type": "Conv1D", "filters": 1, "kernel_size": k, "strides": s, "dilation_rate": d}]


def pool_length_stack(i, k, s, padding):
    return (i, 1), [{"type": "MaxPooling1D", "pool_size": k, "strides": s, "padding": padding}]


def transpose_length_stack(i, k, s, padding, op, d):
    return (i, 1), [{"type": "Conv1DTranspose", "filters": 1, "kernel_size": k, "strides": s, "padding": padding,
                     "output_padding": op, "dilation_rate": d}]


def conv_params_stack(kernel, cin, f, bias, transposed):
    kernel = (kernel,) if isinstance(kernel, int) else kernel
    kind = f"Conv{len(kernel)}D" + ("Transpose" if transposed else "")
    return (*kernel, cin), [{"type": kind, "filters": f, "kernel_size": kernel, "use_bias": bias}]


def dense_params_stack(n_in, n_out, bias):
    return (n_in,), [{"type": "Dense", "units": n_out, "use_bias": bias}]


GRIDS = {  # helper -> (its cases, the stack Keras builds for one, what the helper answers from the rows)
    "conv_length": (list(itertools.product(range(1, 11), range(1, 6), range(1, 4), range(-1, 3), range(1, 4))),
                    conv_length_stack, lambda rows: rows[-1][1][0]),
    "pool_length": (list(itertools.product(range(1, 11), range(1, 5), [None, 1, 2, 3], ["valid", "same"])),
                    pool_length_stack, lambda rows: rows[-1][1][0]),
    "transpose_length": (list(itertools.product(range(1, 7), range(1, 5), range(1, 4), ["valid", "same"],
                                                [None, 0, 1, 2], range(1, 3))),
                         transpose_length_stack, lambda rows: rows[-1][1][0]),
    "conv_params": (list(itertools.product([1, 3, (2, 3), (1, 5)], [1, 4], [1, 5], [True, False], [True, False])),
                    conv_params_stack, lambda rows: rows[0][2]),
    "dense_params": (list(itertools.product([1, 7, 400], [1, 3, 120], [True, False])),
                     dense_params_stack, lambda rows: rows[0][2]),
}
SAME_GRID = list(itertools.product(range(1, 13), range(1, 7), range(1, 4), range(1, 5)))


def course_model_stacks(O) -> list:
    """(input_shape, layers) of every COURSE_MODELS the example implementations write, as the
    course_models check hands them to the oracle (aliases resolved, shape-neutral arguments dropped)."""
    sys.path.insert(0, str(IMPLEMENTATIONS))
    try:
        found = []
        for module in ("reference", "variants", "styles"):
            mod = importlib.import_module(f"02_output_shapes.{module}")
            for name in dir(mod):
                if name == "course_models" or name.startswith("course_models__"):
                    found += list(getattr(mod, name)().values())
    finally:
        sys.path.remove(str(IMPLEMENTATIONS))
    return [(tuple(shape), [{"type": O.ALIASES.get(d["type"], d["type"]),
                             **{k: v for k, v in d.items() if k != "type" and k not in O.IGNORED}} for d in layers])
            for shape, layers in found]


# ---- each rule, on both sides of it ----------------------------------------------------------
def _c(kind, **args):
    return {"type": kind, **args}


RULE_STACKS = [
    # a 'valid' window exactly as long as the input (1 output), one longer (0), dilated, strided, 2-D
    ((5, 2), [_c("Conv1D", filters=2, kernel_size=5)]), ((5, 2), [_c("Conv1D", filters=2, kernel_size=6)]),
    ((5, 2), [_c("Conv1D", filters=2, kernel_size=3, dilation_rate=2)]),
    ((4, 2), [_c("Conv1D", filters=2, kernel_size=3, dilation_rate=2)]),
    ((7, 2), [_c("Conv1D", filters=2, kernel_size=3, strides=5)]), ((2, 2), [_c("Conv1D", filters=2, kernel_size=9)]),
    ((3, 3, 6), [_c("Conv2D", filters=2, kernel_size=5)]), ((6, 3, 1), [_c("Conv2D", filters=2, kernel_size=(3, 4))]),
    ((4, 4, 1), [_c("MaxPooling2D", pool_size=(4, 5))]), ((4, 4, 1), [_c("AveragePooling2D", pool_size=4)]),
    ((3, 1), [_c("MaxPooling1D")]), ((1, 1), [_c("MaxPooling1D")]), ((1, 1), [_c("MaxPooling1D", padding="same")]),
    # strides with dilation, on any axes; output_padding against the stride
    ((9, 9, 1), [_c("Conv2D", filters=1, kernel_size=2, strides=(2, 1), dilation_rate=(1, 2))]),
    ((9, 9, 1), [_c("Conv2D", filters=1, kernel_size=2, strides=(1, 1), dilation_rate=(1, 2))]),
    ((9, 1), [_c("Conv1DTranspose", filters=1, kernel_size=2, strides=2, dilation_rate=2)]),
    ((4, 1), [_c("Conv1DTranspose", filters=1, kernel_size=3, strides=2, output_padding=1)]),
    ((4, 1), [_c("Conv1DTranspose", filters=1, kernel_size=3, strides=2, output_padding=2)]),
    ((4, 4, 1), [_c("Conv2DTranspose", filters=1, kernel_size=3, strides=(2, 1), output_padding=(1, 1))]),
    ((4, 1), [_c("Conv1DTranspose", filters=1, kernel_size=2, strides=3, output_padding=0)]),
    ((4, 1), [_c("Conv1DTranspose", filters=1, kernel_size=3, output_padding=-1)]),
    ((1, 1), [_c("Conv1DTranspose", filters=1, kernel_size=2, padding="same", output_padding=0)]),  # size 0
    ((3, 1), [_c("Conv1DTranspose", filters=1, kernel_size=4, strides=2, padding="same", output_padding=0)]),
    # padding names
    ((9, 2), [_c("Conv1D", filters=1, kernel_size=4, strides=2, padding="causal")]),
    ((9, 2), [_c("Conv1D", filters=1, kernel_size=4, padding="CAUSAL")]),
    ((9, 9, 2), [_c("Conv2D", filters=1, kernel_size=4, padding="causal")]),
    ((9, 2), [_c("Conv1DTranspose", filters=1, kernel_size=4, padding="causal")]),
    ((9, 9, 2), [_c("Conv2D", filters=1, kernel_size=4, padding="SAME")]),
    ((9, 9, 2), [_c("Conv2DTranspose", filters=1, kernel_size=4, padding="Valid")]),
    ((9, 9, 2), [_c("MaxPooling2D", padding="SAME")]), ((9, 2), [_c("AveragePooling1D", pool_size=2, padding="Same")]),
    ((9, 2), [_c("Conv1D", filters=1, kernel_size=4, padding="full")]),
    ((9, 2), [_c("Conv1D", filters=1, kernel_size=4, padding=1)]),
    ((9, 2), [_c("Conv1D", filters=1, kernel_size=4, padding=(1, 1))]),
    ((9, 2), [_c("MaxPooling1D", padding=None)]),
    # sizes per axis: a wrong number of them, 0, negative, None, not ints
    ((9, 2), [_c("Conv1D", filters=1, kernel_size=(3, 3))]), ((9, 9, 2), [_c("Conv2D", filters=1, kernel_size=(3,))]),
    ((9, 9, 2), [_c("Conv2D", filters=1, kernel_size=[3, 2])]), ((9, 2), [_c("Conv1D", filters=1, kernel_size=[])]),
    ((9, 2), [_c("Conv1D", filters=1, kernel_size=0)]), ((9, 2), [_c("Conv1D", filters=1, kernel_size=None)]),
    ((9, 2), [_c("Conv1D", filters=1, kernel_size="3")]), ((9, 9, 2), [_c("Conv2D", filters=1, kernel_size=(3, None))]),
    ((9, 2), [_c("Conv1D", filters=1, kernel_size=3, strides=0)]),
    ((9, 2), [_c("Conv1D", filters=1, kernel_size=3, strides=None)]),
    ((9, 2), [_c("Conv1D", filters=1, kernel_size=3, dilation_rate=-1)]),
    ((9, 2), [_c("MaxPooling1D", strides=0)]), ((9, 2), [_c("MaxPooling1D", strides=-1)]),
    ((9, 2), [_c("MaxPooling1D", strides=None)]), ((9, 2), [_c("MaxPooling1D", pool_size=None)]),
    ((9, 9, 2), [_c("MaxPooling2D", pool_size=(2, 3), strides=(1, 0))]),
    ((9, 9, 2), [_c("AveragePooling2D", pool_size=(2, 3), strides=(3, 1))]),
    # required arguments, filters and units
    ((9, 2), [_c("Conv1D", kernel_size=3)]), ((9, 2), [_c("Conv1D", filters=3)]), ((9, 2), [_c("AveragePooling1D")]),
    ((9, 2), [_c("Dense")]), ((9, 2), [_c("Reshape")]), ((9, 2), [_c("Conv1D", filters=0, kernel_size=3)]),
    ((9, 2), [_c("Conv1DTranspose", filters=-2, kernel_size=3)]), ((9, 2), [_c("Dense", units=0)]),
    ((9, 2), [_c("Dense", units=-1)]), ((9, 2), [_c("Dense", units="8")]), ((9, 2), [_c("Dense", units=None)]),
    ((9, 2), [_c("Dense", units=(4,))]), ((3,), [_c("Dense", units=LIMIT)]), ((3,), [_c("Dense", units=LIMIT + 1)]),
    # Dense on the last axis, Flatten
    ((5, 24), [_c("Dense", units=7)]), ((2, 3, 4), [_c("Dense", units=5, use_bias=False)]),
    ((7,), [_c("Flatten"), _c("Dense", units=2)]), ((2, 3, 4), [_c("Flatten")]),
    # Reshape
    ((120,), [_c("Reshape", target_shape=(5, 24)), _c("Reshape", target_shape=(-1, 5, 24))]),
    ((120,), [_c("Reshape", target_shape=(5, 25))]), ((120,), [_c("Reshape", target_shape=(-1, 7))]),
    ((120,), [_c("Reshape", target_shape=(-1, -1))]), ((120,), [_c("Reshape", target_shape=(-2, -60))]),
    ((120,), [_c("Reshape", target_shape=(0, -1))]), ((120,), [_c("Reshape", target_shape=(0, 120))]),
    ((120,), [_c("Reshape", target_shape=120)]), ((120,), [_c("Reshape", target_shape=None)]),
    ((120,), [_c("Reshape", target_shape=[2, 3, -1])]), ((1,), [_c("Reshape", target_shape=())]),
    ((6,), [_c("Reshape", target_shape=(6.0,))]), ((6,), [_c("Reshape", target_shape="ab")]),
    # ZeroPadding
    ((4, 3), [_c("ZeroPadding1D", padding=(2, 0))]), ((4, 3), [_c("ZeroPadding1D", padding=-1)]),
    ((4, 3), [_c("ZeroPadding1D", padding=(1,))]), ((4, 3), [_c("ZeroPadding1D", padding=(1, 2, 3))]),
    ((4, 3), [_c("ZeroPadding1D", padding=((1, 2),))]), ((4, 3), [_c("ZeroPadding1D", padding=((1, 2), (3, 4)))]),
    ((4, 3), [_c("ZeroPadding1D", padding="ab")]), ((4, 3), [_c("ZeroPadding1D", padding=None)]),
    ((4, 5, 3), [_c("ZeroPadding2D", padding=2), _c("ZeroPadding2D", padding=(1, 2)),
                 _c("ZeroPadding2D", padding=((0, 1), (3, 0))), _c("ZeroPadding2D", padding=(1, (2, 3)))]),
    ((4, 5, 3), [_c("ZeroPadding2D", padding=((1,), 2))]), ((4, 5, 3), [_c("ZeroPadding2D", padding=(1, 2, 3))]),
    ((4, 5, 3), [_c("ZeroPadding2D", padding=None)]), ((4, 5, 3), [_c("ZeroPadding2D", padding="ab")]),
    ((4, 5, 3), [_c("ZeroPadding2D", padding=((-1, 0), 1))]), ((4, 5, 3), [_c("ZeroPadding2D", padding=(None, 1))]),
    ((4, 5, 3), [_c("ZeroPadding2D", padding=-1)]),
    # the input's rank
    ((9, 9, 2), [_c("Conv1D", filters=1, kernel_size=3)]), ((9, 2), [_c("Conv2D", filters=1, kernel_size=3)]),
    ((9, 9, 2), [_c("Conv1DTranspose", filters=1, kernel_size=3)]),
    ((2, 2, 2, 3), [_c("Conv2DTranspose", filters=1, kernel_size=1)]),
    ((2, 2, 2, 3), [_c("Conv2D", filters=1, kernel_size=1)]), ((9, 9, 2), [_c("MaxPooling1D")]),
    ((9, 2), [_c("AveragePooling2D", pool_size=1)]), ((9, 2), [_c("ZeroPadding2D")]),
    ((9, 9, 2), [_c("ZeroPadding1D")]),
    ((400,), [_c("Conv2D", filters=1, kernel_size=1)]), ((400,), [_c("MaxPooling1D")]),
    ((8, 8, 1), [_c("Flatten"), _c("Conv1D", filters=1, kernel_size=1)]),
]
#: Words of the oracle's reasons, one for each rule by which Keras refuses a layer: RULE_STACKS meets them all.
RULES = ("at least 1", "needs an input of shape", "keeps the number of values", "only one size can be -1",
         "no size for the -1", "sizes are 0 or more", "smaller than the stride", "together with a dilation",
         "takes padding", "take padding", "one per spatial axis", "needs the argument", "whole number of units",
         "takes a tuple of sizes", "takes 0 or more zeros", "ZeroPadding2D takes an int, a pair")


# ---- stacks of anything a student might write ------------------------------------------------
def mostly(usual, unusual, rate):
    """``usual``, or about one time in ``rate`` ``unusual`` (never with rate 0, always with rate 1; hypothesis
    favours the ends of a range, so the unusual draw is one in its middle)."""
    if rate < 2:
        return unusual if rate else usual
    return st.integers(1, rate).flatmap(lambda n: unusual if n == 2 else usual)


ODD_NUMBERS = st.sampled_from([0, -1, -3, True, False, None, 2.0, "3", (), [2, 1]])
PADDING_NAMES = st.sampled_from(["valid", "same", "valid", "same", "Valid", "SAME", "causal"])
PADDINGS = st.sampled_from(["valid", "same", "VALID", "Same", "sAmE", "causal", "Causal", "full", "", " same",
                            None, 1, (1, 1), True])


def per_axis(values, rank, rate):
    """An int, or a tuple/list with one per axis (sometimes of a wrong length, a 0, a negative, a float...)."""
    ints = st.sampled_from(values)
    usual = st.one_of(ints, st.tuples(*[ints] * rank), st.lists(ints, min_size=rank, max_size=rank))
    unusual = st.one_of(ODD_NUMBERS, st.lists(st.integers(-1, 4), min_size=0, max_size=3).map(tuple),
                        st.tuples(ints, st.just(1.5)), st.tuples(ints, st.booleans()))
    return mostly(usual, unusual, rate)


def zero_padding(rank, rate):
    pair = st.tuples(st.integers(0, 3), st.integers(0, 3))
    if rank == 1:
        usual = st.one_of(st.integers(0, 3), pair, pair.map(list))
        unusual = st.one_of(ODD_NUMBERS, st.tuples(st.integers(-2, 3), st.integers(-2, 3)), st.just((1, 2, 3)),
                            st.just(((1, 2),)), st.just(((1, 2), (3, 4))))
    else:
        usual = st.one_of(st.integers(0, 3), pair, st.tuples(pair, pair), st.tuples(st.integers(0, 3), pair))
        unusual = st.one_of(ODD_NUMBERS, st.just(-1), st.just((1, 2, 3)), st.just(((1,), 2)),
                            st.just(((-1, 0), 1)), st.just((None, 1)), st.just(((1, 2, 3), (1, 2))),
                            st.just("ab"), st.just(((1, True), 2)))
    return mostly(usual, unusual, rate)


def target_shapes(shape, rate):
    size = math.prod(shape)
    usual = [(size,), (-1,), tuple(reversed(shape)), (*shape, 1), (-1, *shape[1:]), (1, -1), (shape[0], -1),
             [size], (size, 1, 1), (1, *shape), (size + 1,), (shape[0] + 1, -1), (-1, 7), (2, size // 2)]
    unusual = [(size + 1,), (-1, 7), (-1, -1), (0, -1), (0,), (-2, size), (), 5, None, (size / 1,),
               (True, size), "ab", (-1, size + 1)]
    return mostly(st.sampled_from(usual), st.sampled_from(unusual), rate)


@st.composite
def any_layer(draw, shape, rate):
    """A layer dict, mostly of the input's rank, with arguments a student might write (or leave out);
    one argument in ``rate`` (none with rate 0) unusual: of a wrong form, or refused."""
    rank = max(1, min(2, len(shape) - 1))
    kinds = ([f"Conv{rank}D", f"Conv{rank}DTranspose", f"MaxPooling{rank}D", f"AveragePooling{rank}D",
              f"ZeroPadding{rank}D", f"MaxPool{rank}D", f"AvgPool{rank}D"] * 2
             + ["Flatten", "Dense", "Dense", "Reshape", "Reshape"])
    other_rank = [k.replace(str(rank), str(3 - rank)) for k in kinds]
    kind = draw(mostly(st.sampled_from(kinds), st.sampled_from(sorted({*kinds, *other_rank})), rate or 8))
    rank = int(kind[4]) if kind.startswith("Conv") else int(kind[-2]) if kind[-2].isdigit() else rank
    canonical = kind.replace("MaxPool", "MaxPooling").replace("AvgPool", "AveragePooling").replace(
        "Poolinging", "Pooling")
    layer = {"type": kind}

    def maybe(key, strategy, required=False):
        if required or draw(st.booleans()):
            layer[key] = draw(strategy)

    def required():  # a required argument, left out about one time in ``rate``
        return not rate or draw(st.integers(1, rate)) != 2

    if canonical.startswith("Conv"):
        maybe("filters", mostly(st.integers(1, 8), ODD_NUMBERS, rate), required=required())
        maybe("kernel_size", per_axis([1, 2, 3, 4, 5], rank, rate), required=required())
        maybe("strides", per_axis([1, 1, 2, 3], rank, rate))
        maybe("padding", mostly(PADDING_NAMES, PADDINGS, rate))
        maybe("dilation_rate", per_axis([1, 1, 2, 3], rank, rate))
        if canonical.endswith("Transpose"):
            maybe("output_padding", mostly(st.one_of(st.none(), st.integers(0, 2)),
                                           per_axis([0, 1, 2, 3], rank, 1), rate or 3))
        maybe("use_bias", mostly(st.booleans(), st.sampled_from([0, 1, None, "no"]), rate))
    elif "Pooling" in canonical:
        maybe("pool_size", per_axis([1, 2, 3, 4], rank, rate), required="Average" in canonical and required())
        maybe("strides", mostly(st.one_of(st.none(), st.integers(1, 3)), per_axis([0, 1, 2, 3], rank, 1), rate))
        maybe("padding", mostly(PADDING_NAMES, PADDINGS, rate))
    elif canonical.startswith("ZeroPadding"):
        maybe("padding", zero_padding(rank, rate))
    elif canonical == "Dense":
        maybe("units", mostly(st.integers(1, 16), ODD_NUMBERS, rate), required=required())
        maybe("use_bias", mostly(st.booleans(), st.sampled_from([0, 1, None]), rate))
    elif canonical == "Reshape":
        maybe("target_shape", target_shapes(shape, rate), required=required())
    if rate and draw(st.integers(1, 10 * rate)) == 2:  # an argument Keras takes that the summarize contract does not
        layer["groups" if canonical.startswith("Conv") else "data_format"] = "channels_last"
    return layer


@st.composite
def any_stack(draw, O):
    """(input_shape, layers): an input of rank 1 to 3 and up to 6 layers, plain (the course's forms, whether
    Keras builds them or not), or with one argument in 10 or in 3 unusual. The running shape is the oracle's,
    only to choose arguments that fit it (a Reshape of the right size, layers of its rank...)."""
    rate = draw(st.sampled_from([0, 0, 0, 10, 3]))
    sizes = mostly(st.integers(4, 24), st.one_of(st.integers(1, 3), st.integers(25, 60)), 4)
    shape = tuple(draw(st.lists(sizes, min_size=1, max_size=3)))
    layers = []
    for _ in range(draw(st.integers(1, 6))):
        built = O.summary(layers, shape)
        if built.refused_at is not None:
            break
        layers.append(draw(any_layer(built.rows[-1][1] if built.rows else shape, rate)))
    return shape, layers


# ---- comparing ---------------------------------------------------------------------------------
def disagreement(built, answer) -> str | None:
    """None when the oracle's Built is Keras's (rows, refused_at, why), or refuses as outside its domain
    a layer that comes after the same rows as Keras's."""
    rows, refused_at, why = answer
    rows = [(kind, tuple(shape), params) for kind, shape, params in rows]
    mine = [(kind, tuple(shape), params) for kind, shape, params in built.rows]
    if built.outside:
        if mine == rows[:built.refused_at] and (refused_at is None or refused_at >= built.refused_at):
            return None
    elif (mine, built.refused_at) == (rows, refused_at):
        return None
    return f"oracle {built}; Keras {rows}, refused at {refused_at}: {why}"


@pytest.fixture(scope="module")
def compared(modules):
    """Every question asked of the oracle and of Keras: {group: [(question, oracle's Built, Keras's answer)]}."""
    O, stacks = modules
    groups = {}
    for helper, (cases, stack, _) in GRIDS.items():
        groups[helper] = [(case, *stack(*case)) for case in cases
                          if not (helper == "transpose_length" and O.transposed_crashes(case[1], *case[3:]))]
    groups["stacks(1)"] = O.draw("test/stacks1", stacks.stack(1), N_RANDOM_STACKS, 0)
    groups["stacks(2)"] = O.draw("test/stacks2", stacks.stack(2), N_RANDOM_STACKS, 0)
    groups["impossible"] = [c[:2] for c in O.draw("test/impossible", stacks.impossible_stack(), N_RANDOM_STACKS, 0)]
    groups["course models"] = course_model_stacks(O)
    groups["rules"] = RULE_STACKS
    groups["any"] = O.draw("test/any", any_stack(O), N_ANY_STACKS, 0)
    groups = {g: [q if len(q) == 3 else (None, *q) for q in questions] for g, questions in groups.items()}
    order = [(g, q) for g, questions in groups.items() for q in questions]
    answers = ask_keras([(shape, layers) for _, (_, shape, layers) in order], SAME_GRID)
    out = {g: [] for g in groups}
    for (g, (case, shape, layers)), answer in zip(order, answers["stacks"], strict=True):
        out[g].append(((case, shape, layers), O.summary(layers, shape), answer))
    out["same_pads"] = list(zip(SAME_GRID, answers["same"], strict=True))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("helper", sorted(GRIDS))
def test_every_grid_answer_is_keras(modules, compared, helper):
    O, _ = modules
    function, (_, _, answer_from) = getattr(O, helper), GRIDS[helper]
    wrong = []
    for (case, _, _), built, (rows, refused_at, why) in compared[helper]:
        expected = None if refused_at is not None else answer_from(rows)
        if function(*case) != expected:
            wrong.append((case, function(*case), expected, why))
        assert not built.outside, (case, built.reason)
    assert not wrong, wrong[:5]
    if helper == "transpose_length":  # the shapes TensorFlow cannot run are never asked about
        assert all(O.transpose_length(i, k, s, p, op, d) is None for i, k, s, p, op, d in GRIDS[helper][0]
                   if O.transposed_crashes(k, p, op, d))


@pytest.mark.slow
def test_same_pads_are_where_a_same_convolution_puts_the_zeros(modules, compared):
    O, _ = modules
    wrong = [(case, O.same_pads(*case), probed) for case, probed in compared["same_pads"]
             if O.same_pads(*case) != probed]
    assert not wrong, wrong[:5]
    assert sum(probed is None for _, probed in compared["same_pads"]) > 20  # refused and unobservable both asked
    assert any(probed[0] != probed[1] for _, probed in compared["same_pads"] if probed)


@pytest.mark.slow
@pytest.mark.parametrize("group", ["stacks(1)", "stacks(2)", "impossible", "course models"])
def test_the_checks_stacks_are_keras_and_inside_the_domain(compared, group):
    questions = compared[group]
    assert len(questions) >= (40 if group == "course models" else N_RANDOM_STACKS // 2)
    outside = [(q, built.reason) for q, built, _ in questions if built.outside]
    assert not outside, outside[:3]
    wrong = [(q, problem) for q, built, answer in questions if (problem := disagreement(built, answer))]
    assert not wrong, wrong[:3]
    refused = sum(built.refused_at is not None for _, built, _ in questions)
    if group == "impossible":  # the checks keep those refused at the layer meant (accept=...)
        assert refused >= 0.9 * len(questions)
    else:
        assert refused <= 0.1 * len(questions)


@pytest.mark.slow
def test_any_stack_is_keras_or_outside_the_domain(compared):
    questions = compared["any"]
    wrong = [(q, problem) for q, built, answer in questions if (problem := disagreement(built, answer))]
    assert not wrong, wrong[:3]
    inside = [(built, answer) for _, built, answer in questions if not built.outside]
    plain = [(q, built.reason) for q, built, _ in questions if built.outside and _plain(q[2])]
    assert not plain, plain[:3]  # the course's forms are all inside the domain
    built_inside = sum(built.refused_at is None for built, _ in inside)
    refused_inside = len(inside) - built_inside
    outside_built = sum(answer[1] is None or answer[1] > built.refused_at
                        for _, built, answer in questions if built.outside)
    print(f"\n{len(questions)} stacks: {built_inside} built and {refused_inside} refused by both, "
          f"{len(questions) - len(inside)} outside the domain ({outside_built} of them built by Keras)")
    assert len(questions) >= N_ANY_STACKS * 0.7  # distinct ones
    assert built_inside >= 300 and refused_inside >= 300  # both sides of every rule are exercised


@pytest.mark.slow
def test_each_rule_is_keras_on_both_sides(compared):
    questions = compared["rules"]
    wrong = [(q, problem) for q, built, answer in questions if (problem := disagreement(built, answer))]
    assert not wrong, wrong[:3]
    reasons = " | ".join(built.reason for _, built, _ in questions if built.reason and not built.outside)
    assert [rule for rule in RULES if rule not in reasons] == [], reasons
    assert sum(built.refused_at is None for _, built, _ in questions) >= 25
    assert sum(built.outside for _, built, _ in questions) <= 12


def _plain(layers) -> bool:
    """Written with the course's forms only (what any_stack draws with rate 0, whether Keras builds it or not):
    the contract's arguments, filters and units ints, sizes ints or non-empty tuples/lists of ints (or None),
    padding "valid", "same" or "causal" in any case, use_bias True or False, no ZeroPadding2D of a negative int."""
    def ints(value):
        if isinstance(value, (tuple, list)):
            return len(value) > 0 and all(ints(v) for v in value)
        return isinstance(value, int) and not isinstance(value, bool)

    for layer in layers:
        for key, value in layer.items():
            if key == "type":
                continue
            if key == "use_bias":
                ok = isinstance(value, bool)
            elif key in ("filters", "units"):
                ok = ints(value) and isinstance(value, int)
            elif key == "padding" and not layer["type"].startswith("ZeroPadding"):
                ok = isinstance(value, str) and value.lower() in ("valid", "same", "causal")
            elif key == "padding" and ints(value) and isinstance(value, int):
                ok = value >= 0
            else:
                ok = key not in ("groups", "data_format") and (value is None or ints(value))
            if not ok:
                return False
    return True


# ---- without Keras -------------------------------------------------------------------------------
def test_same_pads_none_exactly_where_no_window_reaches_the_input(modules):
    """The closed form of "no window reaches x" is what sliding every window over the padded input shows."""
    O, _ = modules
    for i, k, s, d in itertools.product(range(1, 16), range(1, 8), range(1, 5), range(1, 7)):
        if s > 1 and d > 1:
            assert O.same_pads(i, k, s, d) is None
            continue
        n = -(-i // s)
        total = max((n - 1) * s + (k - 1) * d + 1 - i, 0)
        reached = any(total // 2 <= j * s + t * d < total // 2 + i for j in range(n) for t in range(k))
        expected = (total // 2, total - total // 2) if reached else None
        assert O.same_pads(i, k, s, d) == expected, (i, k, s, d)


def test_argument_forms_outside_the_domain_are_refused_with_a_reason(modules):
    O, _ = modules
    assert O.LIMIT == LIMIT
    for layer in [{"type": "Dense", "units": True}, {"type": "Conv1D", "filters": 2, "kernel_size": 3.0},
                  {"type": "Conv1D", "filters": 2, "kernel_size": 3, "use_bias": 1},
                  {"type": "Conv1D", "filters": 2, "kernel_size": 3, "groups": 1},
                  {"type": "Reshape", "target_shape": ()}, {"type": "Dropout", "rate": 0.5},
                  {"type": "Dense", "units": 10**7}]:
        built = O.summary([layer], (12, 3))
        assert (built.refused_at, built.outside) == (0, True) and built.reason, (layer, built)
    built = O.summary([{"type": "ZeroPadding2D", "padding": -1}], (5, 5, 1))
    assert built.outside and "crop" in built.reason
    # True and 1 are equal dict keys: the cache keeps them apart
    assert O.summary([{"type": "Dense", "units": 1}], (3,)).refused_at is None
    assert O.summary([{"type": "Dense", "units": True}], (3,)).outside


def test_grading_imports_neither_keras_nor_a_backend():
    """Every module of 02's checks, asked every kind of question, imports none of keras, jax, tensorflow."""
    probe = r"""
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
for path in sorted(Path(sys.argv[1]).glob("*.py")):
    __import__(path.stem)
import shapes_oracle as O, stacks, test_course_models as T
for shape, layers, *_ in O.draw("probe", stacks.stack(2), 5, 0) + O.draw("probe", stacks.impossible_stack(), 5, 0):
    O.summary(layers, shape)
assert T.COURSE and O.summary([{"type": "Dense", "units": 120}, {"type": "Reshape", "target_shape": (-1, 5, 24)}],
                             (24,)).rows[-1][1] == (1, 5, 24)
O.conv_length(9, 3, 2, 1, 1), O.same_pads(10, 4, 2), O.pool_length(9, 2), O.transpose_length(4, 3, 2, "same", 1)
O.conv_params((3, 3), 4, 8), O.dense_params(10, 3, False)
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("keras", "jax", "jaxlib", "tensorflow", "tf_keras"))
print("imported:", heavy)
import conftest, shutil
shutil.rmtree(conftest._HOME, ignore_errors=True)  # hypothesis's folder while grading (pytest_unconfigure's work)
"""
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    run = subprocess.run([sys.executable, "-c", probe, str(ORACLE_DIR)], env=env, capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().splitlines()[-1] == "imported: []", run.stdout[-2000:]
