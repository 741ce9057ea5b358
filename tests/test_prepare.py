"""What grading keeps of nbgrader's own files beside a submitted notebook, and how it reads the notebook."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from convlab import prepare
from convlab.prepare import _nbgrader_files, misnamed_notebooks


def test_the_timestamp_and_the_exchange_secret_are_kept_as_they_are(tmp_path):
    (tmp_path / "timestamp.txt").write_text("2026-12-07 10:00:00.000000 UTC")
    (tmp_path / "submission_secret.txt").write_text("f00d\n")
    notes = []
    assert _nbgrader_files(tmp_path, notes) == {"timestamp.txt": "2026-12-07 10:00:00.000000 UTC",
                                               "submission_secret.txt": "f00d\n"}
    assert notes == []


def test_a_timestamp_that_is_no_date_is_dropped_with_a_note(tmp_path):
    (tmp_path / "timestamp.txt").write_text("next tuesday, honest")
    notes = []
    assert _nbgrader_files(tmp_path, notes) == {}
    assert notes == ["timestamp.txt does not hold a date, so the submission time is unknown"]


def test_links_and_big_files_are_not_read(tmp_path):
    secret = tmp_path / "elsewhere.txt"
    secret.write_text("another student's secret")
    (tmp_path / "submission_secret.txt").symlink_to(secret)
    (tmp_path / "timestamp.txt").write_text("2026-12-07 10:00:00 UTC" + " " * 10_000)
    assert _nbgrader_files(tmp_path, []) == {}


def test_misnamed_notebooks_are_named_only_when_the_expected_one_is_missing(tmp_path):
    (tmp_path / "my_convolution.ipynb").write_text("{}")
    assert misnamed_notebooks(tmp_path, "convolution") == ["my_convolution"]
    (tmp_path / "convolution.ipynb").write_text("{}")
    assert misnamed_notebooks(tmp_path, "convolution") == []
    assert misnamed_notebooks(tmp_path / "missing", "convolution") == []


# ---- notebooks too big to parse in the grader -------------------------------------------
REFERENCE = Path(__file__).resolve().parents[1] / "examples" / "submissions" / "reference" / "01_convolution" \
    / "convolution.ipynb"


def _with_big_output(path: Path, megabytes: int) -> None:
    """The reference notebook with an image output of ``megabytes`` MB in its first code cell,
    written piece by piece (the test process never holds it)."""
    notebook = nbformat.read(REFERENCE, as_version=4)
    cell = next(c for c in notebook.cells if c.cell_type == "code")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "@IMAGE@"})]
    head, tail = nbformat.writes(notebook).split("@IMAGE@")
    with path.open("w") as handle:
        handle.write(head)
        for _ in range(megabytes):
            handle.write("A" * 2**20)
        handle.write(tail)


def test_an_oversized_notebook_is_graded_without_its_outputs_parsed_in_another_process(tmp_path):
    """A 200 MB notebook (an image left in an output): its code comes back, its outputs do not, the
    note says why, and the grading process never holds it (its memory peak stays below the output's size)."""
    path = tmp_path / "convolution.ipynb"
    _with_big_output(path, 200)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so it would report pytest's own peak.
    script = ("import json, sys\nfrom pathlib import Path\nfrom convlab.prepare import _read\n"
              "notes = []\nnotebook = _read(Path(sys.argv[1]), notes)\n"
              "print(json.dumps({'sources': [c.source for c in notebook.cells if c.cell_type == 'code'],"
              " 'outputs': sum(len(c.get('outputs', [])) for c in notebook.cells), 'notes': notes,"
              " 'peak_mb': int(Path('/proc/self/status').read_text().split('VmHWM:')[1].split()[0]) / 1024}))")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True)
    read = json.loads(done.stdout)
    expected = [c.source for c in nbformat.read(REFERENCE, as_version=4).cells if c.cell_type == "code"]
    assert read["sources"] == expected and read["outputs"] == 0
    assert read["notes"] and "200 MB" in read["notes"][0] and "its outputs were dropped" in read["notes"][0]
    assert read["peak_mb"] < 200, read["peak_mb"]  # the output alone is 200 MB; its parse would be twice that


def test_code_over_the_limit_even_without_outputs_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(prepare, "MAX_NOTEBOOK_BYTES", 2**20)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1  # " + "y" * 2**21)])
    path = tmp_path / "convolution.ipynb"
    nbformat.write(notebook, path)
    with pytest.raises(prepare.SubmissionProblem, match="even without its outputs it is over 1 MB"):
        prepare._read(path, [])


def test_a_damaged_oversized_notebook_is_refused_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(prepare, "MAX_NOTEBOOK_BYTES", 2**20)
    path = tmp_path / "convolution.ipynb"
    path.write_text('{"cells": [' + "x" * 2**21)
    with pytest.raises(prepare.SubmissionProblem, match="is 2 MB and it is not a readable notebook .*JSONDecodeError"):
        prepare._read(path, [])


def test_the_folder_limit_counts_what_the_sandbox_gets(tmp_path):
    """Notebooks and hidden files are not copied into the private copy, so they do not count."""
    (tmp_path / "convolution.ipynb").write_bytes(b"x" * 5000)
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "data.csv").write_bytes(b"x" * 3000)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "digits.csv").write_bytes(b"x" * 700)
    assert prepare._folder_size(tmp_path) == 700
