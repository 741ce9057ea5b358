from otter.test_files import test_case

OK_FORMAT = False

name = "conv_output_length"
points = 2


def _expect(conv_output_length, args, expected, what, hint=""):
    got = conv_output_length(*args)
    assert isinstance(got, int) or type(got).__name__.startswith("int"), (
        f"{what}: conv_output_length must return an int, got {got!r} ({type(got).__name__}). Use // for the floor."
    )
    assert got == expected, f"{what}: expected {expected}, got {got}.{hint}"


@test_case(points=0.5, hidden=False)
def test_course_notes_unit_stride(conv_output_length):
    assert callable(conv_output_length), "conv_output_length is not defined: run the cell that defines it"
    if conv_output_length(5, 3, 1, 1) == 4:
        raise AssertionError(
            "input 5, kernel 3, stride 1, p = 1: expected 5, got 4. p is the number of zeros on EACH side: "
            "the padded input has i + 2p values, so o = i + 2p - k + 1."
        )
    _expect(conv_output_length, (80, 10), 71, "input 80, kernel 10, no padding (the course's first Conv1D)",
            " With unit stride and no padding, o = i - k + 1.")
    _expect(conv_output_length, (71, 12), 60, "input 71, kernel 12, no padding (the course's second Conv1D)")
    _expect(conv_output_length, (5, 3, 1, 1), 5, "input 5, kernel 3, p = 1 zero on each side")
    _expect(conv_output_length, (10, 7, 1, 3), 10, "input 10, kernel 7, half padding p = 3", " Half padding keeps o = i.")
    _expect(conv_output_length, (5, 3, 1, 2), 7, "input 5, kernel 3, full padding p = k - 1 = 2",
            " Full padding gives o = i + k - 1.")


@test_case(points=0.5, hidden=False)
def test_strides(conv_output_length):
    if conv_output_length(6, 3, 2) == 3:
        raise AssertionError(
            "input 6, kernel 3, stride 2: expected 2, got 3. The number of windows is floor((i + 2p - k) / s) + 1, "
            "rounded DOWN: a window that does not fit entirely is dropped (the last input value is never used)."
        )
    _expect(conv_output_length, (7, 3, 2), 3, "input 7, kernel 3, stride 2")
    _expect(conv_output_length, (6, 3, 2), 2, "input 6, kernel 3, stride 2 (the stride does not divide i - k)")
    _expect(conv_output_length, (8, 3, 3, 1), 3, "input 8, kernel 3, stride 3, p = 1")
    _expect(conv_output_length, (4, 1, 2), 2, "input 4, kernel 1, stride 2 (the course's 1x1 Conv2D on 4x4)")


@test_case(points=0.5, hidden=False)
def test_dilation(conv_output_length):
    _expect(conv_output_length, (10, 3, 1, 0, 2), 6, "input 10, kernel 3, dilation 2",
            " A dilated kernel covers k + (k - 1)(d - 1) input values (here 5).")
    _expect(conv_output_length, (10, 3, 1, 0, 3), 4, "input 10, kernel 3, dilation 3 (the kernel covers 7 values)")
    _expect(conv_output_length, (12, 3, 1, 2, 2), 12, "input 12, kernel 3, p = 2, dilation 2")
    _expect(conv_output_length, (9, 1, 1, 0, 4), 9, "input 9, kernel 1, dilation 4 (a 1-tap kernel has no holes)")


@test_case(points=0.5, hidden=False)
def test_invalid_arguments(conv_output_length):
    for args, what in [((2, 3), "input 2, kernel 3, no padding (the kernel does not fit)"),
                       ((5, 3, 1, 0, 3), "input 5, kernel 3, dilation 3 (the dilated kernel covers 7 values)"),
                       ((5, 3, 0), "stride 0"),
                       ((5, 3, 1, -1), "p = -1")]:
        try:
            out = conv_output_length(*args)
        except ValueError:
            continue
        raise AssertionError(f"{what}: conv_output_length must raise ValueError, it returned {out!r}")
