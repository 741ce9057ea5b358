"""The run journal: when a grading run resumes, with which seed, and which students it skips."""

from convlab.journal import Journal, submission_digest

CLASS = {"assignment": "01_convolution", "submissions": "/course/submitted", "students": ["ana", "bo"]}


def test_a_fresh_run_takes_the_seed_asked_for_or_the_new_one(tmp_path):
    assert Journal(tmp_path / "a").open(CLASS, None, 7) == (7, False)
    assert Journal(tmp_path / "b").open(CLASS, 42, 7) == (42, False)


def test_an_unfinished_run_of_the_same_class_resumes_with_its_seed_and_records(tmp_path):
    journal = Journal(tmp_path)
    journal.open(CLASS, None, 7)
    journal.record("ana", "digest-1", {"student": "ana"})
    again = Journal(tmp_path)
    assert again.open(CLASS, None, 99) == (7, True)
    assert again.open(CLASS, 7, 99) == (7, True)  # asking for its own seed resumes too
    assert again.recorded() == {"ana": {"digest": "digest-1", "grade": {"student": "ana"}}}


def test_a_finished_run_another_class_or_another_seed_starts_afresh(tmp_path):
    journal = Journal(tmp_path)
    journal.open(CLASS, None, 7)
    journal.record("ana", "d", {})
    assert Journal(tmp_path).open({**CLASS, "students": ["ana"]}, None, 8) == (8, False)
    assert Journal(tmp_path).recorded() == {}  # the scratch folder was emptied
    Journal(tmp_path).record("ana", "d", {})
    assert Journal(tmp_path).open({**CLASS, "students": ["ana"]}, 5, 9) == (5, False)
    journal = Journal(tmp_path)
    journal.finish()
    assert journal.open({**CLASS, "students": ["ana"]}, None, 10) == (10, False)


def test_the_digest_follows_names_contents_and_links(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "convolution.ipynb").write_text("{}")
    first = submission_digest(folder)
    (folder / "convolution.ipynb").write_text("{ }")
    second = submission_digest(folder)
    (folder / "notes").symlink_to("/etc/passwd")
    third = submission_digest(folder)
    assert len({first, second, third}) == 3
    assert submission_digest(folder) == third
