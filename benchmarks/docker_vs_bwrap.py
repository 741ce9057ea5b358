"""Docker against bubblewrap, per student, on the same class: N copies of one example of `01_convolution`.

    python benchmarks/docker_vs_bwrap.py --copies 12 --jobs 2 --repeat 2

The course is copied to a temporary folder, released, and the same class is
graded with the real ``convlab grade`` under each sandbox (alternating, ``--repeat``
times each, the fastest run kept), in a fresh course copy every time so nothing
is resumed. Docker needs the image (`make images`). Prints the seconds per
student of each and their ratio, and appends the rows to
benchmarks/results/docker_vs_bwrap.csv with the machine they ran on.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grade_class import build_course  # the same class of copies as grade_class.py grades

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "docker_vs_bwrap.csv"


def grade_once(sandbox: str, args) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp)
        submissions = build_course(course, args.assignment, args.student, args.copies)
        subprocess.run([sys.executable, "-m", "convlab.cli", "--course", str(course), "release", args.assignment],
                       check=True, stdout=subprocess.DEVNULL)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "convlab.cli", "--course", str(course), "grade", args.assignment,
                        "--submissions", str(submissions), "--sandbox", sandbox, "--jobs", str(args.jobs),
                        "--quiet"], check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="01_convolution")
    parser.add_argument("--student", default="reference")
    parser.add_argument("--copies", type=int, default=12)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    best = {"bwrap": float("inf"), "docker": float("inf")}
    for _ in range(args.repeat):
        for sandbox in best:
            best[sandbox] = min(best[sandbox], grade_once(sandbox, args))
    per = {sandbox: seconds / args.copies for sandbox, seconds in best.items()}
    ratio = per["docker"] / per["bwrap"]
    print(f"{args.assignment}: {args.copies} copies of {args.student!r}, --jobs {args.jobs}, best of {args.repeat}")
    for sandbox, seconds in best.items():
        print(f"  {sandbox:7s} {seconds:7.1f} s in all, {per[sandbox]:.2f} s per student")
    print(f"  docker / bwrap per student: {ratio:.2f}x")
    new = not RESULTS.exists()
    with RESULTS.open("a", newline="") as out:
        writer = csv.writer(out)
        if new:
            writer.writerow(["date", "machine", "cpus", "assignment", "student", "copies", "jobs", "sandbox",
                             "seconds", "seconds_per_student", "docker_over_bwrap"])
        for sandbox, seconds in best.items():
            writer.writerow([datetime.date.today().isoformat(), platform.node() or "?", os.cpu_count(),
                             args.assignment, args.student, args.copies, args.jobs, sandbox, f"{seconds:.1f}",
                             f"{per[sandbox]:.2f}", f"{ratio:.2f}"])


if __name__ == "__main__":
    main()
