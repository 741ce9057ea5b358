"""How well the reference trains on the grader's digits split, seed after seed.

    python benchmarks/training_spread.py 03_lenet --seeds 20
    python benchmarks/training_spread.py 04_transposed_conv --seeds 20

The score steps of the training checks (grader_tests/03_lenet/test_train_lenet.py,
grader_tests/04_transposed_conv/test_train_autoencoder.py) must sit on the safe
side of what the reference reaches on every seed, with margin. This trains the
reference solution (tests/implementations/<assignment>/reference.py) exactly as
the hidden checks do (same split, same arguments), in one process with the
worker's thread settings, and prints each seed's score and training time, then
the minimum, median and maximum. --csv writes the rows.

The scores: 03, accuracy on the held-out digits (higher is better); 04, the
autoencoder's reconstruction error on them divided by that of the mean
training image (lower is better).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def lenet_accuracy(reference, split, np) -> float:
    from training import BATCH_SIZE, EPOCHS

    model = reference.build_lenet()
    reference.train_lenet(model, split.x(split.train), split.y(split.train), epochs=EPOCHS, batch_size=BATCH_SIZE)
    return float(np.mean(reference.predict_classes(model, split.x(split.test)) == split.y(split.test)))


def autoencoder_ratio(reference, split, np) -> float:
    from test_train_autoencoder import EPOCHS

    x_train, x_test = split.x(split.train), split.x(split.test)
    model = reference.train_autoencoder(x_train, epochs=EPOCHS)
    error = float(np.mean((model.predict(x_test, verbose=0) - x_test) ** 2))
    return error / float(np.mean((x_train.mean(axis=0) - x_test) ** 2))


SCORES = {"03_lenet": lenet_accuracy, "04_transposed_conv": autoencoder_ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment", choices=sorted(SCORES))
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--csv", type=Path)
    args = parser.parse_args()
    os.environ.update(OMP_NUM_THREADS="1", TF_CPP_MIN_LOG_LEVEL="2")
    sys.path[:0] = [str(ROOT / "grader_tests" / args.assignment),
                    str(ROOT / "tests" / "implementations" / args.assignment)]
    import keras
    import numpy as np
    import reference

    from convlab.digits import make_split

    rows = []
    for seed in range(args.seeds):
        split = make_split(seed)
        keras.utils.set_random_seed(seed)
        started = time.perf_counter()
        score = SCORES[args.assignment](reference, split, np)
        seconds = time.perf_counter() - started
        rows.append({"seed": seed, "score": round(score, 4), "seconds": round(seconds, 1)})
        print(f"seed {seed:3d}: score {score:.4f}, training {seconds:.1f} s", flush=True)
    scores, seconds = [r["score"] for r in rows], [r["seconds"] for r in rows]
    print(f"score min {min(scores):.4f} median {statistics.median(scores):.4f} max {max(scores):.4f}; "
          f"training median {statistics.median(seconds):.1f} s")
    if args.csv:
        with args.csv.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
