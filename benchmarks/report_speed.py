"""How long ``convlab report`` takes for a synthetic class (benchmarks/synthetic_class.py); the goal
is under 30 s for 1,000 students.

Times the command as an instructor runs it (a fresh Python: imports, gradebook, runs, similarity,
figures, page), several times, and appends the result to benchmarks/results/report_speed.csv with
the machine's CPU count and load, since a shared machine's load changes the wall time.

    python benchmarks/report_speed.py --students 1000 --repeat 3
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic_class  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "report_speed.csv"
GOAL_SECONDS = 30.0


def time_report(root: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one `convlab report` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "convlab.cli", "--course", str(root), "report", synthetic_class.ASSIGNMENT],
                   check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "class"
        synthetic_class.build(root, args.students)
        times = [time_report(root) for _ in range(args.repeat)]
    best_wall, best_cpu = min(times)
    print(f"convlab report, {args.students} students: " + ", ".join(f"{w:.1f} s (CPU {c:.1f} s)" for w, c in times)
          + f"; best {best_wall:.1f} s, goal {GOAL_SECONDS:.0f} s")
    new = not RESULTS.exists()
    with RESULTS.open("a", newline="") as handle:
        writer = csv.writer(handle)
        if new:
            writer.writerow(["date", "students", "wall_seconds", "cpu_seconds", "best_wall_seconds", "cpus",
                             "load_1min", "python"])
        writer.writerow([datetime.date.today().isoformat(), args.students, " ".join(f"{w:.1f}" for w, _ in times),
                         " ".join(f"{c:.1f}" for _, c in times), f"{best_wall:.1f}", os.cpu_count(),
                         f"{os.getloadavg()[0]:.1f}", platform.python_version()])
    return 0 if best_wall < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
