"""Grade a synthetic class with ``convlab grade`` and with ``nbgrader autograde``, side by side.

    python benchmarks/class_throughput.py                      # all four, nbgrader beside (33 min on 2 cores)
    python benchmarks/class_throughput.py --assignments 01_convolution --size 30 --growth

The class of an assignment is its example submissions (``examples/submissions/``:
the reference, the untouched release and each realistic mistake) copied round
robin up to N students (default 100 for ``01`` and ``02``, 20 for the training
assignments). ``endless_loop`` is left out: what it costs is the cell timeout
each tool is configured with (20 s and 30 s), not grading throughput.

Both tools grade the same class on this machine in the same run, each in a
fresh course: convlab with its sandbox (``--jobs``, default every core), and
nbgrader on the course as plain nbgrader grades it (``nbgrader_baseline``:
its grade cells score otter's public checks). For each it measures wall
seconds, CPU seconds (the machine's busy time during the run, from
/proc/stat: every process, sandboxed and forked workers and kernels included;
run it on an otherwise idle machine), and peak memory (the sum over the
process tree, sampled). The two must agree on which submissions pass (full
marks): a disagreement is printed with the grade cells behind it, and the
script exits 1 if the reference or the untouched release is judged
differently or convlab fails. ``--growth`` also grades 10 and 30 students (and
``--jobs 1`` at full size) so the plot shows how the cost grows, and prints the time each
added student costs. Each assignment is also graded as a class of one: a run's fixed cost
(imports, templates, shards starting), which the profile lines subtract.

For each convlab run, the floor is the hidden checks alone (:func:`floor_of`), and the
table gives the run's time over it; the profile lines split the time between the fixed
cost, the notebooks and the checks. ``--cold`` also grades with ``convlab grade
--no-template`` (every worker a fresh Python), to show what the template saves.

It also times each public check (``grader.check("q")``) of every assignment on
the reference solution, as a student's kernel runs it.

Writes ``<out>/throughput.csv``, ``<out>/public_checks.csv``, ``<out>/throughput.png``
and ``<out>/throughput.txt`` (default ``benchmarks/results/``: the table, the profile and
the targets it prints).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import nbgrader_baseline  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "submissions"
LEFT_OUT = {"endless_loop"}
DEFAULT_SIZES = {"01_convolution": 100, "02_output_shapes": 100, "03_lenet": 20, "04_transposed_conv": 20}
#: Questions whose public check trains a network (the one-second target is for the others).
TRAINING = {"train_lenet", "train_autoencoder"}


@dataclass
class Run:
    tool: str  # "convlab", "convlab --no-template" or "nbgrader autograde"
    assignment: str
    students: int
    jobs: int
    wall_s: float
    cpu_s: float
    peak_mb: float
    returncode: int
    floor_s: float | None = None  # convlab: the hidden checks alone, spread over --jobs (see floor_of)
    notebooks_s: float | None = None  # convlab: the students' notebooks, run in the workers, summed

    @property
    def per_student_s(self) -> float:
        return self.wall_s / self.students


def floor_of(course: Path, assignment: str, jobs: int) -> tuple[float, float]:
    """(floor, notebooks) of the run kept last in ``course``'s history: the floor is the time each
    student's hidden checks took once their notebook had run (their own fixtures, such as a
    training, included), summed over the class and divided by ``jobs``, the least a run could
    take if grading cost nothing but the checks; notebooks is the time their notebooks took."""
    runs = sorted((course / ".convlab" / "history" / assignment).glob("*.json"))
    if not runs:
        return float("nan"), float("nan")
    timings = [s.get("timing", {}) for s in json.loads(runs[-1].read_text())["students"].values()]
    checks = sum(t.get("checks_seconds", 0.0) for t in timings)
    return checks / jobs, sum(t.get("notebook_seconds", 0.0) for t in timings)


def examples_of(assignment: str) -> list[str]:
    return sorted(p.parent.name for p in EXAMPLES.glob(f"*/{assignment}") if p.parent.name not in LEFT_OUT)


def fill_class(folder: Path, assignment: str, size: int) -> dict[str, str]:
    """``folder/<student>/<assignment>/`` for ``size`` students; returns student → the example copied."""
    kinds = examples_of(assignment)
    students = {f"{kinds[k % len(kinds)]}-{k:03d}": kinds[k % len(kinds)] for k in range(size)}
    for student, kind in students.items():
        shutil.copytree(EXAMPLES / kind / assignment, folder / student / assignment)
    return students


class PeakMemory:
    """The largest sum of resident memory over a process and its descendants, sampled every 0.2 s."""

    def __init__(self, pid: int):
        import psutil

        self.root = psutil.Process(pid)
        self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self):
        import psutil

        while not self._done.wait(0.2):
            try:
                tree = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for process in tree:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak / 2**20


def machine_cpu_seconds() -> float:
    """CPU time the whole machine has spent busy so far (every process), from /proc/stat.

    The rusage of waited-for children misses processes reaped by others (a template's
    forks are reaped by the template, inside bubblewrap): the machine's own count does not.
    """
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


def measured(command: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float, float, int]:
    """Wall seconds, the machine's CPU seconds, peak memory of the process tree (MB), exit status."""
    cpu_before = machine_cpu_seconds()
    started = time.perf_counter()
    with open(cwd / "run.log", "w") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        memory = PeakMemory(process.pid)
        returncode = process.wait()
    wall = time.perf_counter() - started
    peak = memory.stop()
    return wall, machine_cpu_seconds() - cpu_before, peak, returncode


