from otter.test_files import test_case

OK_FORMAT = False

name = "conv_transpose_output_length"
points = 3


def _describe(i, k, s=1, padding="valid", output_padding=None, d=1):
    text = f"input {i}, kernel {k}, stride {s}, padding {padding!r}"
    if output_padding is not None:
        text += f", output_padding {output_padding}"
    if d != 1:
        text += f", dilation {d}"
    return text


def _expect(f, args, expected, hint=""):
    got = f(*args)
    assert got == expected and not isinstance(got, float), f"{_describe(*args)}: expected {expected}, got {got!r}.{hint}"


@test_case(points=0.5, hidden=False)
def test_course_examples(conv_transpose_output_length):
    f = conv_transpose_output_length
    assert callable(f), "conv_transpose_output_length is not defined: run the cell that defines it"
    _expect(f, (2, 1, 2), 4, " The course's Conv2DTranspose(5, (1, 1), strides=(2, 2)) turns 2x2 into 4x4.")
    _expect(f, (2, 3, 1), 4, " The course's Conv2DTranspose(5, (3, 3)) turns 2x2 into 4x4: (i - 1) * s + k.")
    _expect(f, (2, 3, 2, "same"), 4, " With 'same' and no output_padding, Keras gives i * s.")
    _expect(f, (5, 3, 2, "same"), 10, " The course's generator up-samples 5x5 to 10x10.")
    _expect(f, (5, 3, 2), 11, " In 'valid' padding the whole scatter is kept: (5 - 1) * 2 + 3.")


@test_case(points=0.5, hidden=False)
def test_stride_larger_than_kernel(conv_transpose_output_length):
    f = conv_transpose_output_length
    if f(4, 2, 5) == 17:
        raise AssertionError(
            "input 4, kernel 2, stride 5, padding 'valid': expected 20, got 17. When the stride exceeds the "
            "kernel, Keras keeps the gap after the last copy of the kernel: (i - 1) * s + max(k_eff, s)."
        )
    _expect(f, (4, 2, 5), 20)
    _expect(f, (3, 1, 4), 12)


@test_case(points=1, hidden=False)
def test_output_padding(conv_transpose_output_length):
    f = conv_transpose_output_length
    _expect(f, (5, 3, 2, "valid", 1), 12, " With output_padding op, 'valid' gives (i - 1) * s + k_eff + op.")
    _expect(f, (5, 3, 2, "valid", 0), 11)
    _expect(f, (4, 2, 5, "valid", 0), 17, " output_padding=0 is not the same as output_padding=None.")
    _expect(f, (5, 3, 2, "same", 1), 10, " With output_padding op, 'same' gives (i - 1) * s + k_eff % 2 + op.")
    _expect(f, (5, 3, 2, "same", 0), 9)
    _expect(f, (3, 4, 2, "same", 1), 5, " An even kernel: k_eff % 2 = 0.")


@test_case(points=1, hidden=False)
def test_dilation_and_refusals(conv_transpose_output_length):
    f = conv_transpose_output_length
    _expect(f, (4, 3, 1, "valid", None, 2), 8, " A dilated kernel covers k + (k - 1)(d - 1) values.")
    _expect(f, (4, 3, 1, "same", None, 2), 4)
    _expect(f, (4, 2, 1, "same", 0, 3), 3)
    for args, why in [((5, 3, 2, "valid", 2), "output_padding must be smaller than the stride"),
                      ((5, 3, 2, "same", 3), "output_padding must be smaller than the stride"),
                      ((5, 3, 2, "valid", None, 2), "Keras refuses a stride and a dilation both above 1"),
                      ((1, 2, 2, "same", 0), "the output would be empty")]:
        try:
            out = f(*args)
        except ValueError:
            continue
        raise AssertionError(f"{_describe(*args)}: must raise ValueError ({why}), returned {out!r}")
