from otter.test_files import test_case

OK_FORMAT = False

name = "pool_output_length"
points = 1


def _expect(pool_output_length, args, kwargs, expected, what):
    got = pool_output_length(*args, **kwargs)
    assert got == expected and not isinstance(got, float), f"{what}: expected {expected}, got {got!r}"


@test_case(points=0.5, hidden=False)
def test_default_stride(pool_output_length):
    assert callable(pool_output_length), "pool_output_length is not defined: run the cell that defines it"
    _expect(pool_output_length, (60, 3), {}, 20, "MaxPooling1D(3) on 60 steps (the course's Conv1D stack)")
    _expect(pool_output_length, (28, 2), {}, 14, "pool 2 on 28 (LeNet's first pooling)")
    _expect(pool_output_length, (5, 2), {}, 2,
            "pool 2 on 5, default stride 2 (the last value does not fill a window and is dropped)")


@test_case(points=0.5, hidden=False)
def test_strides_and_same(pool_output_length):
    _expect(pool_output_length, (7, 3, 1), {}, 5, "pool 3, stride 1 on 7 (overlapping windows)")
    _expect(pool_output_length, (10, 3, 2), {}, 4, "pool 3, stride 2 on 10")
    _expect(pool_output_length, (7, 2), {"padding": "same"}, 4, "pool 2, padding 'same' on 7 (ceil(7 / 2))")
    _expect(pool_output_length, (7, 3, 2, "same"), {}, 4, "pool 3, stride 2, padding 'same' on 7")
    try:
        out = pool_output_length(2, 3)
    except ValueError:
        return
    raise AssertionError(f"pool 3 on an input of length 2 ('valid'): must raise ValueError, returned {out!r}")