def grade_with_convlab(work: Path, assignment: str, size: int, jobs: int, cold: bool = False) -> tuple[Run, dict]:
    course = work / ("convlab-cold" if cold else "convlab")
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    for name in ("source", "grader_tests"):
        shutil.copytree(ROOT / name, course / name)
    fill_class(course / "submitted", assignment, size)
    env = nbgrader_baseline._environment()
    convlab = [sys.executable, "-m", "convlab.cli", "--course", str(course)]
    subprocess.run([*convlab, "release", assignment], cwd=course, env=env, check=True, capture_output=True)
    command = [*convlab, "grade", assignment, "--jobs", str(jobs), "--quiet", *(["--no-template"] if cold else [])]
    wall, cpu, peak, code = measured(command, course, env)
    tool = "convlab --no-template" if cold else "convlab"
    floor, notebooks = floor_of(course, assignment, jobs)
    return (Run(tool, assignment, size, jobs, wall, cpu, peak, code, round(floor, 2), round(notebooks, 2)),
            nbgrader_baseline.scores(course, assignment))


def grade_with_nbgrader(work: Path, assignment: str, size: int) -> tuple[Run, dict]:
    course = nbgrader_baseline.build_course(work / "nbgrader", [assignment])
    fill_class(course / "submitted", assignment, size)
    command = [str(nbgrader_baseline.BIN / "nbgrader"), "autograde", assignment, "--create"]
    wall, cpu, peak, code = measured(command, course, nbgrader_baseline._environment())
    return Run("nbgrader autograde", assignment, size, 1, wall, cpu, peak, code), nbgrader_baseline.scores(course, assignment)


def full_marks(scores: dict[str, dict[str, float]], points: dict[str, float]) -> dict[str, set[str]]:
    """Per student, the grade cells that got every point."""
    return {student: {cell for cell, got in cells.items() if got >= points[cell] - 1e-9}
            for student, cells in scores.items()}


def points_of(assignment: str) -> dict[str, float]:
    import nbformat

    notebook = next((ROOT / "source" / assignment).glob("*.ipynb"))
    cells = nbformat.read(notebook, as_version=4).cells
    return {c.metadata.nbgrader["grade_id"]: float(c.metadata.nbgrader["points"]) for c in cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}


def agreement(assignment: str, convlab: dict, nbgrader: dict) -> tuple[list[str], bool]:
    """Lines naming each example the tools judge differently, and whether a control is among them."""
    points = points_of(assignment)
    ours, theirs = full_marks(convlab, points), full_marks(nbgrader, points)
    lines, controls_differ = [], False
    seen = set()
    for student in sorted(set(ours) | set(theirs)):
        kind = student.rsplit("-", 1)[0]
        a, b = ours.get(student, set()), theirs.get(student, set())
        passes_a, passes_b = a == set(points), b == set(points)
        if passes_a != passes_b or (kind in ("reference", "untouched") and a != b):
            controls_differ |= kind in ("reference", "untouched")
            if kind not in seen:
                seen.add(kind)
                lines.append(f"  {assignment} {kind}: convlab {'passes' if passes_a else 'fails'}, "
                             f"nbgrader {'passes' if passes_b else 'fails'}; full marks only in convlab: "
                             f"{sorted(a - b) or '-'}, only in nbgrader: {sorted(b - a) or '-'}")
    return lines, controls_differ


