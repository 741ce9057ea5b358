"""``convlab grade``: the grading pipeline for a whole class.

prepare (restore locked cells, private copy) → execute and check (pytest
shards, each running the hidden checks against a sandboxed worker per
student) → record (autograded notebook, gradebook) → feedback (nbgrader).
Each student's result is recorded as soon as their checks finish, so a
problem with one student never holds up or spoils another's grade. The run
journal (:mod:`convlab.journal`) lets a killed run resume where it stopped;
the shards and their workers die with the run, so nothing of a killed run goes
on writing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from convlab import history, launch, record, run_gradebook, sandbox
from convlab.checks import write_json_atomically
from convlab.course import Course
from convlab.feedback import FeedbackPool
from convlab.journal import Journal, submission_digest
from convlab.prepare import Prepared, misnamed_notebooks, prepare, skipped_grade_ids
from convlab.scoring import score_grade_cells


@dataclass
class StudentGrade:
    student: str
    scores: dict[str, float]
    points: dict[str, float]
    problem: str | None = None
    failed_checks: list[dict] = field(default_factory=list)
    internal_errors: int = 0  # checks that crashed in the grader (not counted; see the results file)
    recorded: bool = True  # False when the grader itself failed: nothing was written for this student

    @property
    def total(self) -> float:
        return round(sum(self.scores.values()), 2)

    @property
    def max_total(self) -> float:
        return round(sum(self.points.values()), 2)


@dataclass(frozen=True)
class Settings:
    jobs: int = 1
    sandbox: str | None = None
    docker_image: str | None = None  # with sandbox="docker"; None: sandbox.CPU_IMAGE, or GPU_IMAGE with gpus
    gpus: bool = False
    call_timeout: float = 5.0
    first_call_timeout: float = 30.0
    cell_timeout: float = 20.0
    seed: int | None = None
    progress: bool = True
    template: bool = True  # fork workers from a template that has imported the notebook's libraries
    cluster: str | None = None  # a Dask scheduler's address, or a batch system (convlab.cluster); None: here
    shard_size: int | None = None  # students per shard on a cluster; None: convlab.cluster.shard_size
    cluster_jobs: int = 2  # batch jobs (one Dask worker each) that --cluster slurm and the like start


def _assignment_cells(course: Course, assignment: str) -> tuple[str, dict[str, float]]:
    """The assignment's notebook name and the points of its autograded (code) grade cells."""
    from nbgrader.api import MissingEntry

    with course.gradebook() as gradebook:
        try:
            found = gradebook.find_assignment(assignment)
        except MissingEntry:
            raise SystemExit(f"{assignment} is not in the gradebook: run `convlab release {assignment}` first") from None
        if len(found.notebooks) != 1:
            raise SystemExit(f"{assignment} has {len(found.notebooks)} notebooks; convlab grades one per assignment")
        notebook = found.notebooks[0]
        points = {cell.name: float(cell.max_score) for cell in notebook.grade_cells if cell.cell_type == "code"}
        return notebook.name, points


def find_submissions(submissions: Path, assignment: str, only: list[str] | None) -> dict[str, Path]:
    found = {p.parent.name: p for p in sorted(submissions.glob(f"*/{assignment}")) if p.is_dir()}
    if only:
        missing = sorted(set(only) - set(found))
        if missing:
            raise SystemExit(f"no submission of {assignment} for: {', '.join(missing)}")
        found = {s: found[s] for s in only}
    return found


def class_spec(assignment: str, students: list[dict], kind: str, results_dir: Path, settings: Settings,
               preload: list[str] = ()) -> dict:
    """What a pytest run of the hidden checks needs (read by convlab.checks): students are
    ``{"id", "workdir", "cells"}``, or without ``cells`` when a ``prepared_dir`` is added to the
    spec; ``preload``, what a template imports (:func:`convlab.launch.notebook_imports`)."""
    return {"assignment": assignment, "sandbox": kind, "results_dir": str(results_dir),
            "call_timeout": settings.call_timeout, "first_call_timeout": settings.first_call_timeout,
            "cell_timeout": settings.cell_timeout, "seed": settings.seed, "students": students,
            "template": settings.template, "preload": list(preload)}


