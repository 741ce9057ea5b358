"""Step 1 of grading: find a student's notebook, read it safely, restore what they may not change.

Locked cells, grade cells and their metadata are put back from nbgrader's
gradebook with nbgrader's own sanitising preprocessors (the same ones
``nbgrader autograde`` runs), so editing a check cell, its points or its
grade id gains nothing, and a deleted grade cell comes back. One step of our
own runs before nbgrader's ``OverwriteCells``, which trusts the submission's
grade and solution flags and breaks on a cell whose grade id it does not know
(:class:`RestoreGradeMetadata`). The submission folder is copied to a private
working folder: the only place the sandbox can write.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.corpus.words import generate_corpus_id as random_cell_id
from nbgrader.preprocessors import NbGraderPreprocessor

from convlab import code_only
from convlab.course import Course

#: A submission notebook larger than this is read without its outputs, in a process of its own
#: (convlab.code_only): the grader never parses that much itself, and no exercise's code needs more.
MAX_NOTEBOOK_BYTES = 50 * 2**20
#: A submission notebook larger than this is not read at all.
MAX_OVERSIZED_NOTEBOOK_BYTES = 2**30
#: The whole submission folder copied into the sandbox.
MAX_FOLDER_BYTES = 200 * 2**20
#: Instructor cells tagged so in ``source/`` show the student something (training, plots) and are
#: not run when grading: the hidden checks call the student's functions themselves.
SKIP_TAG = "skip-in-grading"
#: nbgrader's own files beside a submitted notebook, kept with the grade as ``nbgrader autograde``
#: keeps them: when it was submitted (late penalties), and the secret by which the exchange names
#: the student's feedback (``release_feedback``, ``fetch_feedback``).
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")
MAX_NBGRADER_FILE_BYTES = 4096


class SubmissionProblem(Exception):
    """The submission cannot be run at all; the message is shown to the student."""


@dataclass
class Prepared:
    student: str
    notebook_name: str
    notebook: nbformat.NotebookNode | None = None
    workdir: Path | None = None
    code_cells: list[int] = field(default_factory=list)  # notebook indices of code cells, in order
    problem: str | None = None
    notes: list[str] = field(default_factory=list)  # for the student, when grading went on regardless
    nbgrader_files: dict[str, str] = field(default_factory=dict)  # NBGRADER_FILES found, by name

    @property
    def sources(self) -> list[str]:
        return [self.notebook.cells[i].source for i in self.code_cells]

    @property
    def timestamp(self) -> str | None:
        return self.nbgrader_files.get("timestamp.txt", "").strip() or None


class RestoreGradeMetadata(NbGraderPreprocessor):
    """Give every cell the nbgrader metadata the gradebook has for its grade id, or none.

    A student can copy a cell (nbgrader's ``DeduplicateIds`` then leaves the copy an
    empty ``nbgrader`` entry), rename a grade id, or flag an answer cell as graded;
    ``OverwriteCells`` checks source, lock and points but trusts those flags, and
    raises on the rest. Here a cell whose grade id the gradebook does not know
    becomes an ordinary cell (the real one is added back if it is missing), and a
    known one gets the instructor's flags and points back.
    """

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook

        with Gradebook(resources["nbgrader"]["db_url"]) as gradebook:
            source = gradebook.find_notebook(resources["nbgrader"]["notebook"], resources["nbgrader"]["assignment"])
            graded = {cell.name: float(cell.max_score) for cell in [*source.grade_cells, *source.task_cells]}
            solutions = {cell.name for cell in source.solution_cells}
            tasks = {cell.name for cell in source.task_cells}
            known = {cell.name: cell.locked for cell in source.source_cells}
        for cell in nb.cells:
            if "nbgrader" not in cell.metadata:
                continue
            grade_id = cell.metadata.nbgrader.get("grade_id")
            if grade_id not in known:
                del cell.metadata["nbgrader"]
                continue
            metadata = {"grade_id": grade_id, "grade": grade_id in graded and grade_id not in tasks,
                        "solution": grade_id in solutions, "task": grade_id in tasks,
                        "locked": known[grade_id], "schema_version": 3}
            if grade_id in graded:
                metadata["points"] = graded[grade_id]
            cell.metadata["nbgrader"] = metadata
        return nb, resources


def sanitize(course: Course, notebook: nbformat.NotebookNode, assignment: str,
             notebook_name: str, student: str) -> nbformat.NotebookNode:
    """nbgrader's autograde sanitising pipeline, with missing grade cells added back."""
    from nbgrader.preprocessors import (CheckCellMetadata, ClearOutput, DeduplicateIds,
                                        OverwriteCells, OverwriteKernelspec)

    resources = {"nbgrader": {"db_url": course.gradebook_url, "assignment": assignment,
                              "notebook": notebook_name, "student": student}}
    steps = [ClearOutput(config=course.config), DeduplicateIds(config=course.config),
             RestoreGradeMetadata(config=course.config), OverwriteKernelspec(config=course.config),
             OverwriteCells(config=course.config, add_missing_cells=True),
             CheckCellMetadata(config=course.config)]
    for step in steps:
        notebook, resources = step.preprocess(notebook, resources)
    if notebook.get("nbformat_minor", 0) >= 5:
        for cell in notebook.cells:  # cells nbgrader adds back come without the id nbformat 4.5 requires
            cell.setdefault("id", random_cell_id())
    return notebook