PUBLIC_CHECK_TIMER = r"""
import json, re, sys, time, nbformat
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
check = re.compile(r'^grader\.check\("(\w+)"\)$')
times = {}
for cell in nbformat.read(sys.argv[1], as_version=4).cells:
    if cell.cell_type != "code":
        continue
    started = time.perf_counter()
    result = shell.run_cell(cell.source)
    match = check.match(cell.source.strip())
    if match:
        times[match.group(1)] = (time.perf_counter() - started, result.success)
print(json.dumps(times))
"""


def public_check_seconds(assignment: str) -> dict[str, tuple[float, bool]]:
    """Each ``grader.check("q")`` of the reference (the source notebook) timed in one Python, as a kernel runs them."""
    notebook = next((ROOT / "source" / assignment).glob("*.ipynb"))
    env = dict(os.environ, MPLBACKEND="Agg")
    out = subprocess.run([sys.executable, "-c", PUBLIC_CHECK_TIMER, str(notebook)], cwd=notebook.parent,
                         env=env, capture_output=True, text=True, check=True)
    return {q: tuple(v) for q, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}


def plot(runs: list[Run], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.2, 4.6))
    for assignment, tool, jobs in sorted({(r.assignment, r.tool, r.jobs) for r in runs}):
        points = sorted((r.students, r.wall_s) for r in runs if (r.assignment, r.tool, r.jobs) == (assignment, tool, jobs))
        if len(points) >= 2:
            ax.plot(*zip(*points), marker="o", label=f"{label(tool, jobs)} ({assignment})")
    ax.set_xlabel("students in the class")
    ax.set_ylabel("wall seconds to grade them")
    ax.set_title(f"Grading time against class size ({os.cpu_count()} cores)")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def label(tool: str, jobs: int) -> str:
    return tool if tool.startswith("nbgrader") else f"{tool} --jobs {jobs}"


def profile(runs: list[Run], fixed: dict[str, Run]) -> list[str]:
    """Where each convlab run's time went: its fixed cost (a class of one, graded on its own),
    the students' notebooks and their checks (summed over the workers and shards), and the rest:
    preparing, recording and feedback in the grading process, beside the shards."""
    lines = []
    for r in runs:
        if r.tool != "convlab" or r.floor_s is None or r.students == 1:
            continue
        one = fixed.get(r.assignment)
        lines.append(f"  {r.assignment}, {r.students} students, --jobs {r.jobs}: {r.wall_s:.1f} s wall = "
                     + (f"fixed cost {one.wall_s:.1f} s (a class of one) + " if one else "")
                     + f"{(r.wall_s - (one.wall_s if one else 0)) / r.students:.2f} s a student; in the shards, "
                     f"notebooks {r.notebooks_s:.1f} s and checks {r.floor_s * r.jobs:.1f} s summed "
                     f"({r.notebooks_s / r.students:.2f} s and {r.floor_s * r.jobs / r.students:.2f} s a student); "
                     f"{r.cpu_s:.0f} CPU s in all")
    return lines


def table(runs: list[Run]) -> str:
    from rich.console import Console
    from rich.table import Table

    out = Table(title=f"convlab grade vs nbgrader autograde ({os.cpu_count()} cores)")
    for column in ("assignment", "tool", "students", "wall s", "s / student", "CPU s", "peak MB",
                   "MB / job", "floor s", "this / floor", "nbgrader / this"):
        out.add_column(column, justify="left" if column in ("assignment", "tool") else "right")
    baseline = {(r.assignment, r.students): r for r in runs if r.tool.startswith("nbgrader")}
    for r in runs:
        other = baseline.get((r.assignment, r.students))
        ratio = f"{other.wall_s / r.wall_s:.2f}x" if other and other is not r else ""
        tool = label(r.tool, r.jobs) + ("" if r.returncode == 0 else f" (exit {r.returncode})")
        floor = f"{r.floor_s:.1f}" if r.floor_s else ""
        out.add_row(r.assignment, tool, str(r.students), f"{r.wall_s:.1f}", f"{r.per_student_s:.2f}",
                    f"{r.cpu_s:.1f}", f"{r.peak_mb:.0f}", f"{r.peak_mb / r.jobs:.0f}", floor,
                    f"{r.wall_s / r.floor_s:.2f}x" if r.floor_s else "", ratio)
    console = Console(width=180, file=io.StringIO())
    console.print(out)
    return console.file.getvalue()


