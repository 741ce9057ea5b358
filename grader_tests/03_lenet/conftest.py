"""Fixtures of the LeNet checks: the run's digits split, what the sandbox may see of it, and the
student's model trained once per student (every training check reads the same run)."""

from __future__ import annotations

import pytest

from convlab.digits import Split, make_split
from training import Training, train


@pytest.fixture(scope="session")
def split(class_seed) -> Split:
    """One split per grading process, from the run's seed: the sandbox of every worker shows its training part."""
    return make_split(class_seed)


@pytest.fixture(scope="session")
def sandbox_overlays(split, tmp_path_factory) -> dict:
    """In the sandbox, scikit-learn's digits file holds only the training rows."""
    return split.sandbox_overlay(tmp_path_factory.mktemp("digits"))


@pytest.fixture(scope="session")
def visible_rows(student, split):
    """The digits rows the student's code can load: the training rows, unless there is no sandbox
    to hide the others (``--sandbox none``)."""
    return split.rows if student.sandbox_kind == "none" else split.rows[split.train]


@pytest.fixture(scope="session")
def training(student, split) -> Training:
    return train(student, split)