#: What would change how pytest runs the hidden checks, from the instructor's own shell: options
#: (even test paths) added to every pytest, and plugins loaded into it.
PYTEST_ENVIRONMENT = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")


def checks_environment() -> dict[str, str]:
    """The grading process's environment, less :data:`PYTEST_ENVIRONMENT`."""
    return {name: value for name, value in os.environ.items() if name not in PYTEST_ENVIRONMENT}


def checks_command(tests: Path, spec_path: Path) -> list[str]:
    """pytest on the hidden checks with the convlab plugin, ignoring any project pytest config.

    Failures are the students' results, which the plugin writes itself; pytest's own report
    of them is cut to a line each (a traceback each, hundreds in a class, cost time and tell
    nobody anything). A check that crashes in the grader keeps its traceback in the results
    (``internal_errors``). pytest's capture of output, logging and warnings around every test is
    left out: the checks print nothing (a student's prints stay in their worker), and for
    thousands of short checks it cost a fifth of a shard's own time.
    """
    return [sys.executable, "-m", "pytest", str(tests), "-p", "convlab.checks", "--convlab-class", str(spec_path),
            "-q", "--tb=line", "-rN", "-p", "no:cacheprovider", "-p", "no:logging", "-p", "no:warnings",
            "--capture=no", "-o", "addopts=",
            "--rootdir", str(tests.parent if tests.is_file() else tests), "-o", "console_output_style=classic"]


class ShardsLost(Exception):
    """The engine that runs the shards cannot be reached or went away (a Dask scheduler): the run stops."""


class LocalShards:
    """The class's shards as pytest processes on this machine, ``--jobs`` of them.

    The one place a run's shards are executed; :class:`convlab.cluster.DaskShards` does the same
    on a Dask cluster. Both are driven alike: :meth:`start` with the students to grade, :meth:`add`
    with each as it is prepared, then :meth:`results` gives each student's results exactly once
    (None when the grader itself failed for them), and :meth:`close`.
    """

    def __init__(self, course: Course, assignment: str, settings: Settings, kind: str, scratch: Path,
                 preload: list[str]):
        self.course, self.assignment, self.settings = course, assignment, settings
        self.kind, self.scratch, self.preload = kind, scratch, preload
        self.processes: list[subprocess.Popen] = []
        self.logs: list = []
        self.pending: list[str] = []

    def start(self, students: list[str]) -> None:
        """One pytest process per shard, started while the students are prepared: student k goes to
        shard k % jobs, which reads their cells from ``prepared/<student>.json`` once :meth:`add`
        has written it (:mod:`convlab.checks`)."""
        scratch, settings = self.scratch, self.settings
        shards = [students[k::settings.jobs] for k in range(settings.jobs)]
        for k, members in enumerate(s for s in shards if s):
            spec = class_spec(self.assignment, [{"id": sid, "workdir": str(scratch / "work" / sid)} for sid in members],
                              self.kind, scratch / "results", settings, self.preload)
            spec_path = scratch / f"shard-{k}.json"
            write_json_atomically(spec_path, {**spec, "prepared_dir": str(scratch / "prepared")})
            self.logs.append(open(scratch / f"shard-{k}.log", "w"))
            self.processes.append(subprocess.Popen(
                checks_command(self.course.grader_tests(self.assignment), spec_path), stdout=self.logs[-1],
                stderr=subprocess.STDOUT, cwd=self.course.root, env=checks_environment(),
                preexec_fn=sandbox.die_with_parent))

    def add(self, prep: Prepared) -> None:
        write_json_atomically(self.scratch / "prepared" / f"{prep.student}.json",
                              {"problem": prep.problem} if prep.problem else {"cells": prep.sources})
        if not prep.problem:
            self.pending.append(prep.student)

    def results(self):
        """Each student's results as soon as their shard writes them; None for those a broken grader left."""
        pending = list(self.pending)
        while pending:
            for sid in [s for s in pending if (self.scratch / "results" / f"{s}.json").exists()]:
                pending.remove(sid)
                yield sid, json.loads((self.scratch / "results" / f"{sid}.json").read_text())
            if pending and all(p.poll() is not None for p in self.processes):
                for sid in list(pending):  # the grader itself broke
                    pending.remove(sid)
                    yield sid, None
            time.sleep(0.05)

    def close(self, kill: bool = False) -> None:
        for process in self.processes:
            if kill:
                process.kill()
            process.wait()
        for log in self.logs:
            log.close()


