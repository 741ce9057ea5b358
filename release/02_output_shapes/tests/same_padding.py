from otter.test_files import test_case

OK_FORMAT = False

name = "same_padding"
points = 2


def _expect(same_padding, args, expected, what):
    got = same_padding(*args)
    assert isinstance(got, tuple) and len(got) == 2, (
        f"{what}: same_padding must return a tuple (before, after), got {got!r}"
    )
    if tuple(got) == expected[::-1] and expected[0] != expected[1]:
        raise AssertionError(
            f"{what}: expected {expected}, got {tuple(got)}. TensorFlow puts the smaller half of the padding "
            "before the input and the extra zero after it."
        )
    assert tuple(got) == expected, (
        f"{what}: expected {expected}, got {tuple(got)}. The total padding is "
        "max((ceil(i / s) - 1) * s + k_eff - i, 0): the smallest one that gives ceil(i / s) outputs."
    )


@test_case(points=0.5, hidden=False)
def test_odd_kernels_unit_stride(same_padding):
    assert callable(same_padding), "same_padding is not defined: run the cell that defines it"
    _expect(same_padding, (10, 3), (1, 1), "input 10, kernel 3, stride 1")
    _expect(same_padding, (10, 7), (3, 3), "input 10, kernel 7, stride 1 (half padding: p = floor(k/2) = 3)")
    _expect(same_padding, (10, 1), (0, 0), "input 10, kernel 1, stride 1")


@test_case(points=0.5, hidden=False)
def test_even_kernels(same_padding):
    _expect(same_padding, (10, 4), (1, 2), "input 10, kernel 4, stride 1 (3 zeros in total)")
    _expect(same_padding, (3, 2), (0, 1), "input 3, kernel 2, stride 1 (1 zero in total)")


@test_case(points=0.5, hidden=False)
def test_strides(same_padding):
    _expect(same_padding, (7, 4, 2), (1, 2), "input 7, kernel 4, stride 2 (4 outputs)")
    _expect(same_padding, (40, 5, 2), (1, 2), "input 40, kernel 5, stride 2 (the course's conditioning, 20 outputs)")
    _expect(same_padding, (5, 5, 2), (2, 2), "input 5, kernel 5, stride 2 (conditioning's last layer, 3 outputs)")
    got = same_padding(6, 1, 2)
    assert tuple(got) == (0, 0), (
        f"input 6, kernel 1, stride 2: expected (0, 0), got {got!r}. When the windows already give "
        "ceil(i / s) outputs without zeros, nothing is added: the padding is never negative."
    )


@test_case(points=0.5, hidden=False)
def test_large_kernels_and_dilation(same_padding):
    _expect(same_padding, (3, 7, 1), (3, 3), "input 3, kernel 7, stride 1 (kernel longer than the input)")
    _expect(same_padding, (3, 7, 2), (3, 3), "input 3, kernel 7, stride 2 (kernel longer than the input)")
    _expect(same_padding, (10, 3, 1, 2), (2, 2), "input 10, kernel 3, dilation 2 (the kernel covers 5 values)")
    _expect(same_padding, (9, 2, 1, 3), (1, 2), "input 9, kernel 2, dilation 3 (the kernel covers 4 values)")
