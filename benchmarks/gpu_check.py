"""The GPU path, one command away: run on a machine with an NVIDIA GPU.

    python benchmarks/gpu_check.py            # bubblewrap, and docker if the GPU image is there
    python benchmarks/gpu_check.py --no-docker

1. bubblewrap: the worker sandbox binds /dev/nvidia* (convlab.sandbox._gpu_binds), and
   TensorFlow inside it lists the GPU.
2. docker: ``docker run --gpus all`` of the GPU image (`make images-gpu`; needs the NVIDIA
   Container Toolkit) lists the GPU, in the grading worker's own container options.
3. The `03_lenet` reference and the `04_transposed_conv` reference (the autoencoder) are graded
   with the real ``convlab grade``, training on the GPU, in each sandbox.

Each grading's time, points and any accuracy its checks report go to benchmarks/results/gpu.csv.
Without an NVIDIA GPU it says so and records nothing (exit code 2).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from convlab import sandbox
from convlab.course import Course

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "gpu.csv"
GRADED = [("03_lenet", "reference"), ("04_transposed_conv", "reference")]
LIST_GPUS = "import tensorflow as tf; print('GPUS', len(tf.config.list_physical_devices('GPU')))"


def gpu_name() -> str | None:
    if shutil.which("nvidia-smi") is None or not list(Path("/dev").glob("nvidia[0-9]*")):
        return None
    found = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                           capture_output=True, text=True, check=False)
    return found.stdout.strip().splitlines()[0] if found.returncode == 0 and found.stdout.strip() else None


def gpus_inside(kind: str, workdir: Path) -> int:
    """How many GPUs TensorFlow sees in a worker sandbox of ``kind`` (the worker's own argv, another -c)."""
    argv, env, cwd = sandbox.worker_command(kind, workdir)
    at = len(argv) - 1 - argv[::-1].index("-m")  # ... python -m convlab.worker
    argv = argv[:at] + ["-c", LIST_GPUS]
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    sandbox.remove_container(argv)
    found = re.search(r"GPUS (\d+)", done.stdout)
    if not found:
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
    return int(found.group(1)) if found else 0


def grade(sandbox_args: list[str], assignment: str, student: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp)
        shutil.copy(ROOT / "nbgrader_config.py", course)
        for name in ("source", "grader_tests"):
            shutil.copytree(ROOT / name, course / name)
        shutil.copytree(ROOT / "examples" / "submissions" / student / assignment, course / "class" / student / assignment)
        convlab = [sys.executable, "-m", "convlab.cli", "--course", str(course)]
        subprocess.run([*convlab, "release", assignment], check=True, stdout=subprocess.DEVNULL)
        started = time.perf_counter()
        done = subprocess.run([*convlab, "grade", assignment, "--submissions", str(course / "class"), "--jobs", "1",
                               "--quiet", *sandbox_args], capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        results = list((course / ".convlab" / assignment / "results").glob("*.json"))
        text = results[0].read_text() if results else ""
        score = max_score = ""
        if done.returncode == 0:
            with Course(course).gradebook() as book:
                grades = [g for g in book.find_submission(assignment, student).notebooks[0].grades
                          if g.auto_score is not None]
                score = round(sum(g.auto_score for g in grades), 2)
                max_score = round(sum(g.max_score for g in grades), 2)
    accuracies = re.findall(r"accuracy of (\d+(?:\.\d+)?)%", text)
    return {"returncode": done.returncode, "seconds": round(seconds, 1), "score": score, "max_score": max_score,
            "accuracy": accuracies[-1] if accuracies else "", "stderr": done.stderr[-1000:]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-docker", action="store_true", help="check bubblewrap only")
    args = parser.parse_args()

    name = gpu_name()
    if name is None:
        print("gpu_check: no NVIDIA GPU on this machine (no nvidia-smi or /dev/nvidia*): nothing checked, "
              "nothing recorded. Run it where there is one.")
        return 2
    print(f"gpu_check: {name}")
    rows, ok = [], True
    sandboxes = [("bwrap", ["--sandbox", "bwrap"], "bwrap")]
    if not args.no_docker:
        sandboxes.append(("docker --gpus all", ["--sandbox", "docker", "--gpus", "all"],
                          f"docker+gpus:{sandbox.GPU_IMAGE}"))
    for label, options, kind in sandboxes:
        if kind == "bwrap":
            binds = sandbox._gpu_binds()
            print(f"  bwrap binds: {' '.join(binds[1::3]) or 'none'}")
            ok &= bool(binds)
        with tempfile.TemporaryDirectory() as work:
            seen = gpus_inside(kind, Path(work))
        print(f"  {label}: TensorFlow sees {seen} GPU(s) inside the sandbox")
        ok &= seen > 0
        for assignment, student in GRADED:
            result = grade(options, assignment, student)
            print(f"  {label}: {assignment} {student}: {result['score']}/{result['max_score']} points "
                  f"in {result['seconds']} s (exit {result['returncode']})")
            ok &= result["returncode"] == 0 and result["score"] == result["max_score"]
            rows.append([datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                         platform.node(), name, label, seen, assignment, student, result["seconds"],
                         result["score"], result["max_score"], result["accuracy"], result["returncode"]])
    new = not RESULTS.exists()
    with RESULTS.open("a", newline="") as out:
        writer = csv.writer(out)
        if new:
            writer.writerow(["when", "machine", "gpu", "sandbox", "gpus_seen", "assignment", "student", "seconds",
                             "score", "max_score", "accuracy_percent", "exit_code"])
        writer.writerows(rows)
    print(f"gpu_check: {'all good' if ok else 'FAILED'}; written to {RESULTS.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
