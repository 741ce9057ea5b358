"""The course as plain nbgrader grades it: what convlab is compared with.

nbgrader scores a grade cell from the cell's own output when it runs in the
student's kernel: an error or anything on stderr is 0, a number printed as the
cell's result is partial credit, anything else is full marks. So the baseline
is the course as an nbgrader instructor would write it with otter's public
checks: every grade cell ends with ``grader.check("q").score``, the points of
the same public checks that convlab's students run, and nbgrader's
``autograde`` runs each submission in a Jupyter kernel with its defaults (no
sandbox, a 30 s timeout per cell).

    course = build_course(folder, ["01_convolution"])
    autograde(course, "01_convolution")          # nbgrader autograde on submitted/
    scores(course, "01_convolution")             # {student: {grade_id: points}}

``autograde`` can run nbgrader as an unprivileged uid under process and memory
limits (``confined=True``): the hostile corpus holds a fork bomb and a memory
bomb, which nbgrader does not stop, and the measuring machine must survive them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from convlab import sandbox

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: The uid and limits of a confined nbgrader run: 1024 processes, 8 GiB of address space.
UID = sandbox.PRIVATE_UID_BASE - 1
CONFINED_LIMITS = ["--nproc=1024", f"--as={8 * 2**30}"]
CHECK_CELL = re.compile(r'^grader\.check\("(\w+)"\)$')
#: The release's grader raises on a failing check (for Validate); the baseline wants otter's points.
CONVLAB_GRADER = "from convlab.public_checks import Notebook"


def nbgrader_notebook(path: Path) -> None:
    """Make every ``grader.check("q")`` grade cell report its public checks' points to nbgrader."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.source = cell.source.replace(CONVLAB_GRADER, "from otter import Notebook")
        match = CHECK_CELL.match(cell.source.strip())
        if match and cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = f'grader.check("{match.group(1)}").score'
    nbformat.write(notebook, path)


def _environment(home: Path | None = None) -> dict[str, str]:
    """nbgrader's environment: this one's bin/ first, and TensorFlow's C++ log silenced.

    nbgrader scores a grade cell 0 when anything lands on stderr in it, and on a machine
    without a GPU TensorFlow logs its failed CUDA probe there at its first operation,
    in whichever grade cell that is: an instructor grading with nbgrader silences it.
    """
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", TF_CPP_MIN_LOG_LEVEL="3")
    if home is not None:
        env["HOME"] = str(home)
    return env


def build_course(folder: Path, assignments: list[str]) -> Path:
    """An nbgrader course in ``folder`` with the given assignments released (and in its gradebook)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    for assignment in assignments:
        shutil.copytree(ROOT / "source" / assignment, folder / "source" / assignment)
        for notebook in (folder / "source" / assignment).glob("*.ipynb"):
            nbgrader_notebook(notebook)
        subprocess.run([str(BIN / "nbgrader"), "generate_assignment", assignment, "--force", "--create"],
                       cwd=folder, env=_environment(), check=True, capture_output=True)
    return folder


@dataclass
class Autograded:
    process: subprocess.CompletedProcess
    left_running: int = 0  # processes the submissions left behind (confined runs: then killed)
    timed_out: bool = False  # ran past its timeout and was killed


def autograde(course: Path, assignment: str, *, confined: bool = False, timeout: float | None = None,
              extra_env: dict[str, str] | None = None) -> Autograded:
    """``nbgrader autograde ASSIGNMENT`` on every student in ``course/submitted/``.

    ``confined`` (root only): as :data:`UID`, a uid no account uses, under
    :data:`CONFINED_LIMITS`, with a HOME of its own inside the course, so that
    nothing a submission does reaches this machine's users; every process it
    leaves is counted and killed afterwards. The rest of the machine (network, /proc, the
    course) is as nbgrader sees it.
    """
    command = [str(BIN / "nbgrader"), "autograde", assignment, "--create"]
    home = None
    if confined:
        home = course / ".home"
        home.mkdir(exist_ok=True)
        give_to(course, UID)
        command = [*_box(), "--", "setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups",
                   "prlimit", *CONFINED_LIMITS, "--", *command]
    env = {**_environment(home), **(extra_env or {})}
    # Output goes to a file, not a pipe: processes a submission leaves behind inherit it, and a
    # pipe would stay open until they end.
    timed_out = False
    with tempfile.TemporaryFile("w+") as log:
        try:
            returncode = subprocess.run(command, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT,
                                        timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            returncode, timed_out = -9, True
            log.write(f"\nnbgrader autograde ran past {timeout} s and was killed")
        log.seek(0)
        done = subprocess.CompletedProcess(command, returncode, stdout=log.read(), stderr="")
    if not confined:
        return Autograded(done, timed_out=timed_out)
    left = sandbox.tasks_of(UID)
    sandbox.kill_private_processes(UID)
    return Autograded(done, left, timed_out)


def _box() -> list[str]:
    """bwrap around nbgrader: the whole machine, except that folders above the interpreter which
    :data:`UID` could not pass through (e.g. /root, for a pyenv Python) are replaced by ones it can."""
    args = ["bwrap", "--dev-bind", "/", "/"]
    roots = sorted({sys.base_prefix, sys.prefix, str(Path(sys.executable).resolve().parent.parent),
                    str(ROOT / "src")})
    closed = sorted({str(parent) for root in roots for parent in Path(root).parents
                     if str(parent) != "/" and not os.stat(parent).st_mode & 0o001})
    for folder in closed:
        args += ["--perms", "0755", "--tmpfs", folder]
    hidden = [root for root in roots if any(Path(root).is_relative_to(folder) for folder in closed)]
    for parent in sorted({p for root in hidden for p in Path(root).parents
                          if any(p.is_relative_to(folder) and str(p) != folder for folder in closed)}):
        args += ["--perms", "0755", "--dir", str(parent)]  # bwrap would make them 0700
    return args + [arg for root in hidden for arg in ("--ro-bind", root, root)]


def give_to(folder: Path, uid: int) -> None:
    os.chown(folder, uid, uid)
    for parent, subfolders, files in os.walk(folder):
        for name in subfolders + files:
            os.chown(os.path.join(parent, name), uid, uid, follow_symlinks=False)


def scores(course: Path, assignment: str) -> dict[str, dict[str, float]]:
    """Each autograded student's points per autograded grade cell, read from nbgrader's gradebook."""
    from nbgrader.api import Gradebook

    found: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for submission in gradebook.find_assignment(assignment).submissions:
            for notebook in submission.notebooks:
                found[submission.student.id] = {grade.name: float(grade.auto_score or 0) + float(grade.extra_credit or 0)
                                                for grade in notebook.grades if grade.cell.cell_type == "code"}
    return found