#: The throughput targets (issue 17): wall-time ratio nbgrader / convlab per assignment, at its default size.
RATIO_TARGETS = {"01_convolution": 10.0, "02_output_shapes": 10.0, "03_lenet": 5.0, "04_transposed_conv": 5.0}
#: convlab's wall time over the floor (the hidden checks alone) that a run should stay under.
FLOOR_TARGET = 2.0
#: Peak memory of the whole run (MB, resident memory summed over its processes) at --jobs 2.
MEMORY_TARGETS = {"01_convolution": 1000, "02_output_shapes": 1000}


def targets(runs: list[Run], jobs: int, public: list[dict]) -> list[str]:
    """One line per target: MET or NOT MET, with the figure behind it."""
    lines = []
    find = {(r.assignment, r.tool, r.students, r.jobs): r for r in runs}
    for assignment, target in RATIO_TARGETS.items():
        size = DEFAULT_SIZES[assignment]
        ours, theirs = find.get((assignment, "convlab", size, jobs)), find.get((assignment, "nbgrader autograde", size, 1))
        if ours and theirs:
            ratio = theirs.wall_s / ours.wall_s
            lines.append(f"{'MET    ' if ratio >= target else 'NOT MET'} {assignment}, {size} students: convlab "
                         f"{ratio:.2f}x faster than nbgrader autograde (target {target:g}x)")
        if ours and ours.floor_s:
            over = ours.wall_s / ours.floor_s
            lines.append(f"{'MET    ' if over <= FLOOR_TARGET else 'NOT MET'} {assignment}, {size} students: "
                         f"{over:.2f}x the floor (the hidden checks alone, {ours.floor_s:.1f} s; aim "
                         f"{FLOOR_TARGET:g}x)")
        if ours and assignment in MEMORY_TARGETS and jobs == 2:
            limit = MEMORY_TARGETS[assignment]
            lines.append(f"{'MET    ' if ours.peak_mb < limit else 'NOT MET'} {assignment}, {size} students, "
                         f"--jobs 2: peak {ours.peak_mb:.0f} MB (target under {limit} MB)")
    if public:
        slow = [r for r in public if not r["trains"] and r["seconds"] >= 1.0]
        slowest = max((r for r in public if not r["trains"]), key=lambda r: r["seconds"])
        lines.append(f"{'NOT MET' if slow else 'MET    '} public checks without training under 1 s: slowest "
                     f"{slowest['assignment']} {slowest['question']} {slowest['seconds']:.2f} s"
                     + "".join(f"; {r['assignment']} {r['question']} {r['seconds']:.2f} s" for r in slow))
    for assignment in sorted({r.assignment for r in runs}):
        for tool in ("convlab", "nbgrader autograde"):
            points = sorted((r.students, r.wall_s) for r in runs if (r.assignment, r.tool) == (assignment, tool)
                            and r.jobs == (1 if tool.startswith("nbgrader") else jobs) and r.students > 1)
            if len(points) >= 3:
                costs = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(points, points[1:])]
                linear = max(costs) <= 1.25 * min(costs)
                lines.append(f"{'MET    ' if linear or tool != 'convlab' else 'NOT MET'} {tool} grows linearly "
                             f"({assignment}): each added student costs "
                             + ", ".join(f"{c:.2f} s ({a[0]}->{b[0]})" for c, a, b in zip(costs, points, points[1:])))
        full = find.get((assignment, "convlab", DEFAULT_SIZES.get(assignment, 20), jobs))
        if full:
            # The grading process and the feedback pool work beside the shards, so --jobs 1 already
            # keeps more than one core busy: what --jobs N must do is keep N busy.
            busy = full.cpu_s / (full.wall_s * jobs)
            one = find.get((assignment, "convlab", full.students, 1))
            versus = f"; {one.wall_s / full.wall_s:.2f}x the speed of --jobs 1" if one and jobs > 1 else ""
            lines.append(f"{'MET    ' if busy >= 0.8 else 'NOT MET'} --jobs {jobs} uses its cores ({assignment}, "
                         f"{full.students} students): {busy:.0%} of {jobs} cores busy over the run{versus} "
                         "(target 80%)")
    return lines


