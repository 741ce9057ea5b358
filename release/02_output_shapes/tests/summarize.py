from otter.test_files import test_case

OK_FORMAT = False

name = "summarize"
points = 4

HAR = [{"type": "Conv1D", "filters": 100, "kernel_size": 10, "activation": "relu"},
       {"type": "Conv1D", "filters": 100, "kernel_size": 12, "activation": "relu"},
       {"type": "MaxPooling1D", "pool_size": 3},
       {"type": "Conv1D", "filters": 160, "kernel_size": 10, "activation": "relu"},
       {"type": "Conv1D", "filters": 160, "kernel_size": 10, "activation": "relu"}]


def _compare(rows, expected, what):
    assert isinstance(rows, list), f"{what}: summarize must return a list, got {type(rows).__name__}"
    assert len(rows) == len(expected), f"{what}: expected {len(expected)} rows (one per layer), got {len(rows)}"
    for index, (row, (kind, shape, params)) in enumerate(zip(rows, expected)):
        assert isinstance(row, tuple) and len(row) == 3, (
            f"{what}, layer {index}: each row must be a tuple (type, output_shape, params), got {row!r}")
        assert row[0] == kind, f"{what}, layer {index}: expected the type {kind!r}, got {row[0]!r}"
        assert isinstance(row[1], tuple), (
            f"{what}, layer {index} ({kind}): the output shape must be a tuple, got {row[1]!r}")
        assert tuple(row[1]) == shape, (
            f"{what}, layer {index} ({kind}): expected the output shape {shape}, got {row[1]} "
            "(batch dimension left out)")
        assert row[2] == params, f"{what}, layer {index} ({kind}): expected {params:,} parameters, got {row[2]!r}"


def _refuses(summarize, layers, input_shape, index, what):
    kind = layers[index]["type"]
    try:
        out = summarize(layers, input_shape)
    except ValueError as error:
        message = str(error)
        assert kind in message and (str(index) in message or str(index + 1) in message), (
            f"{what}: the ValueError must name the layer (its position {index} and its type {kind}), "
            f"got the message {message!r}")
        return
    raise AssertionError(f"{what}: summarize must raise ValueError, it returned {out!r}")


@test_case(points=1, hidden=False)
def test_course_conv1d_stack(summarize):
    assert callable(summarize), "summarize is not defined: run the cell that defines it"
    _compare(summarize(HAR, (80, 3)),
             [("Conv1D", (71, 100), 3100), ("Conv1D", (60, 100), 120100), ("MaxPooling1D", (20, 100), 0),
              ("Conv1D", (11, 160), 160160), ("Conv1D", (2, 160), 256160)],
             "the course's Conv1D stack on (80, 3)")


@test_case(points=0.5, hidden=False)
def test_same_strides_flatten_dense(summarize):
    conv = {"type": "Conv1D", "filters": 6, "kernel_size": 5, "strides": 2, "padding": "same", "activation": "relu"}
    _compare(summarize([conv, conv, conv, conv, {"type": "Flatten"}, {"type": "Dense", "units": 6}], (40, 6)),
             [("Conv1D", (20, 6), 186), ("Conv1D", (10, 6), 186), ("Conv1D", (5, 6), 186), ("Conv1D", (3, 6), 186),
              ("Flatten", (18,), 0), ("Dense", (6,), 114)],
             "the course's conditioning stack on (40, 6)")


@test_case(points=1, hidden=False)
def test_transposed_and_reshape(summarize):
    simulator = [{"type": "Dense", "units": 120, "activation": "relu"},
                 {"type": "Reshape", "target_shape": (5, 24)},
                 {"type": "Reshape", "target_shape": (-1, 5, 24)},
                 {"type": "Conv2DTranspose", "filters": 12, "kernel_size": (1, 5), "strides": (1, 2), "padding": "same"},
                 {"type": "Conv2DTranspose", "filters": 6, "kernel_size": (1, 5), "strides": (1, 2), "padding": "same"},
                 {"type": "Reshape", "target_shape": (20, 6)}]
    _compare(summarize(simulator, (24,)),
             [("Dense", (120,), 3000), ("Reshape", (5, 24), 0), ("Reshape", (1, 5, 24), 0),
              ("Conv2DTranspose", (1, 10, 12), 1452), ("Conv2DTranspose", (1, 20, 6), 366), ("Reshape", (20, 6), 0)],
             "the course's simulator on (24,)")
    _compare(summarize([{"type": "Conv1DTranspose", "filters": 2, "kernel_size": 2, "strides": 5},
                        {"type": "Conv1DTranspose", "filters": 3, "kernel_size": 4, "strides": 2, "padding": "same",
                         "output_padding": 1, "use_bias": False}], (4, 3)),
             [("Conv1DTranspose", (20, 2), 14), ("Conv1DTranspose", (39, 3), 24)],
             "Conv1DTranspose with a stride larger than the kernel, then 'same' with output_padding, on (4, 3)")


@test_case(points=0.5, hidden=False)
def test_dense_padding_pooling_2d(summarize):
    _compare(summarize([{"type": "Dense", "units": 7}], (5, 24)), [("Dense", (5, 7), 175)],
             "Dense(7) on (5, 24) (a Dense layer acts on the last axis only)")
    _compare(summarize([{"type": "ZeroPadding2D", "padding": ((1, 2), (3, 4))},
                        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "strides": (3, 2), "use_bias": False},
                        {"type": "AveragePooling2D", "pool_size": (2, 3), "padding": "same"},
                        {"type": "MaxPooling2D"}], (6, 5, 2)),
             [("ZeroPadding2D", (9, 12, 2), 0), ("Conv2D", (3, 5, 4), 72), ("AveragePooling2D", (2, 2, 4), 0),
              ("MaxPooling2D", (1, 1, 4), 0)],
             "ZeroPadding2D, Conv2D (kernel_size=3 means 3x3) without bias, AveragePooling2D 'same', "
             "MaxPooling2D (default pool size 2) on (6, 5, 2)")


@test_case(points=1, hidden=False)
def test_impossible_stacks(summarize):
    _refuses(summarize, [{"type": "Conv2D", "filters": 4, "kernel_size": 3}], (80, 3), 0,
             "Conv2D on a (80, 3) input (a Conv2D needs (height, width, channels))")
    _refuses(summarize, HAR, (30, 3), 3,
             "the course's Conv1D stack on (30, 3): 30 -> 21 -> 10 -> 3 steps, too short for the kernel of 10")
    _refuses(summarize, [{"type": "Flatten"}, {"type": "Reshape", "target_shape": (5, 5)}], (8, 3), 1,
             "Reshape of 24 values to (5, 5)")
    _refuses(summarize, [{"type": "Conv1D", "filters": 2, "kernel_size": 1},
                         {"type": "AveragePooling1D", "strides": 2}], (8, 3), 1,
             "AveragePooling1D without pool_size (it has no default in Keras 3)")
