"""The hidden checks shared by correlate1d and convolve1d.

The two exercises have the same modes, inputs and pitfalls; only the oracle
differs (np.correlate or np.convolve) and the typical mistake is the other
one (flipping the filter or forgetting to). ``make_checks`` writes the same
checks for either, so both modules stay in step.
"""

from convlab.diagnose import expect, expect_array, expect_inputs_left_alone, expect_unmodified


def _signal(rng, lo=8, hi=20):
    return rng.normal(size=int(rng.integers(lo, hi + 1)))


def _filter(rng, lengths):
    return rng.normal(size=int(rng.choice(lengths)))


def make_checks(name, oracle, mirror, mirrored, same_even_side):
    """Test functions for ``name(x, f, mode)``, whose answer is ``oracle(x, f, mode)``.

    ``mirror`` computes the classic mistake (the other operation), diagnosed
    by the message ``mirrored``; ``same_even_side`` diagnoses the extra zero
    of an even filter's "same" padding on the wrong side.
    """

    def what(x, f, mode=None):
        m = "" if mode is None else f", mode={mode!r}"
        return f"{name}(x of length {len(x)}, f of length {len(f)}{m})"

    def check(student, x, f, mode, note="", variants=None):
        """The student's output for (x, f, mode) against the oracle, diagnosing the mirrored mistake."""
        got = student.call(name, x, f, mode=mode)
        expect_array(got, oracle(x.astype(float), f, mode), what=what(x, f, mode) + note,
                     variants={**(variants or {}), mirrored: mirror(x.astype(float), f, mode)})

    def test_valid_asymmetric_filter(student, rng):
        check(student, _signal(rng), _filter(rng, [2, 3, 4, 5]), "valid")

    def test_default_mode_is_valid(student, rng):
        x, f = _signal(rng), _filter(rng, [3, 4])
        got = student.call(name, x, f)
        expect_array(got, oracle(x, f, "valid"), what=what(x, f) + " (default mode)",
                     variants={mirrored: mirror(x, f, "valid"),
                               "with no mode given it should compute mode='valid', "
                               "you returned the 'same' output": oracle(x, f, "same"),
                               "with no mode given it should compute mode='valid', "
                               "you returned the 'full' output": oracle(x, f, "full")})

    def test_same_odd_filter(student, rng):
        check(student, _signal(rng), _filter(rng, [3, 5]), "same")

    def test_same_even_filter(student, rng):
        x, f = _signal(rng), _filter(rng, [2, 4])
        m = len(f)
        check(student, x, f, "same", variants={same_even_side: oracle(x, f, "full")[m // 2: m // 2 + len(x)]})

    def test_full(student, rng):
        check(student, _signal(rng), _filter(rng, [2, 3, 4, 5]), "full")

    def test_filter_as_long_as_signal(student, rng):
        x = _signal(rng, 3, 7)
        check(student, x, rng.normal(size=len(x)), "valid")

    def test_integer_signal_float_filter(student, rng):
        x = rng.integers(-9, 10, size=int(rng.integers(8, 16)))
        check(student, x, rng.normal(size=3), "valid", note=" with an integer x")

    def test_inputs_unmodified(student, rng):
        """x and f are left alone in every mode. This counts only from a function whose 'same' output
        is right, on an odd filter (whose padding has no side to get wrong): a function that does
        nothing must not earn it, and a mistake of another mode is that mode's check's."""
        x, f = _signal(rng), _filter(rng, [3, 5])
        got = student.call(name, x, f, mode="same")
        expect_unmodified(student.mutated, {0: "x", 1: "f"}, what=name)
        expect_array(got, oracle(x, f, "same"), what=what(x, f, "same"), variants={mirrored: mirror(x, f, "same")})
        expect_inputs_left_alone(student, name, (x, f), {0: "x", 1: "f"}, [{}, {"mode": "valid"}, {"mode": "full"}])

    def test_filter_longer_than_signal_raises_value_error(student, rng):
        """Refusing a filter longer than the signal counts only from a function that computes
        the valid ones (a function that always raises must not earn it)."""
        x = _signal(rng, 2, 5)
        check(student, x, rng.normal(size=len(x)), "valid", note=" (a filter as long as the signal)")
        f = rng.normal(size=len(x) + int(rng.integers(1, 4)))
        raised = student.raises(name, x, f)
        expect(raised == "ValueError",
               f"{name}(x of length {len(x)}, f of length {len(f)}) should raise ValueError "
               "because the filter is longer than the signal; "
               + ("it returned normally" if raised is None else f"it raised {raised}"))

    return {test.__name__: test for test in [
        test_valid_asymmetric_filter, test_default_mode_is_valid, test_same_odd_filter,
        test_same_even_filter, test_full, test_filter_as_long_as_signal,
        test_integer_signal_float_filter, test_inputs_unmodified,
        test_filter_longer_than_signal_raises_value_error]}
