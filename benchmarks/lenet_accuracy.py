"""How well the reference LeNet trains on the grader's digits split, seed after seed.

    python benchmarks/lenet_accuracy.py --seeds 20

The thresholds of grader_tests/03_lenet/test_train_lenet.py must sit below what
the reference reaches on every seed, with margin. This trains the reference
solution (tests/implementations/03_lenet/reference.py) exactly as the hidden
checks do (same split, renamed labels, EPOCHS, BATCH_SIZE), in one process with
the worker's thread settings, and prints each seed's held-out accuracy and
training time, then the minimum, median and maximum. --csv writes the rows.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--csv", type=Path)
    args = parser.parse_args()
    os.environ.update(OMP_NUM_THREADS="1", TF_CPP_MIN_LOG_LEVEL="2")
    sys.path[:0] = [str(ROOT / "grader_tests" / "03_lenet"), str(ROOT / "tests" / "implementations" / "03_lenet")]
    import keras
    import numpy as np
    import reference
    from convlab.digits import make_split
    from training import BATCH_SIZE, EPOCHS

    rows = []
    for seed in range(args.seeds):
        split = make_split(seed)
        keras.utils.set_random_seed(seed)
        model = reference.build_lenet()
        started = time.perf_counter()
        reference.train_lenet(model, split.x(split.train), split.y(split.train), epochs=EPOCHS, batch_size=BATCH_SIZE)
        seconds = time.perf_counter() - started
        accuracy = float(np.mean(reference.predict_classes(model, split.x(split.test)) == split.y(split.test)))
        rows.append({"seed": seed, "accuracy": round(accuracy, 4), "train_seconds": round(seconds, 1)})
        print(f"seed {seed:3d}: accuracy {accuracy:.4f}, training {seconds:.1f} s", flush=True)
    accuracies = [r["accuracy"] for r in rows]
    seconds = [r["train_seconds"] for r in rows]
    print(f"accuracy min {min(accuracies):.4f} median {statistics.median(accuracies):.4f} max {max(accuracies):.4f}; "
          f"training median {statistics.median(seconds):.1f} s")
    if args.csv:
        with args.csv.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