def _shards(course: Course, assignment: str, notebook_name: str, settings: Settings, kind: str, scratch: Path):
    """Where this run's shards are executed: here, or on the cluster ``--cluster`` names (only then is
    Dask imported)."""
    preload = launch.notebook_imports(_notebook(course.source(assignment), notebook_name))
    if settings.cluster:
        try:
            from convlab.cluster import DaskShards
        except ImportError as missing:
            raise SystemExit(f"--cluster needs Dask ({missing}): pip install 'convlab[cluster]'") from None
        return DaskShards(settings.cluster, course, assignment, settings, kind, scratch, preload)
    return LocalShards(course, assignment, settings, kind, scratch, preload)


@contextlib.contextmanager
def course_lock(course: Course):
    """One grading run per course at a time: two would share the scratch folder and the gradebook."""
    path = course.root / ".convlab" / "grade.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise SystemExit(f"another convlab grade is running on this course ({handle.read().strip()}); "
                             "wait for it to finish") from None
        handle.truncate(0)
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        yield


def grade(course: Course, assignment: str, submissions: Path, students: list[str] | None = None,
          settings: Settings = Settings()) -> list[StudentGrade]:
    with course_lock(course):
        return _grade(course, assignment, submissions, students, settings)


class RecordingFailed(Exception):
    """A student's results could not be written (a full disk, a read-only folder): the run stops."""


