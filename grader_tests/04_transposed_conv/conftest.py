"""Fixtures of the transposed-convolution checks: the run's digits split and what the sandbox
may see of it (train_autoencoder is scored on digits the worker never receives)."""

from __future__ import annotations

import pytest

from convlab.digits import Split, make_split


@pytest.fixture(scope="session")
def split(class_seed) -> Split:
    """One split per grading process, from the run's seed: the sandbox of every worker shows its training part."""
    return make_split(class_seed)


@pytest.fixture(scope="session")
def sandbox_overlays(split, tmp_path_factory) -> dict:
    """In the sandbox, scikit-learn's digits file holds only the training rows."""
    return split.sandbox_overlay(tmp_path_factory.mktemp("digits"))
