"""Failure messages for the hidden checks, in the course's terms.

A hidden check must tell the student *what* is wrong without handing out the
hidden inputs or the expected answer: these helpers compare a returned value
with the grader's answer and fail with a short diagnosis (wrong type, NaN,
which axis is too short, which known mistake the output matches, where the
largest error is). They never print whole arrays.

Return dtype rule of the course: any real floating dtype is fine (float32
too); an integer dtype only if the values are exactly right; bool, complex,
object and string arrays are wrong.
"""

from __future__ import annotations

import numbers

import numpy as np
import pytest

__all__ = ["KnownMistake", "fail", "fail_if", "expect", "expect_close", "expect_array", "expect_unmodified",
           "expect_inputs_left_alone"]

# Names of the axes of an expected array, by its number of dimensions, so that
# shape and position messages read "2 rows short" / "at row 3, column 0".
_AXES = {
    1: ("element",),
    2: ("row", "column"),
    3: ("row", "column", "channel"),
    4: ("sample", "row", "column", "channel"),
}


class KnownMistake(pytest.fail.Exception):
    """A failed check whose result is what a known mistake gives: its message, and its parts as data.

    ``what`` is the call, ``diagnosis`` the misconception alone (no call, no numbers). The
    results record both (:mod:`convlab.checks`), so that feedback can say a mistake once for
    all the checks it fails (:mod:`convlab.record`) without parsing messages.
    """

    def __init__(self, what: str, diagnosis: str):
        super().__init__(f"{what} is wrong: {diagnosis}", pytrace=False)
        self.what, self.diagnosis = what, diagnosis


def fail(message: str):
    """Fail the current check with ``message`` only (no grader traceback)."""
    pytest.fail(message, pytrace=False)


def fail_if(problem: str | None) -> None:
    """Fail with ``problem`` if there is one: for checks written as functions that return
    None when the answer is right and the reason otherwise."""
    if problem:
        fail(problem)