def time_public_checks(assignments: list[str], out: Path) -> list[dict]:
    rows = []
    for assignment in assignments:
        for question, (seconds, ok) in public_check_seconds(assignment).items():
            rows.append({"assignment": assignment, "question": question, "seconds": round(seconds, 3),
                         "passed_on_reference": ok, "trains": question in TRAINING})
    with (out / "public_checks.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignments", nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--size", type=int, help="students per assignment (default: 100, or 20 for 03 and 04)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--growth", action="store_true",
                        help="also grade 10 and 30 students of the first assignment, and all with --jobs 1")
    parser.add_argument("--cold", action="store_true", help="also grade with convlab grade --no-template")
    parser.add_argument("--no-public-checks", action="store_true", help="skip timing the public checks")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    plan = [(a, args.size or DEFAULT_SIZES.get(a, 20), args.jobs) for a in args.assignments]
    if args.growth:
        first, size = plan[0][0], plan[0][1]
        plan[1:1] = [(first, n, args.jobs) for n in (10, 30) if n < size] + [(first, size, 1)]
    runs, disagreements, broken = [], [], False
    fixed = {}  # assignment -> convlab grading a class of one: the run's fixed cost
    for assignment in args.assignments:
        with tempfile.TemporaryDirectory(prefix="convlab-fixed-") as tmp:
            fixed[assignment], _ = grade_with_convlab(Path(tmp), assignment, 1, args.jobs)
        print(f"{assignment}: convlab, a class of one: {fixed[assignment].wall_s:.1f} s", file=sys.stderr)
        runs.append(fixed[assignment])
    for assignment, size, jobs in plan:
        with tempfile.TemporaryDirectory(prefix="convlab-throughput-") as tmp:
            for cold in ([False, True] if args.cold and jobs == args.jobs else [False]):
                ours, our_scores = grade_with_convlab(Path(tmp), assignment, size, jobs, cold)
                print(f"{assignment}: {label(ours.tool, jobs)}, {size} students: {ours.wall_s:.1f} s", file=sys.stderr)
                runs.append(ours)
                broken |= ours.returncode != 0
                if not cold:
                    convlab_scores = our_scores
            if jobs != args.jobs:  # the --jobs 1 point is compared with the same nbgrader run
                continue
            theirs, their_scores = grade_with_nbgrader(Path(tmp), assignment, size)
            print(f"{assignment}: nbgrader autograde, {size} students: {theirs.wall_s:.1f} s", file=sys.stderr)
            runs.append(theirs)
            lines, controls = agreement(assignment, convlab_scores, their_scores)
            disagreements += [line for line in lines if line not in disagreements]
            broken |= controls  # nbgrader exits 1 when any submission failed: that is not broken

    with (args.out / "throughput.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*asdict(runs[0]), "per_student_s"])
        writer.writeheader()
        writer.writerows({**asdict(r), "per_student_s": round(r.per_student_s, 3)} for r in runs)
    plot(runs, args.out / "throughput.png")
    public = [] if args.no_public_checks else time_public_checks(args.assignments, args.out)
    report = "\n".join([
        table(runs).rstrip("\n"),
        "Where the two tools disagree on which submissions pass (full marks):",
        "\n".join(disagreements) or "  nowhere",
        "Profile (convlab):", *profile(runs, fixed),
        "Targets:", *(f"  {line}" for line in targets(runs, args.jobs, public))])
    print(report)
    (args.out / "throughput.txt").write_text(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores\n{report}\n")
    print(f"Wrote {args.out}/throughput.csv, throughput.txt, throughput.png"
          + ("" if args.no_public_checks else ", public_checks.csv"))
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
