from otter.test_files import test_case

OK_FORMAT = False

name = "dense_params"
points = 1


@test_case(points=0.5, hidden=False)
def test_course_layers(dense_params):
    assert callable(dense_params), "dense_params is not defined: run the cell that defines it"
    for args, expected, what in [((16, 10), 170, "Dense(10) on 16 inputs (the course's count_params example)"),
                                 ((18, 6), 114, "the conditioning's Dense(6) on 18 inputs"),
                                 ((100, 3200), 323200, "the generator's Dense(3200) on 100 inputs"),
                                 ((24, 120), 3000, "the simulator's Dense(120) on 24 inputs")]:
        got = dense_params(*args)
        assert got == expected, f"{what}: expected {expected:,}, got {got!r}. A Dense layer has n_in * n_out weights and n_out biases."


@test_case(points=0.5, hidden=False)
def test_no_bias(dense_params):
    for args, expected in [((400, 120, False), 48000), ((5, 1, False), 5)]:
        got = dense_params(*args)
        assert got == expected, f"dense_params{args}: expected {expected}, got {got!r}"
