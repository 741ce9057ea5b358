from otter.test_files import test_case

OK_FORMAT = False

name = "conv_transpose_params"
points = 1


@test_case(points=0.5, hidden=False)
def test_course_layers(conv_transpose_params):
    assert callable(conv_transpose_params), "conv_transpose_params is not defined: run the cell that defines it"
    for args, expected, what in [(((3, 3), 128, 1), 1153, "the generator's Conv2DTranspose(1, (3, 3)) on 128 channels"),
                                 (((1, 5), 24, 12), 1452, "the simulator's Conv2DTranspose(12, (1, 5)) on 24 channels"),
                                 (((1, 5), 12, 6), 366, "the simulator's Conv2DTranspose(6, (1, 5)) on 12 channels"),
                                 (((1, 1), 1, 5), 10, "Conv2DTranspose(5, (1, 1)) on 1 channel"),
                                 (((3, 3), 1, 5), 50, "Conv2DTranspose(5, (3, 3)) on 1 channel")]:
        got = conv_transpose_params(*args)
        if args[1] != args[2] and got == expected - args[2] + args[1]:
            raise AssertionError(f"{what}: expected {expected:,}, got {got!r}. The bias has one value per "
                                 "filter (output channel), not one per input channel.")
        assert got == expected, f"{what}: expected {expected:,}, got {got!r}"


@test_case(points=0.5, hidden=False)
def test_no_bias_and_1d_kernels(conv_transpose_params):
    for args, kwargs, expected, what in [((4, 7, 2), {}, 58, "kernel 4, 7 channels in, 2 filters"),
                                         (((3, 3), 128, 1), {"use_bias": False}, 1152, "kernel (3, 3), 128 in, 1 filter, no bias"),
                                         (((2, 5), 3, 4), {"use_bias": False}, 120, "kernel (2, 5), 3 in, 4 filters, no bias")]:
        got = conv_transpose_params(*args, **kwargs)
        assert got == expected, f"{what}: expected {expected}, got {got!r}"
