"""Docker against bubblewrap, per student, on the same class: N copies of one example of `01_convolution`.

    python benchmarks/docker_vs_bwrap.py --copies 4 20 --jobs 2 --repeat 2

The course is copied to a temporary folder, released, and a class of each size is
graded with the real ``convlab grade`` under each sandbox (alternating, ``--repeat``
times each, the fastest run kept), in a fresh course copy every time so nothing
is resumed. Docker needs the image (`make images`).

A run's time is a fixed cost (the grader's imports, a bubblewrap template's own
start) plus a cost per student (for docker, a container's start). Two class
sizes separate them: the cost per student is the slope between the two runs,
and the ratio quoted is docker's slope over bubblewrap's, so that a small class
does not hide a container's start behind the fixed cost. Prints both and
appends them to benchmarks/results/docker_vs_bwrap.csv with the machine they ran on.
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


def grade_once(sandbox: str, copies: int, args) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp)
        submissions = build_course(course, args.assignment, args.student, copies)
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
    parser.add_argument("--copies", type=int, nargs=2, default=[4, 20], metavar=("SMALL", "LARGE"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    small, large = sorted(args.copies)

    best = {(sandbox, copies): float("inf") for sandbox in ("bwrap", "docker") for copies in (small, large)}
    for _ in range(args.repeat):
        for sandbox, copies in best:
            best[sandbox, copies] = min(best[sandbox, copies], grade_once(sandbox, copies, args))
    slope = {sandbox: (best[sandbox, large] - best[sandbox, small]) / (large - small) for sandbox in ("bwrap", "docker")}
    fixed = {sandbox: best[sandbox, small] - small * slope[sandbox] for sandbox in slope}
    ratio = slope["docker"] / slope["bwrap"]
    print(f"{args.assignment}: {small} and {large} copies of {args.student!r}, --jobs {args.jobs}, best of {args.repeat}")
    for sandbox in slope:
        print(f"  {sandbox:7s} {best[sandbox, small]:7.1f} s and {best[sandbox, large]:7.1f} s: "
              f"{slope[sandbox]:.2f} s per student, {fixed[sandbox]:.1f} s fixed")
    print(f"  docker / bwrap per student: {ratio:.2f}x")
    new = not RESULTS.exists()
    with RESULTS.open("a", newline="") as out:
        writer = csv.writer(out)
        if new:
            writer.writerow(["date", "machine", "cpus", "assignment", "student", "jobs", "sandbox",
                             "small_class", "small_seconds", "large_class", "large_seconds",
                             "seconds_per_student", "fixed_seconds", "docker_over_bwrap_per_student"])
        for sandbox in slope:
            writer.writerow([datetime.date.today().isoformat(), platform.node() or "?", os.cpu_count(),
                             args.assignment, args.student, args.jobs, sandbox, small, f"{best[sandbox, small]:.1f}",
                             large, f"{best[sandbox, large]:.1f}", f"{slope[sandbox]:.3f}", f"{fixed[sandbox]:.1f}",
                             f"{ratio:.2f}"])


if __name__ == "__main__":
    main()
