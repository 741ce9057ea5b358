"""`convlab check`: a self-learner runs otter's public checks on their own notebook."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


NOTEBOOKS = {"01_convolution": "convolution.ipynb", "02_output_shapes": "output_shapes.ipynb",
             "03_lenet": "lenet.ipynb", "04_transposed_conv": "transposed_conv.ipynb"}


def run_check(tmp_path, student, *extra, assignment="01_convolution"):
    folder = tmp_path / student
    shutil.copytree(ROOT / "examples" / "submissions" / student / assignment, folder)
    shutil.copytree(ROOT / "release" / assignment / "tests", folder / "tests")
    done = subprocess.run([sys.executable, "-m", "convlab.cli", "check", str(folder / NOTEBOOKS[assignment]), *extra],
                          capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_the_reference_passes_every_public_check(tmp_path, assignment):
    code, out = run_check(tmp_path, "reference", assignment=assignment)
    assert code == 0
    assert out.strip().endswith("All tests passed!")


def test_a_forgotten_bias_is_named_by_the_public_check(tmp_path):
    code, out = run_check(tmp_path, "bias_forgotten", "--question", "conv_params", assignment="02_output_shapes")
    assert code == 1 and "bias" in out and "All tests passed!" not in out.splitlines()[-1]


def test_pixels_left_at_0_to_16_are_named_by_the_public_check(tmp_path):
    code, out = run_check(tmp_path, "pixels_0_16", "--question", "load_digits32", assignment="03_lenet")
    assert code == 1 and "Divide by 16" in out and "All tests passed!" not in out.splitlines()[-1]


def test_a_flipped_kernel_is_named_by_the_public_conv2d_check(tmp_path):
    code, out = run_check(tmp_path, "flipped_kernel", "--question", "conv2d")
    assert code == 1
    assert "conv2d flipped the kernel" in out
    assert "All tests passed!" not in out.splitlines()[-1]


def test_the_untouched_release_fails_cleanly(tmp_path):
    code, out = run_check(tmp_path, "untouched")
    assert code == 1
    assert "NotImplementedError" in out and "All tests passed!" not in out
