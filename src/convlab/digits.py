"""scikit-learn's digits as the grader uses them: 32x32, split with the run's seed.

Checks that train a student's network in the worker (03_lenet, 04_transposed_conv)
send it the training rows and score on the others. Two things keep that honest. The worker sees only the training rows:
the conftest shows it a digits file holding those rows in place of
scikit-learn's own, so a submission that loads the digits by itself cannot
reach the images it is scored on. And the labels sent for training are the
digits renamed by a derangement drawn from the run's seed, so a ``train_lenet``
that learns from anything but the data it is given predicts the original names
and is caught.
"""

from __future__ import annotations

import gzip
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TEST_FRACTION = 0.25


def digits_file() -> Path:
    """scikit-learn's digits (8x8 pixels 0..16 and the label, one image per CSV row), found without importing sklearn."""
    spec = importlib.util.find_spec("sklearn")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"


def to_32(images8: np.ndarray) -> np.ndarray:
    """8x8 digits as the course's 32x32 network input: each pixel a 4x4 block, scaled to [0, 1]."""
    return (np.kron(images8, np.ones((4, 4))) / 16.0).astype(np.float32)[..., None]


@dataclass(frozen=True)
class Split:
    rows: np.ndarray        # (1797, 65): the CSV as scikit-learn ships it
    train: np.ndarray       # row indices the worker may see
    test: np.ndarray        # row indices it never sees
    rename: np.ndarray      # label -> the label used for training and scoring (no fixed point)

    @property
    def images8(self) -> np.ndarray:
        return self.rows[:, :64].reshape(-1, 8, 8)

    @property
    def labels(self) -> np.ndarray:
        return self.rows[:, 64].astype(np.int64)

    def x(self, part: np.ndarray) -> np.ndarray:
        return to_32(self.images8[part])

    def y(self, part: np.ndarray) -> np.ndarray:
        return self.rename[self.labels[part]]

    def sandbox_overlay(self, folder: Path) -> dict[str, Path]:
        """The training rows written in scikit-learn's format into ``folder``, as the overlay that
        shows them in place of its digits file (``sandbox_overlays``): what ``load_digits()``
        returns in the sandbox."""
        path = folder / "digits.csv.gz"
        with gzip.open(path, "wt") as handle:
            np.savetxt(handle, self.rows[self.train], fmt="%d", delimiter=",")
        return {str(digits_file()): path}


def make_split(seed: int) -> Split:
    with gzip.open(digits_file(), "rt") as handle:
        rows = np.loadtxt(handle, delimiter=",")
    rng = np.random.default_rng([seed, 3])
    order = rng.permutation(len(rows))
    n_test = int(np.ceil(TEST_FRACTION * len(rows)))
    rename = rng.permutation(10)
    while np.any(rename == np.arange(10)):
        rename = rng.permutation(10)
    return Split(rows, np.sort(order[n_test:]), np.sort(order[:n_test]), rename)