def _grade(course: Course, assignment: str, submissions: Path, students: list[str] | None,
           settings: Settings) -> list[StudentGrade]:
    kind = sandbox.choose(settings.sandbox, settings.docker_image, settings.gpus)
    started, tests_digest = history.now(), history.tests_digest(course.grader_tests(assignment))
    notebook_name, points = _assignment_cells(course, assignment)
    scratch = course.scratch(assignment)
    folders = find_submissions(submissions, assignment, students)
    journal = Journal(scratch)
    # One seed for every shard: the whole class gets the same cases, and so does a resumed run.
    seed, resumed = journal.open({"assignment": assignment, "submissions": str(submissions.resolve()),
                                  "students": sorted(folders)}, settings.seed, int.from_bytes(os.urandom(4), "little"))
    settings = dataclasses.replace(settings, seed=seed)
    print(f"grading {assignment} with seed {seed} (--seed {seed} draws the same inputs again)", file=sys.stderr)
    if kind == "none":
        print(sandbox.NOT_ISOLATED_WARNING, file=sys.stderr)

    digests = {sid: submission_digest(folder) for sid, folder in folders.items()}
    grades = {sid: StudentGrade(**entry["grade"]) for sid, entry in journal.recorded().items()
              if sid in folders and entry["digest"] == digests[sid]}
    if resumed:
        print(f"resuming the interrupted run: {len(grades)} of {len(folders)} students were already recorded",
              file=sys.stderr)
    (scratch / "results").mkdir(parents=True, exist_ok=True)
    todo = {sid: folder for sid, folder in folders.items() if sid not in grades}
    for sid in todo:  # results of a run killed before it recorded them are not trusted: graded again
        (scratch / "results" / f"{sid}.json").unlink(missing_ok=True)
    skip = skipped_grade_ids(course, assignment, notebook_name)
    shutil.rmtree(scratch / "prepared", ignore_errors=True)  # a killed run's are not this run's
    (scratch / "work").mkdir(exist_ok=True)

    feedback = FeedbackPool(course, assignment, settings.jobs)
    for sid in grades:  # recorded by the killed run this one resumes: their feedback may be missing
        feedback.submit(sid, misnamed_notebooks(folders[sid], notebook_name))

    def finish(prep: Prepared, results: dict | None):
        """Record one student (autograded notebook, gradebook, journal entry), then have their feedback written."""
        scores = score_grade_cells((results or {}).get("checks", []), points)
        notebook = record.autograded_notebook(prep, results, scores, points)
        failed = [c for c in (results or {}).get("checks", []) if not c["passed"]]
        grade = StudentGrade(prep.student, scores, points, prep.problem, failed,
                             internal_errors=len((results or {}).get("internal_errors", [])))
        try:
            record.write_autograded(course, assignment, prep, notebook)
            record.save_to_gradebook(course, assignment, prep, notebook, scores)
            history.keep_student(scratch, dataclasses.asdict(grade), results)
            journal.record(prep.student, digests[prep.student], dataclasses.asdict(grade))
        except (OSError, SQLAlchemyError) as error:
            raise RecordingFailed(f"could not record {prep.student}: {error}") from error
        grades[prep.student] = grade
        feedback.submit(prep.student, misnamed_notebooks(folders[prep.student], notebook_name))

    shards = _shards(course, assignment, notebook_name, settings, kind, scratch)
    killed = False
    # After the feedback processes are forked: they open gradebooks of their own.
    with run_gradebook.shared(course.gradebook_url, course.config.CourseDirectory.course_id):
        try:
            if todo:  # the shards start (Python, pytest, the template) while the students are prepared
                shards.start(list(todo))
            ready = {}
            for sid, folder in todo.items():  # in the order the shards take them
                prep = prepare(course, assignment, notebook_name, sid, folder, scratch / "work" / sid, skip)
                shards.add(prep)
                if prep.problem:
                    prep.notebook = _notebook(course.release(assignment), notebook_name)
                    finish(prep, None)
                else:
                    ready[sid] = prep
            _collect(scratch, ready, shards, finish, grades, points, settings.progress, len(folders))
        except (RecordingFailed, ShardsLost) as failure:
            killed = True
            shards.close(kill=True)
            feedback.cancel()
            advice = ("Make room or make the folder writable, then run the same command again"
                      if isinstance(failure, RecordingFailed) else
                      "Run the same command again once the scheduler is back, or without --cluster to grade here")
            raise SystemExit(f"convlab grade stopped: {failure}. {sum(g.recorded for g in grades.values())} of "
                             f"{len(folders)} students are recorded, each one whole (notebook and gradebook). "
                             f"{advice}: it goes on with the others.") from None
        finally:
            if not killed:
                shards.close()
    for student, problem in feedback.finish().items():
        print(f"nbgrader generate_feedback failed for {student} (the grades are recorded; run "
              f"`nbgrader generate_feedback {assignment} --student {student}` again): {problem[-300:]}",
              file=sys.stderr)
    # Kept before the journal is closed: a run killed in between is resumed, and kept then.
    history.keep_run(course, assignment, seed, tests_digest, started, [grades[sid] for sid in sorted(grades)],
                     scratch)
    journal.finish()
    return [grades[sid] for sid in sorted(grades)]


def _collect(scratch: Path, ready: dict[str, Prepared], shards, finish, grades: dict, points: dict,
             progress: bool, total: int) -> None:
    """Record each student as soon as their results come; report those a broken grader left.

    A student is recorded once: results for one already recorded (which neither executor gives) are dropped.
    """
    with _progress(total, progress, initial=total - len(ready)) as bar:
        for sid, results in shards.results():
            prep = ready.pop(sid, None)
            if prep is None:
                continue
            if results is None:  # the grader itself broke: record nothing, say so
                grades[sid] = StudentGrade(sid, dict.fromkeys(points, 0.0), points, recorded=False,
                                           problem=f"NOT GRADED: the grader failed (see {scratch}/shard-*.log)")
            else:
                finish(prep, results)
            bar.update(1)


def _notebook(folder: Path, notebook_name: str):
    import nbformat

    return nbformat.read(folder / f"{notebook_name}.ipynb", as_version=4)


def _progress(total: int, enabled: bool, initial: int):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, disable=not enabled, unit="student", desc="grading")
