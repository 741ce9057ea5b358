"""A course with nbgrader's exchange and students who are accounts of the machine, for the tests
that go through it (test_exchange.py, test_browser.py).

As on a JupyterHub whose users are accounts of the machine: the instructor (root
here) works in the course folder, each student in a home of their own, as their
own uid, and the exchange folder is the only place both reach.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from convlab.course import Course

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
COURSE_ID = "convlab"  # nbgrader_config.py's course_id

#: Making the students' accounts and switching to them needs root.
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="students are accounts of their own: needs root")


def path_with_env_bin() -> dict[str, str]:
    """This environment, with its bin/ first (nbgrader's gradebook runs ``alembic``)."""
    return dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")


@contextmanager
def student_accounts(names: list[str]):
    """The students' Unix accounts, able to run this environment; those made here are removed afterwards."""
    made = []
    for name in names:
        try:
            pwd.getpwnam(name)
        except KeyError:
            subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
            made.append(name)
    try:
        with _environment_reachable():
            yield names
    finally:
        for name in made:
            subprocess.run(["userdel", name], check=False)


@contextmanager
def _environment_reachable():
    """Let other accounts start this environment's Python, as they can on a JupyterHub.

    A virtual environment links its interpreter from where Python was installed; where
    that is a home such as /root (mode 0700), no other account can start it, and their
    kernels fail with "Permission denied". The folders on the way get the right to be
    passed through (o+x, not to be listed) for the test, and their own mode back after.
    """
    changed = []
    for path in (Path(os.path.realpath(sys.executable)), ROOT):
        for folder in path.parents:
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH:
                folder.chmod(mode | stat.S_IXOTH)
                changed.append((folder, mode))
    try:
        yield
    finally:
        for folder, mode in changed:
            folder.chmod(stat.S_IMODE(mode))


class Exchange:
    """nbgrader's exchange folder and the students' homes, outside pytest's folder (root's only)."""

    def __init__(self, course: Course, students: list[str]):
        self.course = course
        self.shared = Path(tempfile.mkdtemp(prefix="convlab-exchange-"))
        self.shared.chmod(0o755)
        self.root = self.shared / "exchange"
        self.root.mkdir()
        self.root.chmod(0o777)  # nbgrader's exchange: every user may write into it
        for student in students:
            self.home(student).mkdir(parents=True)
            shutil.chown(self.home(student), student, student)

    def close(self) -> None:
        shutil.rmtree(self.shared, ignore_errors=True)

    def home(self, student: str) -> Path:
        return self.shared / "home" / student

    def as_student(self, student: str, env: dict[str, str]) -> list[str]:
        """The command prefix that runs as ``student``; ``env`` becomes theirs (home, user name)."""
        env.update(USER=student, LOGNAME=student, HOME=str(self.home(student)))
        return ["setpriv", f"--reuid={student}", f"--regid={student}", "--init-groups", "--"]

    def run(self, *args: str, student: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        """``nbgrader ARGS`` as the instructor in the course folder, or as ``student`` in their home."""
        env = path_with_env_bin()
        prefix = self.as_student(student, env) if student else []
        done = subprocess.run([*prefix, str(BIN / "nbgrader"), *args, "--course", COURSE_ID,
                               f"--Exchange.root={self.root}"],
                              cwd=self.home(student) if student else self.course.root, env=env,
                              capture_output=True, text=True, timeout=600)
        if check:
            assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done

    def work(self, student: str, assignment: str, notebook: str, example: str) -> Path:
        """The student's fetched notebook, replaced by their work (an example submission)."""
        path = self.home(student) / assignment / notebook
        shutil.copy(ROOT / "examples" / "submissions" / example / assignment / notebook, path)
        shutil.chown(path, student, student)
        return path

    def collect_and_grade(self, assignment: str) -> subprocess.CompletedProcess:
        """What the instructor does between submissions and feedback: ``nbgrader collect``, then
        ``convlab grade`` (which writes the feedback; ``release_feedback`` sends it)."""
        self.run("collect", assignment)
        return subprocess.run([str(BIN / "convlab"), "grade", assignment, "--jobs", "2", "--quiet"],
                              cwd=self.course.root, env=path_with_env_bin(), capture_output=True, text=True,
                              timeout=900)
