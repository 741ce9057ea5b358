"""Hidden checks of build_dcgan_generator(latent_dim=100, image_shape=(32, 32, 1)).

A DCGAN-style generator: a dense projection, then stride-2 transposed
convolutions with batch normalisation between them, and a tanh output in
[-1, 1] of exactly image_shape; the notebook's table fixes the sizes (maps of
128 channels at image_size // 8, then 64, 32 and the image's channels, 4x4
kernels, no bias before a normalisation) and asks for a ValueError when the
size is not a multiple of 8 (counted only when it builds the sizes that are).
The checks read the model's layers and its outputs on drawn noise; any way of
writing it (Sequential, functional, LeakyReLU or ReLU, separate Activation
layers) passes.
"""

import numpy as np
import pytest

import model_checks as M
from convlab.diagnose import expect

pytestmark = pytest.mark.grade_id("build_dcgan_generator")

CASES = [{}, {"latent_dim": 64, "image_shape": (64, 64, 3)}]


@pytest.fixture(scope="session")
def generators(student, run_seed):
    rng = np.random.default_rng([run_seed, 17])
    return [M.build(student, "build_dcgan_generator", kwargs, rng, kwargs.get("latent_dim", 100)) for kwargs in CASES]


def test_output_has_the_image_shape(generators):
    for model, kwargs in zip(generators, CASES, strict=True):
        shape = tuple(kwargs.get("image_shape", (32, 32, 1)))
        M.expect_output_shape(model, shape, M.call_text("build_dcgan_generator", kwargs),
                              ": start the maps at image_size // 8 and double them three times")


def test_upsamples_with_stride_2_transposed_convolutions(generators):
    for model, kwargs in zip(generators, CASES, strict=True):
        strided = [layer for layer in model["layers"] if layer["class"] == "Conv2DTranspose"
                   and layer["config"].get("strides") == (2, 2)]
        expect(len(strided) >= 2, f"{M.call_text('build_dcgan_generator', kwargs)} has {len(strided)} "
                                  "Conv2DTranspose layers with strides 2; a DCGAN generator grows the image with them")
        first = next(layer["class"] for layer in model["layers"] if layer["class"] != "InputLayer")
        expect(first == "Dense", f"the first layer is {first}; a DCGAN generator starts with a Dense projection "
                                 "of the noise vector")


def test_batch_normalisation_between_the_stages(generators):
    model = generators[0]
    norms = sum(layer["class"] == "BatchNormalization" for layer in model["layers"])
    expect(norms >= 2, f"the generator has {norms} BatchNormalization layers; DCGAN normalises after the "
                       "projection and after each hidden transposed convolution")


def test_tanh_output_in_minus_1_to_1(generators):
    for model, kwargs in zip(generators, CASES, strict=True):
        last = [layer for layer in model["layers"] if layer["activation"] not in (None, "linear")]
        outputs = model["probe"][1]
        expect(last and last[-1]["activation"] == "tanh" and np.all(np.abs(outputs) <= 1),
               f"{M.call_text('build_dcgan_generator', kwargs)} should end with tanh, so the images are in "
               "[-1, 1] like the real images scaled for a GAN")


def _table_params(latent_dim, image_shape) -> int:
    """The parameter count of the notebook's table (BatchNormalization counts 4 per channel)."""
    (height, width, channels), start = image_shape, image_shape[0] // 8 * (image_shape[1] // 8) * 128
    return (latent_dim * start + 4 * start + 4 * 4 * 64 * 128 + 4 * 64 + 4 * 4 * 32 * 64 + 4 * 32
            + 4 * 4 * channels * 32 + channels)


def test_follows_the_notebook_table(generators):
    for model, kwargs in zip(generators, CASES, strict=True):
        image_shape = tuple(kwargs.get("image_shape", (32, 32, 1)))
        filters = [layer["config"].get("filters") for layer in model["layers"] if layer["class"] == "Conv2DTranspose"]
        what = M.call_text("build_dcgan_generator", kwargs)
        expect(filters == [64, 32, image_shape[-1]],
               f"{what}: the Conv2DTranspose layers have {filters} filters; the notebook's table has "
               f"[64, 32, {image_shape[-1]}]")
        expected = _table_params(kwargs.get("latent_dim", 100), image_shape)
        expect(model["params"] == expected,
               f"{what} has {model['params']:,} parameters; the notebook's table gives {expected:,} "
               "(4x4 kernels, use_bias=False before each BatchNormalization)")


def test_refuses_a_size_that_is_not_a_multiple_of_8(student, generators):
    # ``generators``: the refusal counts only from a function that builds the sizes it can; one
    # that raises ValueError whatever it is given fails here with the reason it failed to build
    raised = student.raises("build_dcgan_generator", 100, (30, 30, 1))
    expect(raised == "ValueError", "build_dcgan_generator(100, (30, 30, 1)) should raise ValueError (three "
                                   f"stride-2 layers multiply the size by 8); it {'raised ' + raised if raised else 'returned'}")
