"""Time `convlab grade` on a synthetic class: N copies of one example submission.

    python benchmarks/grade_class.py 01_convolution --copies 10 --jobs 2
    python benchmarks/grade_class.py 02_output_shapes --copies 10 --student reference

The course is copied to a temporary folder (the real gradebook is never
touched), the assignment is released there, and the class is graded once with
the real command. It prints the wall time of the whole run and, from each
student's results, how long their notebook took in the sandbox and how long
their hidden checks took (the part the per-assignment budgets speak of; the
one TensorFlow import of a grading process is outside both). Results are also
written as CSV (--csv).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_course(folder: Path, assignment: str, student: str, copies: int) -> Path:
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    for name in ("source", "grader_tests"):
        shutil.copytree(ROOT / name, folder / name)
    submissions = folder / "class"
    original = ROOT / "examples" / "submissions" / student / assignment
    for k in range(copies):
        shutil.copytree(original, submissions / f"{student}-{k:03d}" / assignment)
    return submissions


def convlab(*args: str, course: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "convlab.cli", "--course", str(course), *args],
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment")
    parser.add_argument("--student", default="reference", help="example submission to copy")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--csv", type=Path, help="write one row per student here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp)
        submissions = build_course(course, args.assignment, args.student, args.copies)
        convlab("release", args.assignment, course=course)
        wall = convlab("grade", args.assignment, "--submissions", str(submissions), "--jobs", str(args.jobs),
                       "--quiet", course=course)
        results = [json.loads(p.read_text()) for p in sorted((course / ".convlab" / args.assignment / "results").glob("*.json"))]

    notebook = [r["timing"]["notebook_seconds"] for r in results]
    checks = [r["timing"]["checks_seconds"] for r in results]
    print(f"{args.assignment}: {len(results)} copies of {args.student!r}, --jobs {args.jobs}")
    print(f"  whole run (release excluded): {wall:.1f} s, {wall / len(results):.2f} s per submission")
    print(f"  notebook in the sandbox:      median {statistics.median(notebook):.2f} s, max {max(notebook):.2f} s")
    print(f"  hidden checks:                median {statistics.median(checks):.2f} s, max {max(checks):.2f} s "
          "(the first student of each grading process also pays the TensorFlow import)")
    if args.csv:
        with args.csv.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["student", "notebook_seconds", "checks_seconds"])
            writer.writerows([r["student"], r["timing"]["notebook_seconds"], r["timing"]["checks_seconds"]]
                             for r in results)


if __name__ == "__main__":
    main()
