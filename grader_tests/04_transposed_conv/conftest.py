"""Fixtures of the transposed-convolution checks: the run's digits split and what the sandbox
may see of it (train_autoencoder is scored on digits the worker never receives)."""

from __future__ import annotations

import pytest

from convlab.digits import Split, digits_file, make_split


@pytest.fixture(scope="session")
def split(run_seed) -> Split:
    return make_split(run_seed)


@pytest.fixture(scope="session")
def sandbox_overlays(split, tmp_path_factory) -> dict:
    """In the sandbox, scikit-learn's digits file holds only the training rows."""
    return {str(digits_file()): split.write_training_file(tmp_path_factory.mktemp("digits") / "digits.csv.gz")}
