"""Faults of the grader's own run: killed with SIGKILL, a full disk, a read-only autograded/, two runs at once.

A class of example submissions is graded once without trouble (the reference
outcome); then the same class, with the same seed, is graded through each
fault, and the command is simply run again. Every time, the gradebook must end
exactly as the undisturbed run left it: nothing lost, nothing counted twice, no
student half-written, and nothing of a killed run still running.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ASSIGNMENT = "01_convolution"
CLASS = ["channels_first", "flipped_kernel", "loops_float32", "pool_stride_ignored", "reference",
         "same_pad_wrong_side", "untouched"]
SEED = "20261202"


def grade_command(course, *extra):
    return [sys.executable, "-m", "convlab.cli", "--course", str(course.root), "grade", ASSIGNMENT,
            "--jobs", "2", "--quiet", *extra]


def grade(course, *extra, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(grade_command(course, *extra), capture_output=True, text=True, timeout=900, **kwargs)


def gradebook_rows(course) -> dict:
    """Every grade row of the assignment, and how many submission and grade rows there are."""
    with course.gradebook() as book:
        submissions = book.find_assignment(ASSIGNMENT).submissions
        rows = {(s.student.id, g.name): (g.auto_score, g.needs_manual_grade)
                for s in submissions for g in s.notebooks[0].grades}
        return {"rows": rows, "submissions": len(submissions),
                "grade_rows": sum(len(s.notebooks[0].grades) for s in submissions)}


def recorded(course) -> set[str]:
    return {p.stem for p in (course.scratch(ASSIGNMENT) / "recorded").glob("*.json")}


def make_class(course) -> None:
    for student in CLASS:
        shutil.copytree(course.root / "examples" / "submissions" / student / ASSIGNMENT,
                        course.root / "submitted" / student / ASSIGNMENT)


@pytest.fixture(scope="module")
def undisturbed(released_course):
    course = released_course(make_class)
    done = grade(course, "--seed", SEED)
    assert done.returncode == 0, done.stderr[-2000:]
    return gradebook_rows(course)


def wait_for(condition, timeout=300):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def nothing_of_a_run_is_running() -> bool:
    return all(subprocess.run(["pgrep", "-f", pattern], capture_output=True).stdout == b""
               for pattern in ("convlab-class", "convlab.worker"))


def test_sigkill_at_any_moment_then_rerun_gives_the_undisturbed_grades(released_course, undisturbed):
    course = released_course(make_class)
    # Kill as soon as the run has begun (it is preparing the submissions), after two students are
    # recorded, then after one more; then let it finish. (Not later: the last students' results
    # can come together and be recorded, feedback and all, between two looks.)
    moments = [lambda: (course.scratch(ASSIGNMENT) / "run.json").exists(),
               lambda: len(recorded(course)) >= 2, lambda: len(recorded(course)) >= 3]
    for k, moment in enumerate(moments):
        run = subprocess.Popen(grade_command(course, *(["--seed", SEED] if k == 0 else [])),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_for(lambda: moment() or run.poll() is not None)
        if k == 1:  # a second run on the same course meanwhile refuses, and changes nothing
            run.send_signal(signal.SIGSTOP)  # holding the lock, recording no one while the second starts
            second = grade(course)
            assert second.returncode != 0 and "another convlab grade is running on this course" in second.stderr
        run.send_signal(signal.SIGKILL)
        assert run.wait() == -signal.SIGKILL, f"run {k + 1} finished before it could be killed"
        wait_for(nothing_of_a_run_is_running, timeout=20)
    final = grade(course)
    assert final.returncode == 0, final.stderr[-2000:]
    assert "resuming the interrupted run" in final.stderr
    assert f"seed {SEED}" in final.stderr  # the resumed run draws the same inputs
    assert gradebook_rows(course) == undisturbed
    assert recorded(course) == set(CLASS)
    for student in CLASS:
        assert (course.autograded(student, ASSIGNMENT) / "convolution.ipynb").is_file()
        assert (course.root / "feedback" / student / ASSIGNMENT / "convolution.html").is_file()


def boxed_grade(course, mount: list[str]) -> tuple[subprocess.CompletedProcess, Path]:
    """``convlab grade`` with autograded/ replaced by ``mount`` (bwrap arguments), in a mount
    namespace of its own; what it wrote there is saved, since the mount goes with the box."""
    autograded = course.root / "autograded"
    saved = course.root / "saved-autograded"
    autograded.mkdir(exist_ok=True)
    saved.mkdir()
    script = (f'{" ".join(grade_command(course, "--seed", SEED))}; status=$?; '
              f'cp -a {autograded}/. {saved}/; exit $status')
    done = subprocess.run(["bwrap", "--dev-bind", "/", "/", *mount, "--", "sh", "-c", script],
                          capture_output=True, text=True, timeout=900)
    return done, saved


def consistent_and_resumable(course, done, saved, undisturbed, reason):
    """The stopped run said why, recorded whole students only, and a plain rerun finishes the class."""
    assert done.returncode != 0
    assert "convlab grade stopped: could not record" in done.stderr and reason in done.stderr
    assert "run the same command again" in done.stderr
    rows = gradebook_rows(course)
    in_gradebook = {student for student, _ in rows["rows"]}
    assert in_gradebook == recorded(course) == {p.parts[-3] for p in saved.glob(f"*/{ASSIGNMENT}/convolution.ipynb")}
    assert rows["rows"] == {key: value for key, value in undisturbed["rows"].items() if key[0] in in_gradebook}
    shutil.rmtree(course.root / "autograded")
    saved.rename(course.root / "autograded")
    final = grade(course)
    assert final.returncode == 0, final.stderr[-2000:]
    assert gradebook_rows(course) == undisturbed


def test_a_read_only_autograded_folder_stops_the_run_cleanly(released_course, undisturbed):
    course = released_course(make_class)
    autograded = course.root / "autograded"
    autograded.mkdir(exist_ok=True)
    done, saved = boxed_grade(course, ["--ro-bind", str(autograded), str(autograded)])
    assert recorded(course) == set()
    consistent_and_resumable(course, done, saved, undisturbed, "Read-only file system")


def test_a_full_disk_stops_the_run_cleanly(released_course, undisturbed):
    course = released_course(make_class)
    # Room for about three autograded notebooks (each a little larger than its submission).
    room = 3 * (course.root / "submitted" / "reference" / ASSIGNMENT / "convolution.ipynb").stat().st_size
    done, saved = boxed_grade(course, ["--size", str(room), "--tmpfs", str(course.root / "autograded")])
    assert 0 < len(recorded(course)) < len(CLASS)  # some fitted, then the disk was full
    consistent_and_resumable(course, done, saved, undisturbed, "No space left on device")
