"""What grading through Dask costs: a class through 2 local Dask workers against ``--jobs 2``.

    python benchmarks/cluster_overhead.py                    # 200 students of 01, each way twice (about 12 min on 2 cores)
    python benchmarks/cluster_overhead.py --size 40 --repeat 1

The class is ``01_convolution``'s example submissions copied round robin
(``class_throughput.fill_class``: ``endless_loop`` left out). It is graded in
one released course, alternately with ``convlab grade --jobs 2`` and with
``convlab grade --cluster`` on a Dask cluster of this machine (a scheduler and
two one-thread workers, ``distributed.LocalCluster``, the same processes
``dask scheduler`` and ``dask worker`` start), each run from a fresh journal and
gradebook. It measures:

- the wall time of each run, and the overhead of the cluster as a ratio of the
  medians (the aim: under 15%);
- the bytes the grading process shipped to the workers and got back (payloads:
  the tars of hidden checks and students, the results), per student, and every
  byte that crossed the loopback interface during the run (Dask's own messages
  and heartbeats included);
- the per-student costs a larger class is modelled from: the CPU seconds of
  the grading process's tree per student (prepare, record, feedback: the part
  that stays on one machine), a student's seconds in a worker, and a shard's
  start; then the time of a class of 5,000 against the number of workers
  (one core each), as ``cluster_model.csv`` and ``cluster_model.png``.

Writes ``<out>/cluster_overhead.csv`` (the runs), ``cluster_model.csv`` and
``cluster_model.png`` (default ``benchmarks/results/``) and prints the tables.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from class_throughput import fill_class  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "01_convolution"
MODEL_CLASS = 5000
SEED = "18"  # every run draws the same inputs, so their grades must agree
MODEL_WORKERS = [1, 2, 4, 8, 16, 32, 64, 128, 256]
SHIPPED = re.compile(r"cluster: shipped (\d+) bytes to the workers and got (\d+) back")
SHARD = re.compile(r"# shard \d+ ran on .* in ([\d.]+) s")


def loopback_bytes() -> int:
    import psutil

    counters = psutil.net_io_counters(pernic=True).get("lo")
    return counters.bytes_sent if counters else 0


def grade(course: Path, submissions: Path, *extra: str) -> dict:
    """One run from a fresh journal and gradebook: wall seconds, CPU of the grading process's tree, loopback bytes."""
    shutil.rmtree(course / ".convlab", ignore_errors=True)
    shutil.rmtree(course / "autograded", ignore_errors=True)
    shutil.rmtree(course / "feedback", ignore_errors=True)
    (course / "gradebook.db").unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "convlab.cli", "--course", str(course), "release", ASSIGNMENT],
                   check=True, capture_output=True)
    command = [sys.executable, "-m", "convlab.cli", "--course", str(course), "grade", ASSIGNMENT, "--submissions",
               str(submissions), "--jobs", "2", "--quiet", "--seed", SEED, *extra]
    wire = loopback_bytes()
    started = time.perf_counter()
    with open(course / "run.log", "w") as log:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    text = (course / "run.log").read_text()
    if process.returncode != 0:
        raise SystemExit(f"convlab grade {' '.join(extra)} failed:\n{text[-3000:]}")
    results = [json.loads(p.read_text()) for p in (course / ".convlab" / ASSIGNMENT / "results").glob("*.json")]
    shards = [float(m.group(1)) for log in (course / ".convlab" / ASSIGNMENT).glob("shard-*.log")
              for m in [SHARD.search(log.read_text().split("\n", 1)[0])] if m]
    shipped = SHIPPED.search(text)
    return {"wall_s": wall, "grader_cpu_s": usage.ru_utime + usage.ru_stime, "loopback_bytes": loopback_bytes() - wire,
            "sent_bytes": int(shipped.group(1)) if shipped else 0, "received_bytes": int(shipped.group(2)) if shipped else 0,
            "students": len(results), "shards": len(shards), "shard_seconds": sum(shards),
            "student_seconds": sum(r["timing"]["notebook_seconds"] + r["timing"]["checks_seconds"] for r in results),
            "scores": {p.stem: json.loads(p.read_text())["grade"]["scores"]
                       for p in (course / ".convlab" / ASSIGNMENT / "recorded").glob("*.json")}}


def model(per_student_s: float, shard_start_s: float, grader_s: float, startup_s: float) -> list[dict]:
    """Minutes for MODEL_CLASS students against workers: the workers' part shrinks with their number,
    the grading process's (prepare, record, feedback, on its one machine) does not."""
    from convlab.cluster import shard_size

    rows = []
    for workers in MODEL_WORKERS:
        shards = math.ceil(MODEL_CLASS / shard_size(MODEL_CLASS, workers))
        on_workers = (MODEL_CLASS * per_student_s + shards * shard_start_s) / workers
        on_grader = MODEL_CLASS * grader_s
        rows.append({"workers": workers, "shards": shards, "workers_min": round(on_workers / 60, 1),
                     "grader_min": round(on_grader / 60, 1),
                     "total_min": round((startup_s + max(on_workers, on_grader)) / 60, 1),
                     "bound_by": "workers" if on_workers >= on_grader else "grading process"})
    return rows


