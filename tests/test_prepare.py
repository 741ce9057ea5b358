"""What grading keeps of nbgrader's own files beside a submitted notebook."""

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