def expect(condition, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds."""
    if not condition:
        fail(message)


def expect_unmodified(mutated, names: dict, *, what: str) -> None:
    """Fail if the student's function changed an argument in place.

    ``mutated`` is ``student.mutated`` (positions or keyword names), ``names``
    maps them to the argument names the student knows.
    """
    if mutated:
        args = ", ".join(repr(names.get(m, m)) for m in mutated)
        fail(
            f"{what} modified its input {args} in place; work on a copy "
            "(e.g. np.pad, x.astype(float), or new arrays) instead of changing "
            "the caller's array"
        )


def expect_inputs_left_alone(student, name: str, args: tuple, names: dict, calls: list[dict]) -> None:
    """Fail if ``name(*args, **kwargs)`` changes one of its array arguments in place, for any
    ``kwargs`` of ``calls``: one call per mode of the function, since a change made in one mode
    only (an average pooling that divides its input) is a change all the same.

    ``names`` names the arguments as the student knows them (positions or keywords). A call
    that raises or hangs is left to the check of its mode, which charges it.
    """
    from convlab.student import StudentError

    for kwargs in calls:
        try:
            student.call(name, *args, **kwargs)
        except StudentError:
            continue
        given = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
        expect_unmodified(student.mutated, names, what=f"{name} (called with {given or 'its defaults'})")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _fmt(value) -> str:
    return f"{float(value):.4g}"


def _type_problem(got, expected_shape) -> str | None:
    """Why ``got`` is not a numpy array of real numbers, or None if it is."""
    if got is None:
        return "returned None (did you forget the return statement?)"
    if isinstance(got, (list, tuple)):
        return (
            f"returned a {type(got).__name__}, expected a numpy array of shape "
            f"{expected_shape}; convert the result with np.array(...)"
        )
    if isinstance(got, bool) or isinstance(got, np.bool_):
        return f"returned the boolean {got}, expected a numpy array of shape {expected_shape}"
    if isinstance(got, numbers.Number):
        return f"returned a single number ({got!r}), expected a numpy array of shape {expected_shape}"
    if not isinstance(got, np.ndarray):
        return f"returned a {type(got).__name__}, expected a numpy array of shape {expected_shape}"
    kind = got.dtype.kind
    if kind == "b":
        return "returned a boolean array; it should hold numbers"
    if kind == "c":
        return (
            f"returned complex numbers (dtype {got.dtype}); the result is real: "
            "take the real part (e.g. of an FFT result)"
        )
    if kind not in "fiu":
        return f"returned an array of dtype {got.dtype}; it should hold real numbers (float)"
    return None


def _shape_problem(got: np.ndarray, expected: np.ndarray, axes) -> str:
    """Explain a shape mismatch in words: which axis is short, transposed, extra."""
    gs, es = got.shape, expected.shape
    head = f"has shape {gs}, expected {es}"
    if got.ndim != expected.ndim:
        text = f"has {_plural(got.ndim, 'dimension')} {gs}, expected {expected.ndim} {es}"
        if got.size == expected.size and tuple(d for d in gs if d != 1) == tuple(d for d in es if d != 1):
            return text + " (extra or missing axes of length 1: check reshape/np.squeeze)"
        if got.ndim == expected.ndim + 1:
            for i in range(got.ndim):
                if gs[:i] + gs[i + 1:] == es:
                    return text + (
                        f" (an extra axis of length {gs[i]}: did you forget to sum over it, "
                        "e.g. over the input channels?)"
                    )
            return text + " (did you forget to sum over an axis, e.g. the channels?)"
        if got.ndim < expected.ndim:
            return text + " (did you drop an axis, e.g. the batch or the channel axis?)"
        return text
    if sorted(gs) == sorted(es):
        if got.ndim == 2:
            return head + " (rows and columns are swapped: is the result transposed?)"
        if got.ndim == 4 and gs == (es[0], es[3], es[1], es[2]):
            return head + (
                " (that is channels-first (N, C, H, W); the course uses channels-last "
                "(N, H, W, C) like Keras)"
            )
        if got.ndim == 3 and gs == (es[2], es[0], es[1]):
            return head + " (that is channels-first (C, H, W); the course uses channels-last (H, W, C))"
        return head + " (the axes are in a different order)"
    parts = []
    for n_got, n_exp, name in zip(gs, es, axes):
        if n_got < n_exp:
            parts.append(f"{_plural(n_exp - n_got, name)} short")
        elif n_got > n_exp:
            parts.append(f"{_plural(n_got - n_exp, 'extra ' + name)}")
    return head + ": " + " and ".join(parts)


def _position(index, axes) -> str:
    if len(index) == 1:
        return f"index {index[0]}"
    return ", ".join(f"{name} {i}" for name, i in zip(axes, index))


def _close(got, expected, rtol, atol) -> bool:
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=rtol, atol=atol))


def _value_problem(got, expected, rtol, atol, axes, edges_hint) -> str:
    """Summarise wrong values: how many, the worst one and where, plus a hint."""
    err = np.abs(got.astype(float) - expected)
    bad = err > atol + rtol * np.abs(expected)
    worst = np.unravel_index(int(np.argmax(np.where(bad, err, -1.0))), err.shape)
    text = (
        f"has the right shape {expected.shape}, but values differ at {int(bad.sum())} of "
        f"{bad.size} positions; largest error {_fmt(err[worst])} at {_position(worst, axes)} "
        f"(got {_fmt(got[worst])}, expected {_fmt(expected[worst])})"
    )
    if got.dtype.kind in "iu" and not np.allclose(expected, np.round(expected), rtol=0, atol=atol):
        return text + (
            f"; you returned integers (dtype {got.dtype}) but the correct values are not whole "
            "numbers: create the output as floats (np.zeros_like of an integer input keeps its "
            "integer dtype)"
        )
    # A constant factor (missing normalisation, missing step size) or a constant
    # offset is worth naming: the student then knows the shape of the sum is right.
    nz = np.abs(expected) > atol
    if nz.any() and np.all(np.abs(got[~nz]) <= atol + 10 * rtol * np.abs(got).max()):
        ratio = got[nz] / expected[nz]
        if np.allclose(ratio, ratio.flat[0], rtol=1e-4) and not np.isclose(ratio.flat[0], 1.0):
            return text + f"; everything is off by the same factor {_fmt(ratio.flat[0])}"
    diff = got - expected
    if np.allclose(diff, diff.flat[0], rtol=0, atol=atol) and abs(diff.flat[0]) > atol:
        return text + f"; everything is off by the same amount {_fmt(diff.flat[0])}"
    spatial = range(expected.ndim) if expected.ndim <= 2 else range(expected.ndim - 3, expected.ndim - 1)
    inner = tuple(slice(1, -1) if (ax in spatial and n > 2) else slice(None)
                  for ax, n in enumerate(expected.shape))
    if edges_hint and bad[inner].size and not bad[inner].any():
        return text + "; only values at the border are wrong: check the padding at the edges"
    return text


def expect_array(got, expected, *, what: str, variants: dict | None = None, rtol: float = 1e-5,
                 atol: float | None = None, axes=None, edges_hint: bool = True) -> None:
    """Check an array result against the grader's ``expected`` array.

    ``what`` names the call in the message ("conv2d(7x9x3 image, 2x3 kernel,
    padding='same')"). ``variants`` maps a diagnosis to the output of a known
    wrong implementation computed by the grader: an output matching one fails
    with that diagnosis (a :class:`KnownMistake`), which is far more useful
    than "values differ".
    ``atol`` defaults to ``rtol`` times the largest expected magnitude, so a
    correct float32 implementation passes. ``axes`` names the axes for the
    messages (defaults: element; row/column; sample/row/column/channel).
    ``edges_hint=False`` turns off the "only values at the border are wrong:
    check the padding" hint, for outputs that are not sliding-window results.
    """
    expected = np.asarray(expected, dtype=float)
    axes = axes or _AXES.get(expected.ndim, tuple(f"axis-{i} entry" for i in range(expected.ndim)))
    if atol is None:
        scale = float(np.abs(expected).max()) if expected.size else 0.0
        atol = rtol * (scale if scale > 0 else 1.0)
    problem = _type_problem(got, expected.shape)
    if problem:
        fail(f"{what} {problem}")
    if not np.all(np.isfinite(got)):
        kinds = " and ".join(k for k, m in (("NaN", np.isnan(got)), ("inf", np.isinf(got))) if m.any())
        fail(f"{what} returned {kinds} values (at {int((~np.isfinite(got)).sum())} of {got.size} positions)")
    if _close(got, expected, rtol, atol):
        return
    matches = []
    for diagnosis, variant in (variants or {}).items():
        variant = np.asarray(variant, dtype=float)
        if _close(got, variant, rtol, atol) and not _close(variant, expected, rtol, atol):
            matches.append(diagnosis)
    if matches:
        # Two mistakes can give the same output on these inputs: name both.
        also = "".join(f" (the same output also comes from this mistake: {m})" for m in matches[1:])
        raise KnownMistake(what, f"{matches[0]}{also}")
    if got.shape != expected.shape:
        fail(f"{what} {_shape_problem(got, expected, axes)}")
    fail(f"{what} {_value_problem(got, expected, rtol, atol, axes, edges_hint)}")


def expect_close(got, expected, *, what: str, rtol: float = 1e-6, atol: float = 0.0) -> None:
    """Check a single real number (a Python number or a 0-d/size-1 array)."""
    if isinstance(got, np.ndarray) and got.size == 1 and got.dtype.kind in "fiu":
        got = got.item()
    if got is None:
        fail(f"{what} returned None (did you forget the return statement?)")
    if isinstance(got, bool) or not isinstance(got, numbers.Real):
        fail(f"{what} returned a {type(got).__name__}, expected a single real number")
    if not np.isfinite(got):
        fail(f"{what} returned {got}")
    if not np.isclose(got, expected, rtol=rtol, atol=atol):
        fail(f"{what} returned {_fmt(got)}, expected {_fmt(expected)}")
