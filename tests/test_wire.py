"""What may cross the sandbox boundary, and what is refused."""

import math

import numpy as np
import pytest

from convlab import wire
from convlab.functions import Function


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "same", (2, 1), [1, (2, 3)], {"mode": "max"},
    Function("gaussian", {"mu": 0.5, "sigma": 2.0}),
])
def test_plain_values_round_trip_with_their_types(value):
    assert wire.decode(wire.loads(wire.dumps({"v": wire.encode(value)}))["v"]) == value
    assert type(wire.decode(wire.encode(value))) is type(value)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "uint8", "bool"])
def test_arrays_keep_dtype_shape_and_values(dtype):
    array = (np.arange(24).reshape(2, 3, 4) % 3).astype(dtype)
    back = wire.decode(wire.encode(array))
    assert back.dtype == array.dtype and back.shape == array.shape
    np.testing.assert_array_equal(back, array)


def test_non_finite_floats_survive():
    back = wire.decode(wire.loads(wire.dumps({"v": wire.encode(float("nan"))}))["v"])
    assert math.isnan(back)
    assert wire.decode(wire.encode(float("-inf"))) == float("-inf")


def test_numpy_scalars_become_python_numbers():
    assert type(wire.decode(wire.encode(np.float32(1.5)))) is float
    assert type(wire.decode(wire.encode(np.int64(7)))) is int


def test_object_arrays_are_refused():
    with pytest.raises(wire.WireError, match="Python objects"):
        wire.encode(np.array([object()], dtype=object))


def test_an_object_with_a_rigged_eq_cannot_cross():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    with pytest.raises(wire.WireError, match="not a number"):
        wire.encode(AlwaysEqual())


def test_ndarray_subclasses_arrive_as_plain_arrays():
    class Sneaky(np.ndarray):
        def __eq__(self, other):
            return np.ones(self.shape, bool)

    back = wire.decode(wire.encode(np.zeros(3).view(Sneaky)))
    assert type(back) is np.ndarray


def test_pickled_arrays_are_never_loaded():
    import base64
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    forged = {"array": base64.b64encode(buffer.getvalue()).decode()}
    with pytest.raises(ValueError):
        wire.decode(forged)


@pytest.mark.parametrize("data", [[1, 2], {"array": "!!"}, {"bogus": 1}, {"a": 1, "b": 2}])
def test_malformed_data_is_refused(data):
    with pytest.raises((wire.WireError, ValueError)):
        wire.decode(data)


def test_deep_nesting_is_refused():
    value = 1
    for _ in range(wire.MAX_DEPTH + 2):
        value = (value,)
    with pytest.raises(wire.WireError, match="nested"):
        wire.encode(value)


def test_tensors_cross_as_plain_arrays():
    class Tensor:  # what TensorFlow, Keras and JAX tensors look like to numpy
        def __array__(self, dtype=None, copy=None):
            return np.arange(3, dtype=np.float32)

    class Liar:
        def __array__(self, dtype=None, copy=None):
            raise RuntimeError("no")

    back = wire.decode(wire.encode(Tensor()))
    assert type(back) is np.ndarray and back.dtype == np.float32 and back.tolist() == [0, 1, 2]
    with pytest.raises(wire.WireError, match="not a number, string or numpy array"):
        wire.encode(Liar())
