"""What a student may read about a failed check: the message, never the check's code or values."""

import numpy as np
import pytest

from convlab.checks import failure_message
from convlab.diagnose import KnownMistake, expect_array, fail
from convlab.student import StudentError


def message_of(exc):
    with pytest.raises(BaseException) as info:
        raise exc
    return failure_message(info)


def test_diagnoses_and_student_errors_pass_through():
    with pytest.raises(BaseException) as info:
        fail("output is 2 rows short")
    assert failure_message(info) == ("output is 2 rows short", False)
    assert message_of(StudentError("conv2d raised IndexError: ...")) == ("conv2d raised IndexError: ...", False)


def test_a_known_mistake_keeps_its_message_and_gives_its_diagnosis_as_data():
    """Feedback groups checks by the diagnosis; the message reads as it always did."""
    with pytest.raises(KnownMistake) as info:
        expect_array(np.array([3.0, 2.0]), np.array([2.0, 3.0]), what="f(x of 2)",
                     variants={"it reverses the output": np.array([3.0, 2.0])})
    assert failure_message(info) == ("f(x of 2) is wrong: it reverses the output", False)
    assert (info.value.what, info.value.diagnosis) == ("f(x of 2)", "it reverses the output")


def test_an_assert_message_is_kept_but_not_the_rewritten_expression():
    assert message_of(AssertionError("shape is wrong\nassert (3, 4) == (4, 3)")) == ("shape is wrong", False)


def test_a_bare_assert_does_not_show_hidden_values():
    assert message_of(AssertionError("assert 3.14 == 2.71\n +  where 3.14 = expected")) == ("a check failed", False)


def test_a_crash_inside_a_check_is_the_graders_fault_and_says_so():
    message, internal = message_of(KeyError("oracle"))
    assert internal and "internal grader error" in message and "oracle" not in message
