"""Grading a student's training fairly: the arguments it was given, and chance.

Two things the checks of ``train_lenet`` (03) and ``train_autoencoder`` (04)
share. They call the student's function with an ``epochs`` and a
``batch_size`` that are not its defaults, so a function that ignores them is
seen: the epochs from the ``History`` (one loss per epoch), the mini-batches
from the number of weight updates the model's optimizer made
(``optimizer.iterations``), which Keras counts whatever the student wrote.
And a correct network can still train badly by chance (an unlucky
initialisation), so a training short of the full step is made again, and the
best of a few is scored (:func:`best_of`); benchmarks/training_spread.py
measures what is left of that chance with the same function.
"""

from __future__ import annotations

import math
from typing import Callable, TypeVar

T = TypeVar("T")

#: The largest share of x a validation split (e.g. validation_split=0.1) may hold back: fewer updates per
#: epoch are then honest. Up to a quarter keeps the updates of a batch size of 32 or 64 out of the range
#: of the batch sizes the checks ask for.
MAX_VALIDATION_SHARE = 0.25


def updates_per_epoch(n: int, batch_size: int) -> tuple[int, int]:
    """The weight updates one epoch of ``fit(x, ..., batch_size=batch_size)`` makes on ``n`` images:
    one per mini-batch, ceil(n / batch_size), or fewer when a validation split holds part of x back."""
    return math.ceil(n * (1 - MAX_VALIDATION_SHARE) / batch_size), math.ceil(n / batch_size)


def epochs_problem(epochs_run: int | None, epochs: int, call: str) -> str | None:
    """Why a training did not run the ``epochs`` it was asked for, or None."""
    if epochs_run == epochs:
        return None
    ran = "no" if epochs_run is None else f"{epochs_run}"
    return (f"{call} ran {ran} epochs (its History holds one loss per epoch); it was asked for epochs={epochs}: "
            "pass the epochs argument to fit, do not write a number of your own")


def batch_size_problem(updates: int | None, epochs_run: int | None, n: int, batch_size: int, call: str,
                       usual: tuple[int, ...] = (32, 64)) -> str | None:
    """Why a training did not use mini-batches of ``batch_size`` (judged from its weight updates), or None.

    ``usual`` are the batch sizes a function that ignores the argument tends to use instead
    (its default, Keras's default of 32): the message names the one that fits.
    """
    if not updates or not epochs_run:
        return (f"{call} made no weight update (the model's optimizer never stepped): compile the model "
                "and fit it" if not updates else None)
    low, high = updates_per_epoch(n, batch_size)
    per_epoch = updates / epochs_run
    if low <= per_epoch <= high:
        return None
    guess = next((f" ({per_epoch:g} per epoch is what mini-batches of {b} give)" for b in usual
                  if b != batch_size and per_epoch == math.ceil(n / b)), "")
    return (f"{call} made {per_epoch:g} weight updates per epoch on {n:,} images; mini-batches of "
            f"batch_size={batch_size} make {high} (one per mini-batch){guess}: pass the batch_size argument to fit")


def best_of(train_once: Callable[[], T], score: Callable[[T], float | None], enough: Callable[[float], bool],
            attempts: int) -> tuple[T, int]:
    """The best of up to ``attempts`` trainings, and how many trainings it was the best of.

    ``score`` says how good a training is (higher is better; NaN is the worst), or None when
    another training cannot do better: the code failed (an error), or failed in a way chance
    does not explain. Training stops as soon as a score is ``enough`` (the full step): a
    correct network needs a second training only when chance spoilt the first, and a wrong
    one costs at most ``attempts`` trainings.
    """
    best, best_score = None, -math.inf
    for trainings in range(1, attempts + 1):
        result = train_once()
        value = score(result)
        if value is None:  # keep a training that worked over one the code broke
            return (result, trainings) if best is None else (best, trainings - 1)
        value = -math.inf if math.isnan(value) else value
        if best is None or value > best_score:
            best, best_score = result, value
        if enough(best_score):
            return best, trainings
    return best, attempts
