"""release/ is what nbgrader makes of source/, holds no solution or hidden check, and is committed in sync."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from convlab.release import find_leaks

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