def plot(rows: list[dict], path: Path, note: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.2))
    workers = [r["workers"] for r in rows]
    axes.plot(workers, [r["total_min"] for r in rows], "o-", label="modelled wall time")
    axes.plot(workers, [r["workers_min"] for r in rows], "--", label="workers' part (shrinks with workers)")
    axes.plot(workers, [r["grader_min"] for r in rows], ":", label="grading process's part (one machine)")
    axes.set_xscale("log", base=2)
    axes.set_yscale("log")
    axes.set_xlabel("Dask workers (one core each)")
    axes.set_ylabel("minutes")
    axes.set_title(f"convlab grade --cluster, {MODEL_CLASS:,} students of {ASSIGNMENT} (model)")
    axes.text(0.01, 0.02, note, transform=axes.transAxes, fontsize=7)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=2, help="runs each way, alternated")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    from distributed import LocalCluster

    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "course"
        course.mkdir()
        shutil.copy(ROOT / "nbgrader_config.py", course)
        for name in ("source", "grader_tests"):
            shutil.copytree(ROOT / name, course / name)
        submissions = Path(tmp) / "class"
        fill_class(submissions, ASSIGNMENT, args.size)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, local_directory=str(Path(tmp) / "dask")) as cluster:
            for k in range(args.repeat):
                for way, extra in (("--jobs 2", ()), ("--cluster, 2 workers", ("--cluster", cluster.scheduler_address))):
                    run = grade(course, submissions, *extra)
                    run["way"], run["round"] = way, k
                    runs.append(run)
                    print(f"{way:22s} round {k}: {run['wall_s']:.1f} s, grading process {run['grader_cpu_s']:.1f} CPU s, "
                          f"{run['shards']} shards", flush=True)
    local = [r for r in runs if r["way"] == "--jobs 2"]
    dask = [r for r in runs if r["way"] != "--jobs 2"]
    overhead = statistics.median(r["wall_s"] for r in dask) / statistics.median(r["wall_s"] for r in local) - 1
    students = dask[0]["students"]
    payload = statistics.median((r["sent_bytes"] + r["received_bytes"]) / students for r in dask)
    wire = statistics.median(r["loopback_bytes"] / students for r in dask)
    wire_local = statistics.median(r["loopback_bytes"] / students for r in local)
    per_student = statistics.median(r["student_seconds"] / students for r in dask)
    shard_start = statistics.median((r["shard_seconds"] - r["student_seconds"]) / r["shards"] for r in dask)
    grader = statistics.median(r["grader_cpu_s"] / students for r in dask)
    startup = max(0.0, statistics.median(r["wall_s"] - (r["shard_seconds"] / 2) for r in dask))

    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "cluster_overhead.csv").open("w", newline="") as out:
        fields = ["way", "round", "students", "wall_s", "grader_cpu_s", "shards", "shard_seconds", "student_seconds",
                  "sent_bytes", "received_bytes", "loopback_bytes"]
        writer = csv.DictWriter(out, fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(runs)
    rows = model(per_student, shard_start, grader, startup)
    with (args.out / "cluster_model.csv").open("w", newline="") as out:
        writer = csv.DictWriter(out, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    note = (f"from a {students}-student run: {per_student:.2f} s a student in a worker, {shard_start:.1f} s a shard's "
            f"start, {grader:.3f} CPU s a student in the grading process")
    plot(rows, args.out / "cluster_model.png", note)

    disagree = sorted({sid for r in runs for sid, scores in r["scores"].items() if local[0]["scores"].get(sid) != scores})
    print(f"\n{students} students of {ASSIGNMENT}, {args.repeat} run(s) each way on {os.cpu_count()} cores; "
          f"{'every run gave the same grades' if not disagree else f'GRADES DIFFER for {disagree}'}")
    print("| way | wall (median) |")
    print("| --- | --- |")
    print(f"| `--jobs 2` | {statistics.median(r['wall_s'] for r in local):.1f} s |")
    print(f"| `--cluster`, 2 local workers | {statistics.median(r['wall_s'] for r in dask):.1f} s |")
    print(f"\noverhead of the cluster: {overhead * 100:+.1f}% ({'MET' if overhead < 0.15 else 'NOT MET'}: aim under 15%)")
    print(f"shipped per student: {payload / 1024:.1f} KiB of payload (there and back); {wire / 1024:.1f} KiB crossed "
          f"the loopback during a cluster run ({wire_local / 1024:.1f} KiB during a local one)")
    print(f"model inputs: {note}; startup {startup:.1f} s")
    print(f"\n{MODEL_CLASS:,} students (model):")
    print("| workers | shards | workers' part | grading process's part | total | bound by |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['workers']} | {r['shards']} | {r['workers_min']} min | {r['grader_min']} min | "
              f"{r['total_min']} min | {r['bound_by']} |")


if __name__ == "__main__":
    main()
