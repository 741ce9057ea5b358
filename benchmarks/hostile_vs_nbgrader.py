"""What nbgrader's autograde and convlab each do with the hostile corpus (tests/hostile/): the table in its README.

    python benchmarks/hostile_vs_nbgrader.py            # every column; writes tests/hostile/README.md (about an hour)
    python benchmarks/hostile_vs_nbgrader.py --columns docker   # measures docker again, keeps the rest
    python benchmarks/hostile_vs_nbgrader.py --only fork_bomb patch_numpy --print

Each submission of the corpus is graded four ways, beside the example
reference (whose grade an attack must not touch). Each way is a column of the
table, kept with the date it was measured in benchmarks/results/hostile.json, so
that one column can be measured again (after a change to one sandbox) without
the hour the others take:

* ``nbgrader autograde`` on the course as nbgrader grades it
  (:mod:`nbgrader_baseline`), one fresh course per submission. nbgrader runs it
  unsandboxed; here it runs in a mount namespace as a uid of its own under
  ``prlimit --nproc=1024 --as=8G``, so that the fork and memory bombs cannot take
  the measuring machine down and nothing it writes reaches this machine's users.
  Everything else (network, /proc, the course, the grader's environment) is as
  nbgrader leaves it.
* ``convlab grade`` with the bubblewrap sandbox, the whole corpus as one class.
* ``convlab grade --sandbox docker``, the same class in containers of the image
  ``make images`` builds.
* ``convlab grade --sandbox none``, the unisolated fallback, one course per
  submission as for nbgrader; the fork bomb is not run there when grading as
  root, since nothing limits root's processes.

For every run the script looks at what a user would: the gradebook (points,
extra credit, the reference's points), what the attack printed it found, files
it left in the grader's home, /tmp or the course, connections to a listener on
loopback, and processes left running.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import nbgrader_baseline  # noqa: E402
from hostile import cases  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = cases.ASSIGNMENT
TOTAL = sum(cases.POINTS.values())
SECRET = {"CONVLAB_HOSTILE_SECRET": "grades-are-private"}
RESULTS = ROOT / "benchmarks" / "results" / "hostile.json"
#: The table's columns: what each measures, in the order the table shows them.
COLUMNS = {"nbgrader": "nbgrader autograde", "bwrap": "convlab (bwrap)", "docker": "convlab (docker)",
           "none": "convlab `--sandbox none`"}
#: Seconds an nbgrader run on one submission and the reference may take (they take about 30).
NBGRADER_TIMEOUT = 600


def place(submitted: Path, name: str) -> None:
    """Copy one corpus case (or control) into an nbgrader ``submitted/`` folder."""
    if name == cases.HUGE.name:
        cases.build_huge_notebook(submitted / name / ASSIGNMENT)
        return
    source = cases.EXAMPLES / name if name in cases.CONTROLS else cases.SUBMISSIONS / name
    shutil.copytree(source, submitted / name, symlinks=True)


def found_lines(notebook_path: Path) -> list[str]:
    """What the attack printed as ``found: [...]``, merged."""
    try:
        notebook = nbformat.read(notebook_path, as_version=4)
    except Exception:
        return []
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            for line in str(output.get("text", "")).splitlines():
                if line.startswith("found: "):
                    try:
                        found += json.loads(line.removeprefix("found: "))
                    except ValueError:
                        found.append(line)
    return found


def side_effects(course: Path, home: Path, listener: cases.Listener) -> list[str]:
    """Traces of an attack outside its submission, cleaned up once noted."""
    notes = []
    if Path(cases.TMP_MARK).exists():
        notes.append("wrote in the grader's /tmp")
        Path(cases.TMP_MARK).unlink()
    for path in [*home.rglob("*"), course / "nbgrader_config.py", *(course / "grader_tests").rglob("*.py")]:
        if path.is_file() and cases.WRITE_MARK.encode() in path.read_bytes():
            notes.append(f"wrote {path.relative_to(course) if path.is_relative_to(course) else path.name}")
    if listener.take():
        notes.append("reached a server on loopback")
    # the orphans' sleeps, and the forked daemon, which keeps the worker's command line
    left = f"sleep {cases.ORPHAN_MARK}|convlab[.]worker"
    found = subprocess.run(["pgrep", "-f", left], capture_output=True, text=True).stdout.split()
    if found:
        notes.append(f"left {len(found)} processes running")
        subprocess.run(["pkill", "-9", "-f", left], check=False)
    return notes


def honest_points(name: str, partly: bool = False) -> float:
    """The points a submission's own work earns for sure; with ``partly``, at most (its partly
    right cells counted in full)."""
    case = next((c for c in [*cases.CASES, cases.HUGE] if c.name == name), None)
    earned = case.earned | (case.partial if partly else frozenset()) if case else cases.CONTROLS[name]
    return sum(points for grade_id, points in cases.POINTS.items() if grade_id in earned)


def describe(name: str, scores: dict | None, found: list, others: dict, notes: list[str], problem: str = "") -> str:
    """One cell of the table: the points, and what else happened."""
    if scores is None:
        return f"not graded{': ' + problem if problem else ''}"
    total = round(sum(scores.values()), 2)
    parts = [f"{total:g}/{TOTAL}"]
    extra = list(notes)
    case = next((c for c in [*cases.CASES, cases.HUGE] if c.name == name), None)
    if case and case.policy:
        pass  # its outcome is a rule of convlab's, not the points of its work
    elif total < honest_points(name):
        extra.append("lost points it earned")
    elif total > honest_points(name, partly=True):
        extra.append("gained points it did not earn")
    if found:
        extra.append(f"found {len(found)}: " + ", ".join(sorted({Path(str(f)).name for f in found})[:3]))
    for student, points in others.items():
        if round(sum(points.values()), 2) != TOTAL:
            extra.append(f"{student} lost points ({round(sum(points.values()), 2):g}/{TOTAL})")
    return parts[0] + (f" ({'; '.join(extra)})" if extra else "")


# ---- nbgrader ------------------------------------------------------------------------------
def nbgrader_case(name: str, base: Path, work: Path, listener: cases.Listener) -> str:
    """nbgrader autograde on one submission and the reference, in a fresh copy of the nbgrader course."""
    course = work / name
    shutil.copytree(base, course, symlinks=True)
    for student in (name, "reference"):
        place(course / "submitted", student)
    done = nbgrader_baseline.autograde(course, ASSIGNMENT, confined=True, timeout=NBGRADER_TIMEOUT, extra_env=SECRET)
    problem = "" if done.process.returncode == 0 else f"nbgrader exited with {done.process.returncode}"
    notes = side_effects(course, course / ".home", listener)
    if done.timed_out:
        notes.insert(0, f"nbgrader hung: killed after {NBGRADER_TIMEOUT} s")
    if done.left_running:
        notes.append(f"left {done.left_running} processes running")
    try:
        graded = nbgrader_baseline.scores(course, ASSIGNMENT)
    except Exception as error:  # the attack may have broken the gradebook itself
        return f"gradebook unreadable ({type(error).__name__})"
    if "reference" not in graded:
        notes.append("the reference was not graded")
    found = found_lines(course / "autograded" / name / ASSIGNMENT / cases.NOTEBOOK)
    others = {"reference": graded["reference"]} if "reference" in graded else {}
    return describe(name, graded.get(name), found, others, notes, problem)


# ---- convlab -------------------------------------------------------------------------------
def convlab_course(folder: Path) -> Path:
    """A released copy of the course, to grade with convlab."""
    folder.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    for name in ("source", "grader_tests"):
        shutil.copytree(ROOT / name, folder / name)
    subprocess.run([*_cli(folder), "release", ASSIGNMENT], check=True, capture_output=True)
    return folder


def _cli(course: Path) -> list[str]:
    return [sys.executable, "-m", "convlab.cli", "--course", str(course)]


def convlab_grade(course: Path, names: list[str], sandbox_kind: str, listener: cases.Listener,
                  one_case: bool) -> dict[str, str]:
    """``convlab grade`` on ``names`` and the reference in ``course``; one table cell each.

    With ``one_case``, what the run did outside the submissions is the case's; in a class run
    it is noted for the class."""
    for name in [*names, "reference"]:
        place(course / "submitted", name)
    home = course / ".home"
    home.mkdir()
    done = subprocess.run([*_cli(course), "grade", ASSIGNMENT, "--sandbox", sandbox_kind, "--jobs", "2", "--quiet"],
                          capture_output=True, text=True, env={**os.environ, "HOME": str(home), **SECRET},
                          timeout=3600)
    notes = side_effects(course, home, listener)
    graded = nbgrader_baseline.scores(course, ASSIGNMENT)
    problem = "" if done.returncode == 0 else done.stderr[-200:]
    results = {}
    for name in names:
        found = found_lines(course / "autograded" / name / ASSIGNMENT / cases.NOTEBOOK)
        others = {"reference": graded["reference"]} if one_case and "reference" in graded else {}
        results[name] = describe(name, graded.get(name), found, others, notes if one_case else [], problem)
    if not one_case:
        results["(whole class)"] = describe("reference", graded.get("reference"), [], {}, notes)
    return results


TEMPLATE = """# The hostile corpus

