from otter.test_files import test_case

OK_FORMAT = False

name = "conv_params"
points = 1


@test_case(points=0.5, hidden=False)
def test_course_layers(conv_params):
    assert callable(conv_params), "conv_params is not defined: run the cell that defines it"
    if conv_params(10, 3, 100) == 3000:
        raise AssertionError("Conv1D(100, 10) on 3 channels: expected 3,100 parameters, got 3,000. "
                             "You forgot the bias: one per filter.")
    for args, expected, what in [((10, 3, 100), 3100, "Conv1D(100, 10) on 3 channels"),
                                 ((12, 100, 100), 120100, "Conv1D(100, 12) on 100 channels"),
                                 ((5, 6, 6), 186, "Conv1D(6, 5) on 6 channels (conditioning)"),
                                 (((1, 1), 1, 5), 10, "Conv2D(5, (1, 1)) on 1 channel"),
                                 (((5, 5), 1, 6), 156, "LeNet's first Conv2D(6, 5) on a grey image"),
                                 (((3, 3), 100, 200), 180200, "Conv2D(200, (3, 3)) on 100 channels")]:
        got = conv_params(*args)
        assert got == expected, f"{what}, conv_params{args}: expected {expected:,}, got {got!r}"


@test_case(points=0.5, hidden=False)
def test_no_bias_and_rectangular_kernels(conv_params):
    for args, kwargs, expected, what in [(((2, 3), 4, 5), {}, 125, "kernel (2, 3), 4 channels in, 5 filters"),
                                         (((2, 3), 4, 5), {"use_bias": False}, 120, "the same without bias"),
                                         ((7, 2, 3), {"use_bias": False}, 42, "kernel 7, 2 channels in, 3 filters, no bias")]:
        got = conv_params(*args, **kwargs)
        assert got == expected, f"{what}: expected {expected}, got {got!r}"
