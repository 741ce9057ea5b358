"""The hostile corpus (tests/hostile/) graded by the real ``convlab grade``, beside honest students,
once in bubblewrap and once in docker containers (the image of conftest's ``docker_image``).

One class run holds every attack and fault, the example reference and the
untouched release. Each submission must get exactly its outcome
(tests/hostile/cases.py), and the run must show no trace of the attacks: the
other students' grades, the gradebook, the hidden checks, the grader's home,
its /tmp and its network are untouched, and nothing is left running.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from hostile import cases
from hostile.cases import ASSIGNMENT, CASES, CONTROLS, HUGE, POINTS

pytestmark = pytest.mark.slow

ALL = [*CASES, HUGE]
SECRET = "CONVLAB_HOSTILE_SECRET"


def tree_contents(folder: Path) -> dict[str, str]:
    """Each path under ``folder`` → a hash of its bytes, "-> target" for a symlink (never followed), "/" for a folder."""
    def content(path: Path) -> str:
        if path.is_symlink():
            return "-> " + os.readlink(path)
        if path.is_dir():
            return "/"
        return hashlib.sha256(path.read_bytes()).hexdigest()

    return {str(path.relative_to(folder)): content(path) for path in sorted(folder.rglob("*"))}


def tree_digest(folder: Path) -> str:
    return hashlib.sha256(json.dumps(tree_contents(folder)).encode()).hexdigest()


@pytest.fixture(scope="module", params=["bwrap", "docker"])
def sandbox_kind(request):
    """Each sandbox grades the whole corpus in a class of its own, and must give the same outcomes."""
    if request.param == "docker":
        request.getfixturevalue("docker_image")
    return request.param


@pytest.fixture(scope="module")
def course(released_course, sandbox_kind):
    """A course of its own for each sandbox (``sandbox_kind``), so neither run resumes the other."""
    return released_course(cases.place_class)


@pytest.fixture(scope="module")
def run(course, sandbox_kind, tmp_path_factory):
    """The class graded once; what the grader's world looked like before and after."""
    home = tmp_path_factory.mktemp("grader-home")
    Path(cases.TMP_MARK).unlink(missing_ok=True)
    before = {"config": (course.root / "nbgrader_config.py").read_bytes(),
              "hidden": tree_digest(course.grader_tests(ASSIGNMENT))}
    listener = cases.Listener()
    env = dict(os.environ, HOME=str(home), **{SECRET: "grades-are-private"})
    # 15 s a cell: the memory bomb touches 3 GiB before the 4 GiB limit stops it, and a busy
    # virtual machine was seen to take 8 s to hand over that much memory (a timeout, not MemoryError).
    try:
        done = subprocess.run(
            [sys.executable, "-m", "convlab.cli", "--course", str(course.root), "grade", ASSIGNMENT,
             "--sandbox", sandbox_kind, "--jobs", "2", "--cell-timeout", "15", "--call-timeout", "3",
             "--first-call-timeout", "8", "--quiet"],
            capture_output=True, text=True, env=env, timeout=1800)
    finally:
        listener.close()
    return {"done": done, "home": home, "before": before, "connections": listener.take()}


def gradebook(course):
    """student → {grade id: (auto score, extra credit, max score)} for the autograded cells."""
    with course.gradebook() as book:
        return {submission.student.id: {g.name: (g.auto_score, g.extra_credit, g.max_score)
                                        for g in submission.notebooks[0].grades if g.name in POINTS}
                for submission in book.find_assignment(ASSIGNMENT).submissions}


def feedback_text(course, student) -> str:
    """Everything the student reads in their autograded notebook: notes, cell outputs, check reports."""
    notebook = nbformat.read(course.autograded(student, ASSIGNMENT) / "convolution.ipynb", as_version=4)
    parts = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append(output.get("text", "") + output.get("evalue", "") + str(output.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def test_the_class_run_finishes_and_grades_everyone(run, course):
    assert run["done"].returncode == 0, run["done"].stderr[-3000:]
    assert set(gradebook(course)) == {c.name for c in ALL} | set(CONTROLS)


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.name)
def test_each_submission_gets_exactly_what_it_earned(run, course, case):
    scores = {grade_id: score for grade_id, (score, _, _) in gradebook(course)[case.name].items()}
    for grade_id, points in POINTS.items():
        if grade_id in case.earned:
            assert scores[grade_id] == points, (grade_id, scores)
        elif grade_id in case.partial:
            assert 0 < scores[grade_id] < points, (grade_id, scores)
        else:
            assert scores[grade_id] == 0, (grade_id, scores)
    assert case.explained(feedback_text(course, case.name)), case.says


@pytest.mark.parametrize("case", [c for c in CASES if c.found_nothing], ids=lambda c: c.name)
def test_escapes_find_nothing_to_read_reach_or_change(run, course, case):
    reports = [line for line in feedback_text(course, case.name).splitlines() if line.startswith("found: ")]
    assert reports, "the attack did not run"
    for line in reports:
        assert set(json.loads(line.removeprefix("found: "))) <= set(case.private), line


def test_the_honest_students_beside_the_attacks_keep_their_grades(run, course):
    book = gradebook(course)
    assert {g: s for g, (s, _, _) in book["reference"].items()} == POINTS
    assert {g: s for g, (s, _, _) in book["untouched"].items()} == dict.fromkeys(POINTS, 0)


def test_no_edit_of_points_grade_ids_or_extra_credit_sticks(run, course):
    for student, grades in gradebook(course).items():
        assert {g: m for g, (_, _, m) in grades.items()} == POINTS, student
        assert all(extra is None for _, extra, _ in grades.values()), student


def test_no_check_ever_crashes_inside_the_grader(run, course):
    for path in (course.scratch(ASSIGNMENT) / "results").glob("*.json"):
        assert json.loads(path.read_text())["internal_errors"] == [], path.stem


def test_the_grader_world_is_untouched(run, course):
    assert run["connections"] == 0
    assert not Path(cases.TMP_MARK).exists()
    written = [p for p in run["home"].rglob("*") if p.is_file() and cases.WRITE_MARK.encode() in p.read_bytes()]
    assert written == []
    assert (course.root / "nbgrader_config.py").read_bytes() == run["before"]["config"]
    assert tree_digest(course.grader_tests(ASSIGNMENT)) == run["before"]["hidden"]
    assert SECRET not in json.dumps([feedback_text(course, c.name) for c in CASES])


def test_nothing_is_left_running(run, sandbox_kind):
    if sandbox_kind == "docker":
        ps = ["docker", "ps", "--all", "--quiet", "--filter", "label=convlab.worker"]
        assert subprocess.run(ps, capture_output=True, text=True, check=True).stdout == ""
    for pattern in (f"sleep {cases.ORPHAN_MARK}", "convlab.worker", "convlab-class"):
        assert subprocess.run(["pgrep", "-f", pattern], capture_output=True).stdout == b"", pattern
    leftover = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            uid = os.stat(f"/proc/{pid}").st_uid
        except OSError:
            continue
        if uid >= 2**30:  # the private uids of root's sandboxes
            leftover.append(pid)
    assert leftover == []


def test_the_corpus_on_disk_is_what_cases_py_builds(tmp_path):
    cases.build(tmp_path / "built")
    built, on_disk = tree_contents(tmp_path / "built"), tree_contents(cases.SUBMISSIONS)
    assert sorted(built.keys() ^ on_disk.keys()) == [], "rebuild with: python tests/hostile/cases.py"
    assert [name for name in built if built[name] != on_disk[name]] == []