def _read(path: Path, notes: list[str]) -> nbformat.NotebookNode:
    """The submitted notebook; one over MAX_NOTEBOOK_BYTES without its outputs (and a note saying so)."""
    size = path.stat().st_size
    if size > MAX_OVERSIZED_NOTEBOOK_BYTES:
        raise SubmissionProblem(f"{path.name} is {size / 2**20:,.0f} MB; notebooks over "
                                f"{MAX_OVERSIZED_NOTEBOOK_BYTES >> 20:,} MB are not read (clear the outputs and resubmit)")
    try:
        if size > MAX_NOTEBOOK_BYTES:
            try:
                text = code_only.read(path, MAX_NOTEBOOK_BYTES)
            except code_only.Unreadable as exc:
                raise SubmissionProblem(f"{path.name} is {size / 2**20:,.0f} MB and {exc}") from None
            notes.append(f"{path.name} is {size / 2**20:,.0f} MB, over the {MAX_NOTEBOOK_BYTES >> 20} MB a notebook "
                         "may have, because of what its cells show (a large image or printout left in an "
                         "output?): its outputs were dropped before grading, and your code was graded as usual. "
                         "Clear large outputs before you submit (Edit, Clear Outputs of All Cells)")
            notebook = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
        else:
            notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    except SubmissionProblem:
        raise
    except Exception as exc:
        raise SubmissionProblem(f"{path.name} is not a readable notebook (the file may be damaged): "
                                f"{type(exc).__name__}: {str(exc)[:200]}") from None
    if notebook.get("nbformat") != 4:
        try:
            notebook = nbformat.convert(notebook, 4)
        except Exception as exc:
            raise SubmissionProblem(f"{path.name} uses notebook format {notebook.get('nbformat')} "
                                    f"and could not be converted: {exc}") from None
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as exc:
        raise SubmissionProblem(f"{path.name} is not a valid notebook: {exc.message[:200]}") from None
    return notebook


def skipped_grade_ids(course: Course, assignment: str, notebook_name: str) -> frozenset[str]:
    """Grade ids of the locked source cells tagged :data:`SKIP_TAG`.

    Read from ``source/`` (trusted), never from the submission: a student cannot
    have their own cells skipped, and a skipped cell is a locked one that
    nbgrader has already put back as the instructor wrote it.
    """
    notebook = nbformat.read(course.source(assignment) / f"{notebook_name}.ipynb", as_version=4)
    return frozenset(cell.metadata.nbgrader.grade_id for cell in notebook.cells
                     if SKIP_TAG in cell.metadata.get("tags", [])
                     and cell.metadata.get("nbgrader", {}).get("locked") and cell.metadata.nbgrader.get("grade_id"))


