"""How often chance costs the reference a point of a training check, seed after seed.

    python benchmarks/training_spread.py 03_lenet --seeds 50 --csv benchmarks/results/training_spread_03_lenet.csv
    python benchmarks/training_spread.py 04_transposed_conv --seeds 50 --csv benchmarks/results/training_spread_04.csv

The score steps of the training checks (grader_tests/03_lenet/test_train_lenet.py,
grader_tests/04_transposed_conv/test_train_autoencoder.py) must sit on the safe
side of what the reference reaches. This trains the reference solution
(tests/implementations/<assignment>/reference.py) exactly as the hidden checks
do, seed after seed: the same split, the same epochs and batch size, the same
model (03 trains the course's LeNet the grader builds), and the same retries
(a training short of the full step is made again, up to the checks' ATTEMPTS,
and the best is scored: convlab.fitting.best_of), in one process with the
worker's thread settings. It prints each seed's first and scored training,
then:

* the single trainings that fell short of the full step, and a 95% upper
  bound on how often one does (Clopper-Pearson, one-sided);
* the runs that lost a point after the retries;
* the chance that a student run of the reference loses a point: the bound
  above raised to the power ATTEMPTS, the trainings of one run being
  independent draws of the initial weights (the split is the run's; the
  spread over seeds includes what the split does), and the same from a
  normal fit of the single trainings' scores (of the log error ratio for 04).

The scores: 03, accuracy on the held-out digits (higher is better); 04, the
autoencoder's reconstruction error on them divided by that of the mean
training image (lower is better). --csv writes one row per seed and a
``.summary.json`` beside it.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Check:
    """One training check as the benchmark reproduces it."""

    trainer: Callable  # (reference, split, np) -> a function that trains once and returns its score
    full: float  # the full step
    higher_is_better: bool
    attempts: int

    def short(self, score: float) -> bool:
        """Whether a training misses the full step (a NaN misses it)."""
        return not (score >= self.full if self.higher_is_better else score < self.full)


def lenet_trainer(reference, split, np):
    from lenet_oracle import course_json, initial_weights
    from training import BATCH_SIZE, EPOCHS

    import keras

    x, y = split.x(split.train), split.y(split.train)
    rng = np.random.default_rng(np.random.randint(2**31))  # numpy's seed is the seed's: keras.utils.set_random_seed

    def once() -> float:
        # what the check trains: the course's LeNet from its JSON, fresh initial weights drawn as the grader draws them
        model = keras.models.model_from_json(course_json())
        model.set_weights(initial_weights(rng))
        reference.train_lenet(model, x, y, epochs=EPOCHS, batch_size=BATCH_SIZE)
        return float(np.mean(reference.predict_classes(model, split.x(split.test)) == split.y(split.test)))

    return once


def autoencoder_trainer(reference, split, np):
    from test_train_autoencoder import BATCH_SIZE, EPOCHS

    x_train, x_test = split.x(split.train), split.x(split.test)
    baseline = float(np.mean((x_train.mean(axis=0) - x_test) ** 2))

    def once() -> float:
        model = reference.train_autoencoder(x_train, epochs=EPOCHS, batch_size=BATCH_SIZE)
        return float(np.mean((model.predict(x_test, verbose=0) - x_test) ** 2)) / baseline

    return once


def checks(assignment: str) -> Check:
    if assignment == "03_lenet":
        from training import ACCURACY_STEPS, ATTEMPTS

        return Check(lenet_trainer, ACCURACY_STEPS["full"], True, ATTEMPTS)
    from test_train_autoencoder import ATTEMPTS, STEPS

    return Check(autoencoder_trainer, STEPS["full"], False, ATTEMPTS)


def upper_bound(failures: int, trials: int, confidence: float = 0.95) -> float:
    """One-sided Clopper-Pearson upper bound on a probability seen ``failures`` times in ``trials``."""
    from scipy.stats import beta

    return 1.0 if failures >= trials else float(beta.ppf(confidence, failures + 1, trials - failures))


def normal_tail(scores: list[float], check: Check) -> float:
    """The chance that one training misses the full step, from a normal fit of the scores
    (of their logarithm for an error ratio, which is positive and skewed)."""
    from scipy.stats import norm

    values = [s if check.higher_is_better else math.log(s) for s in scores]
    full = check.full if check.higher_is_better else math.log(check.full)
    mean, sd = statistics.mean(values), statistics.stdev(values)
    return float(norm.cdf((full - mean) / sd) if check.higher_is_better else norm.sf((full - mean) / sd))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment", choices=["03_lenet", "04_transposed_conv"])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--csv", type=Path)
    args = parser.parse_args()
    os.environ.update(OMP_NUM_THREADS="1", TF_CPP_MIN_LOG_LEVEL="2")
    sys.path[:0] = [str(ROOT / "grader_tests" / args.assignment),
                    str(ROOT / "tests" / "implementations" / args.assignment)]
    import keras
    import numpy as np
    import reference

    from convlab.digits import make_split
    from convlab.fitting import best_of

    check = checks(args.assignment)
    rows, firsts = [], []
    for seed in range(args.seeds):
        split = make_split(seed)
        keras.utils.set_random_seed(seed)
        train_once = check.trainer(reference, split, np)
        scores: list[float] = []

        def scored() -> float:
            scores.append(train_once())
            return scores[-1]

        started = time.perf_counter()
        best, trainings = best_of(scored, lambda s: s if check.higher_is_better else -s,
                                  lambda s: not check.short(s if check.higher_is_better else -s), check.attempts)
        seconds = time.perf_counter() - started
        firsts.append(scores[0])
        rows.append({"seed": seed, "first": round(scores[0], 4), "trainings": trainings, "scored": round(best, 4),
                     "lost_a_point": check.short(best), "seconds": round(seconds, 1)})
        print(f"seed {seed:3d}: first training {scores[0]:.4f}, scored {best:.4f} after {trainings} "
              f"training(s), {seconds:.1f} s", flush=True)
    n = len(rows)
    short = sum(check.short(s) for s in firsts)
    bound = upper_bound(short, n)
    tail = normal_tail(firsts, check)
    summary = {
        "assignment": args.assignment, "seeds": n, "full_step": check.full, "attempts": check.attempts,
        "first_min": min(firsts), "first_median": statistics.median(firsts), "first_max": max(firsts),
        "single_trainings_short": short, "single_short_upper_95": bound,
        "runs_that_lost_a_point": sum(r["lost_a_point"] for r in rows),
        "run_loses_a_point_upper_95": bound ** check.attempts,
        "single_short_normal_fit": tail, "run_loses_a_point_normal_fit": tail ** check.attempts,
        "retrained_seeds": sum(r["trainings"] > 1 for r in rows),
        "seconds_median": statistics.median(r["seconds"] for r in rows),
    }
    print(f"first trainings: min {summary['first_min']:.4f}, median {summary['first_median']:.4f}, "
          f"max {summary['first_max']:.4f}; {short} of {n} short of the full step ({check.full:g}), "
          f"so one training is short with a probability under {bound:.3g} (95%); "
          f"{summary['runs_that_lost_a_point']} of {n} runs lost a point after up to {check.attempts} trainings; "
          f"a run loses a point with a probability under {bound ** check.attempts:.2g} "
          f"(normal fit: {tail ** check.attempts:.2g}); median time {summary['seconds_median']:.1f} s")
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        with args.csv.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        args.csv.with_suffix(".summary.json").write_text(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main()
