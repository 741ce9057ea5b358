"""nbgrader's Validate tells students the truth about their public checks.

The Validate button of the notebook toolbar (and ``nbgrader validate``) runs
nbgrader's ``Validator`` on the student's notebook: a grade cell fails when its
output holds an error. Each grade cell runs ``grader.check("q")`` with the
release's ``convlab.public_checks.Notebook``, which raises otter's report when a
public check fails; with otter's own ``Notebook`` every failing check passed.
The tests call ``Validator`` as the button's server handler does.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

NOTEBOOKS = {"01_convolution": "convolution", "02_output_shapes": "output_shapes",
             "03_lenet": "lenet", "04_transposed_conv": "transposed_conv"}

# Two realistic mistakes, each in the cell that defines its function (no other exercise calls them).
GAUSSIAN_NOT_NORMALISED = '''def gaussian_kernel1d(size, width=2.0):
    return np.exp(-np.linspace(-width, width, size) ** 2 / 2)
'''
POOL2D_STRIDE_ONE = '''def pool2d(x, pool_size=2, stride=None, mode="max"):
    x = np.asarray(x, dtype=float)
    ph, pw = (pool_size, pool_size) if np.isscalar(pool_size) else pool_size
    sh, sw = (1, 1) if stride is None else ((stride, stride) if np.isscalar(stride) else stride)
    if mode not in ("max", "avg"):
        raise ValueError(mode)
    n, h, w, c = x.shape
    out = np.empty((n, (h - ph) // sh + 1, (w - pw) // sw + 1, c))
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            window = x[:, i * sh:i * sh + ph, j * sw:j * sw + pw, :]
            out[:, i, j, :] = window.max(axis=(1, 2)) if mode == "max" else window.mean(axis=(1, 2))
    return out
'''


def validate(path: Path) -> dict:
    from nbgrader.validator import Validator

    return Validator().validate(str(path))


def student_copy(tmp_path: Path, assignment: str, submission: str) -> Path:
    """A student's folder as fetched: the notebook of ``submission`` and the release's public checks."""
    folder = tmp_path / assignment
    shutil.copytree(ROOT / "release" / assignment / "tests", folder / "tests")
    name = f"{NOTEBOOKS[assignment]}.ipynb"
    shutil.copy(ROOT / "examples" / "submissions" / submission / assignment / name, folder / name)
    return folder / name


def graded_cells(path: Path) -> dict[str, str]:
    """Source of every grade cell the student answers (checks and written answers), by grade id."""
    return {cell.metadata.nbgrader.grade_id: cell.source for cell in nbformat.read(path, 4).cells
            if cell.metadata.get("nbgrader", {}).get("grade")}


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_the_untouched_release_fails_every_graded_cell(tmp_path, assignment):
    notebook = student_copy(tmp_path, assignment, "untouched")
    result = validate(notebook)
    failed = [cell["source"] for cell in result["failed"]]
    assert sorted(failed) == sorted(graded_cells(notebook).values())
    for cell in result["failed"]:
        if cell["source"].startswith("grader.check("):
            grade_id = cell["source"].split('"')[1]
            assert cell["raw_error"].startswith("PublicChecksFailed: ") and f"{grade_id} results:" in cell["raw_error"]


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_the_reference_passes(tmp_path, assignment):
    assert validate(student_copy(tmp_path, assignment, "reference")) == {}


def test_two_wrong_exercises_are_the_two_failures_each_with_otters_explanation(tmp_path):
    notebook = student_copy(tmp_path, "01_convolution", "reference")
    nb = nbformat.read(notebook, 4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in ("gaussian_kernel1d_code", "pool2d_code"):
            cell.source = GAUSSIAN_NOT_NORMALISED if grade_id == "gaussian_kernel1d_code" else POOL2D_STRIDE_ONE
    nbformat.write(nb, notebook)

    failed = {cell["source"]: cell["raw_error"] for cell in validate(notebook)["failed"]}
    assert sorted(failed) == ['grader.check("gaussian_kernel1d")', 'grader.check("pool2d")']
    assert "public checks of gaussian_kernel1d failed" in failed['grader.check("gaussian_kernel1d")']
    assert "the filter must be normalised to sum 1" in failed['grader.check("gaussian_kernel1d")']
    assert "2x2 max pooling of a 4x4 map: expected an output of shape (1, 2, 2, 1)" in failed['grader.check("pool2d")']


def test_a_passing_check_still_shows_otters_report(tmp_path):
    """What the student sees under a grade cell: otter's report as the value, or as the error."""
    from nbclient import NotebookClient

    notebook = student_copy(tmp_path, "01_convolution", "reference")
    nb = nbformat.read(notebook, 4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "pool2d_code":
            cell.source = POOL2D_STRIDE_ONE
    NotebookClient(nb, allow_errors=True, timeout=120, resources={"metadata": {"path": str(notebook.parent)}}).execute()
    outputs = {cell.source: cell.outputs for cell in nb.cells if cell.source.startswith("grader.check(")}
    passed = outputs['grader.check("conv2d")']
    assert [o.output_type for o in passed] == ["execute_result"]
    assert "conv2d</pre></strong> passed!" in passed[0].data["text/html"]
    [failed] = outputs['grader.check("pool2d")']
    assert failed.output_type == "error" and failed.ename == "PublicChecksFailed"
    assert failed.traceback[0] == f"PublicChecksFailed: {failed.evalue}"
    assert "pool2d results:" in failed.traceback and not any("Traceback" in line for line in failed.traceback)