{count} submissions of `01_convolution` that attack the grader or break, written as students write
them, each with the outcome it must get (`cases.py`; `submissions/` is what it builds, and
`python tests/hostile/cases.py` rebuilds it). `tests/test_hostile.py` grades them all in one class
with the real `convlab grade`, once with the bubblewrap sandbox and once in docker containers, beside
the example reference and the untouched release, and holds each to its outcome; `tests/test_interrupted_runs.py` covers faults of
the grader's own run (SIGKILL, a full disk, a read-only `autograded/`, two runs at once).

## What nbgrader and convlab do with each

Measured on the 2-core CI machine by `python benchmarks/hostile_vs_nbgrader.py`, which wrote this
page ({dates}). Points are out of {total}; "honest" is what the submission's own work earns.
nbgrader grades the course as an nbgrader instructor would write it: each grade cell reports the
points of the same public otter checks (`benchmarks/nbgrader_baseline.py`), in a Jupyter kernel,
with nbgrader's defaults, one course per submission with the example reference beside it. It ran
as a uid of its own under `prlimit --nproc=1024 --as=8G`, so that the fork and memory bombs could
not take the machine down: nbgrader itself sets no such limit. The unisolated fallback,
`convlab grade --sandbox none`, ran the same way, as root. Docker ran the image `make images` built
(network none, read-only, no capabilities, uid 65534, docker's memory, process and file limits). In parentheses: what else happened (what
the attack printed that it found, files it wrote outside its folder, connections, processes left
running, the reference's grade changed, points gained or lost against the honest ones).

| submission | attack | honest | {headers} |
| --- | --- | --- |{rules}
{rows}

With bwrap and with docker the corpus is graded as one class, beside the reference, which scored
{bwrap_class} under bwrap and {docker_class} under docker.

## What the fallback cannot stop

Without bubblewrap or docker, `convlab grade` runs each notebook in a plain subprocess with resource
limits (memory, CPU time, file size, open files; processes too, when the grader is not root) and
says on every run that it is not isolated. The grades stay right wherever the grade itself is what
an attack targets, since convlab computes it outside the student's process in every mode: patched
comparisons, liars, edited or duplicated grade cells, forged output, exits and crashes cost the
student exactly as under bwrap (the last column). What the student's process can reach, it
reaches, as it does under nbgrader: run as root, as measured here, the fallback let the attacks read
the hidden checks and the instructor's notebooks, copy another student's answers (and score them),
read the grader's processes, reach the network, write `nbgrader_config.py`, the hidden checks'
`conftest.py` and `/tmp` (which would change later runs), and leave processes running. The
gradebook was open to it too (its UPDATE went through); the grades above are right only because
convlab records the scores after the checks, so there was nothing yet to change. The fork bomb was not run there:
nothing limits root's processes. Use the fallback to try the grader, never to grade a class.

"found" is what the attack printed; under bwrap and docker the file `write_outside` found is the one
it wrote in the sandbox's own `/tmp`, which goes with the sandbox.
"""


def measure(column: str, names: list[str], work: Path, listener: cases.Listener) -> dict[str, str]:
    """One column of the table: each case's cell (and "(whole class)" for a class run)."""
    cells = {}
    if column == "nbgrader":
        base = nbgrader_baseline.build_course(work / "nbgrader-course", [ASSIGNMENT])
        for name in names:
            cells[name] = nbgrader_case(name, base, work, listener)
            print(f"nbgrader  {name}: {cells[name]}", flush=True)
        return cells
    base = work / "convlab-course"
    if not base.exists():
        convlab_course(base)
    if column in ("bwrap", "docker"):
        cells = convlab_grade(shutil.copytree(base, work / f"convlab-{column}"), names, column, listener, False)
        print(f"{column:<9} " + "\n          ".join(f"{name}: {cell}" for name, cell in cells.items()), flush=True)
        return cells
    for name in names:
        if name == "fork_bomb" and os.geteuid() == 0:
            continue
        course = shutil.copytree(base, work / f"convlab-none-{name}")
        cells.update(convlab_grade(course, [name], "none", listener, True))
        print(f"fallback  {name}: {cells[name]}", flush=True)
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="these cases only (prints the table, stores nothing)")
    parser.add_argument("--columns", nargs="*", choices=list(COLUMNS), default=list(COLUMNS),
                        help="measure these columns again; the others come from " + str(RESULTS.relative_to(ROOT)))
    parser.add_argument("--print", action="store_true", help="print the table instead of writing the README")
    args = parser.parse_args()
    chosen = [c for c in [*cases.CASES, cases.HUGE] if not args.only or c.name in args.only]
    names = [c.name for c in chosen]
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    today = subprocess.run(["date", "-u", "+%Y-%m-%d"], capture_output=True, text=True).stdout.strip()
    listener = cases.Listener()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)  # the uid nbgrader runs as must reach its course
        measured = {column: {"date": today, "cells": measure(column, names, work, listener)}
                    for column in args.columns}
    listener.close()
    if not args.only:
        RESULTS.write_text(json.dumps({**stored, **measured}, indent=1, sort_keys=True) + "\n")
    table = {**stored, **measured}
    missing = [column for column in COLUMNS if column not in table]
    if missing:
        raise SystemExit(f"no measurement of {missing} yet: run with --columns {' '.join(missing)}")
    rows = []
    for case in chosen:
        honest_text = f"{honest_points(case.name):g}" + (" and part of " + ", ".join(sorted(case.partial)) if case.partial else "")
        if case.policy:
            honest_text += f" ({case.policy})"
        cells = [table[column]["cells"].get(case.name, "not measured") for column in COLUMNS]
        if case.name == "fork_bomb" and "fork_bomb" not in table["none"]["cells"]:
            cells[-1] = "not run (root: no process limit)"
        rows.append(f"| `{case.name}` | {case.attack} | {honest_text} | " + " | ".join(cells) + " |")
    dates = ", ".join(f"{title} on {table[column]['date']}" for column, title in COLUMNS.items())
    text = TEMPLATE.format(count=len(cases.CASES) + 1, dates=dates, total=TOTAL, rows="\n".join(rows),
                           headers=" | ".join(COLUMNS.values()), rules=" --- |" * len(COLUMNS),
                           bwrap_class=table["bwrap"]["cells"].get("(whole class)", "not measured"),
                           docker_class=table["docker"]["cells"].get("(whole class)", "not measured"))
    if args.print or args.only:
        print(text)
    else:
        (cases.HERE / "README.md").write_text(text)
        print(f"wrote {(cases.HERE / 'README.md').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
