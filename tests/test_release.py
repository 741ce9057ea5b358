"""release/ is what nbgrader makes of source/, holds no solution or hidden check, and is committed in sync."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from convlab.release import find_leaks, skipped_cell_problems

ROOT = Path(__file__).resolve().parents[1]


def test_hidden_checks_are_never_under_source():
    assert not list((ROOT / "source").rglob("grader_tests"))
    assert not list((ROOT / "source").rglob("test_*.py"))


def test_committed_release_holds_no_solution_or_hidden_test():
    assert find_leaks(ROOT / "release") == []


def test_leak_finder_catches_a_solution_marker(tmp_path):
    (tmp_path / "nb.ipynb").write_text(json.dumps({"source": "### BEGIN SOLUTION"}))
    assert find_leaks(tmp_path) == ["nb.ipynb"]


def _cells(path):
    nb = nbformat.read(path, 4)
    return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nb.cells]


@pytest.mark.slow
def test_release_is_in_sync_with_source(tmp_path):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "source", tmp_path / "source")
    subprocess.run([sys.executable, "-m", "convlab.cli", "--course", str(tmp_path), "release"],
                   check=True, capture_output=True)
    for fresh in sorted((tmp_path / "release").rglob("*")):
        committed = ROOT / "release" / fresh.relative_to(tmp_path / "release")
        if fresh.is_dir():
            continue
        assert committed.is_file(), f"release/ lacks {committed.relative_to(ROOT)}: run `convlab release`"
        if fresh.suffix == ".ipynb":
            assert _cells(fresh) == _cells(committed), f"{committed} is stale: run `convlab release`"
        else:
            assert fresh.read_bytes() == committed.read_bytes(), f"{committed} is stale: run `convlab release`"
    extra = {p.relative_to(ROOT / "release") for p in (ROOT / "release").rglob("*") if p.is_file()} - \
            {p.relative_to(tmp_path / "release") for p in (tmp_path / "release").rglob("*") if p.is_file()}
    assert not extra, f"release/ holds files source/ no longer makes: {extra}"


@pytest.mark.parametrize("notebook", sorted((ROOT / "release").glob("*/*.ipynb")), ids=lambda p: p.parent.name)
def test_release_stubs_every_solution_cell(notebook):
    nb = nbformat.read(notebook, 4)
    solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert solutions
    for cell in solutions:
        assert "raise NotImplementedError()" in cell.source or cell.source == "YOUR ANSWER HERE"


@pytest.mark.parametrize("notebook", sorted((ROOT / "source").glob("*/*.ipynb")), ids=lambda p: p.parent.name)
def test_skipped_cells_define_nothing_a_graded_cell_needs(notebook):
    assert skipped_cell_problems(nbformat.read(notebook, 4)) == []


def _notebook(*cells):
    """Code cells given as (source, skipped, grade id or None)."""
    nb = nbformat.v4.new_notebook()
    for source, skipped, grade_id in cells:
        cell = nbformat.v4.new_code_cell(source)
        if grade_id:
            cell.metadata["nbgrader"] = {"grade": False, "grade_id": grade_id, "locked": True, "solution": False,
                                         "schema_version": 3}
        if skipped:
            cell.metadata["tags"] = ["skip-in-grading"]
        nb.cells.append(cell)
    return nb


def test_release_check_names_a_skipped_definition_a_graded_cell_uses():
    nb = _notebook(("import numpy as np", False, "setup"),
                   ("%matplotlib inline\nscale = 2.0\nplot = None", True, "demo"),
                   ("def f(x):\n    return np.sum(x) * scale", False, None),
                   ("plot = 1\nplot", False, "uses_its_own"))
    [problem] = skipped_cell_problems(nb)
    assert "'scale'" in problem and "'demo'" in problem


def test_release_check_names_a_skipped_cell_grading_would_run():
    nb = _notebook(("", False, None), ("x = 1", True, None), ("", True, "empty_demo"))
    [problem] = skipped_cell_problems(nb)
    assert "not read-only" in problem


def test_release_refuses_a_skipped_cell_a_graded_cell_needs(tmp_path):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "source" / "01_convolution", tmp_path / "source" / "01_convolution")
    path = tmp_path / "source" / "01_convolution" / "convolution.ipynb"
    nb = nbformat.read(path, 4)
    solution = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "conv2d_code")
    solution.source += "\n\nDEMO_KERNEL = blur_kernel\n"  # blur_kernel comes from the skipped photo demo
    nbformat.write(nb, path)
    run = subprocess.run([sys.executable, "-m", "convlab.cli", "--course", str(tmp_path), "release"],
                         capture_output=True, text=True)
    assert run.returncode != 0
    assert "'blur_kernel'" in run.stderr and "demo_photo" in run.stderr
    assert not (tmp_path / "release").exists()