def _nbgrader_files(submission: Path, notes: list[str]) -> dict[str, str]:
    """The :data:`NBGRADER_FILES` of a submission: small plain files only, never a link's target."""
    from nbgrader.utils import parse_utc

    found = {}
    for name in NBGRADER_FILES:
        path = submission / name
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_NBGRADER_FILE_BYTES:
                found[name] = path.read_text()
        except (OSError, UnicodeDecodeError):
            continue
    if "timestamp.txt" in found:
        try:
            parse_utc(found["timestamp.txt"].strip())
        except Exception:  # dateutil's own errors: nbgrader would stop the whole run on it
            notes.append("timestamp.txt does not hold a date, so the submission time is unknown")
            del found["timestamp.txt"]
    return found


def misnamed_notebooks(submission: Path, notebook_name: str) -> list[str]:
    """The names of the notebooks a submission holds in place of ``notebook_name``.ipynb (none when
    it holds that one): the student's feedback goes out under them too, since nbgrader's exchange
    hands a student only the feedback named after a notebook they submitted."""
    if (submission / f"{notebook_name}.ipynb").is_file() or not submission.is_dir():
        return []
    return sorted(p.stem for p in submission.glob("*.ipynb"))


def _copied(name: str) -> bool:
    """Whether a file or folder of the submission goes into the private copy: hidden ones and
    notebooks do not (the notebook's cells reach the sandbox from the grader)."""
    return not (name.startswith(".") or name.endswith(".ipynb"))


def _folder_size(folder: Path) -> int:
    """The bytes the private copy will hold (notebooks are read apart: their cells run from the grader)."""
    total = 0
    for parent, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if _copied(name)]
        for name in files:
            path = Path(parent) / name
            if _copied(name) and path.is_file() and not path.is_symlink():
                total += path.stat().st_size
    return total


def prepare(course: Course, assignment: str, notebook_name: str, student: str,
            submission: Path, workdir: Path, skip: frozenset[str] = frozenset()) -> Prepared:
    """Everything the sandbox needs for one student, or the reason it cannot run.

    Code cells whose grade id is in ``skip`` (:func:`skipped_grade_ids`) are not run.
    """
    prepared = Prepared(student, notebook_name)
    prepared.nbgrader_files = _nbgrader_files(submission, prepared.notes)
    try:
        path = submission / f"{notebook_name}.ipynb"
        if not path.is_file():
            found = misnamed_notebooks(submission, notebook_name)
            hint = f" (found: {', '.join(f'{n}.ipynb' for n in found)}; rename yours to {path.name})" if found else ""
            raise SubmissionProblem(f"no {path.name} in the submission{hint}")
        notebook = sanitize(course, _read(path, prepared.notes), assignment, notebook_name, student)
        others = sorted(p.name for p in submission.glob("*.ipynb") if p.name != path.name)
        if others:
            prepared.notes.append(f"{', '.join(others)} {'was' if len(others) == 1 else 'were'} not graded: "
                                  f"only {path.name} is")
        if _folder_size(submission) > MAX_FOLDER_BYTES:
            raise SubmissionProblem(f"the submission folder is over {MAX_FOLDER_BYTES >> 20} MB")
        if workdir.exists():
            shutil.rmtree(workdir)
        # Links are copied as links: following one would copy a file the student may not read.
        shutil.copytree(submission, workdir, symlinks=True,
                        ignore=lambda parent, names: [name for name in names if not _copied(name)])
    except SubmissionProblem as problem:
        prepared.problem = str(problem)
        return prepared
    except Exception as exc:  # nbgrader refuses damaged metadata with its own exceptions
        prepared.problem = f"the notebook could not be prepared for grading: {type(exc).__name__}: {str(exc)[:300]}"
        return prepared
    prepared.notebook = notebook
    prepared.workdir = workdir
    prepared.code_cells = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"
                           and cell.metadata.get("nbgrader", {}).get("grade_id") not in skip]
    return prepared
