"""The last steps of grading: the autograded notebook a student reads, and the gradebook rows.

The notebook written to ``autograded/`` is the sanitised submission with its
cells' outputs from the sandbox, and, in each autograded grade cell, the
hidden checks' verdicts and messages (never their code or inputs), as HTML
with a plain-text copy; a known mistake is said once for all the checks it
fails (:func:`check_report`). Scores go into nbgrader's gradebook through
nbgrader's own ``SaveAutoGrades`` and ``AssignLatePenalties`` preprocessors,
with the autograded cells' scores taken from the hidden checks instead of
from cell errors; so ``nbgrader generate_feedback``, ``export`` and
formgrader work unchanged.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from dataclasses import dataclass
from html import escape
from pathlib import Path

import nbformat
from nbgrader import utils
from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades
from sqlalchemy.exc import SAWarning
from traitlets import Dict

from convlab.course import Course
from convlab.prepare import Prepared


class SaveCheckScores(SaveAutoGrades):
    """nbgrader's SaveAutoGrades, with autograded cells scored by the hidden checks, in one transaction.

    nbgrader commits after every cell; here the cells' rows are only flushed and the
    student's notebook is committed at the end, so a run killed half-way through a
    student leaves that student's grades as they were, never half new.
    """

    scores = Dict(help="points per grade id, from the hidden checks")

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook
        from nbgrader.preprocessors import NbGraderPreprocessor

        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id = info["notebook"], info["assignment"]
        self.student_id, self.db_url = info["student"], info["db_url"]
        self.gradebook = Gradebook(self.db_url)
        with self.gradebook:
            session = self.gradebook.db
            session.commit = session.flush  # what nbgrader's per-cell commits do, until the end
            try:
                nb, resources = NbGraderPreprocessor.preprocess(self, nb, resources)  # the cells, as nbgrader does
            finally:
                del session.commit
            session.commit()
        return nb, resources

    def _add_score(self, cell, resources):
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        if grade_id not in self.scores:
            return super()._add_score(cell, resources)
        grade = self.gradebook.find_grade(grade_id, self.notebook_id, self.assignment_id, self.student_id)
        grade.auto_score = self.scores[grade_id]
        grade.needs_manual_grade = grade.manual_score is not None
        self.gradebook.db.commit()  # a flush: see preprocess


def check_report(grade_id: str, checks: list[dict], score: float, points: float) -> nbformat.NotebookNode:
    """The output under a grade cell: the hidden checks' verdicts, as HTML and as plain text.

    A stream output is a ``<pre>`` block in nbconvert's pages (feedback, formgrader) and in
    JupyterLab, where a long diagnosis runs off the page; HTML wraps. The plain text says the
    same for readers of text only. Scores are not read from here: they go to the gradebook.
    """
    mine = [c for c in checks if c.get("grade_id") == grade_id]
    counted = [c for c in mine if not c.get("internal")]
    passed = sum(c["passed"] for c in counted)
    heading = (f"Hidden checks for {grade_id}: {passed} of {len(counted)} passed, "
               f"{score:g} of {points:g} points.")
    sections = _sections(mine)
    return nbformat.v4.new_output("display_data", data={"text/html": _html(heading, sections),
                                                        "text/plain": _text(heading, sections)})


@dataclass
class _Section:
    """Part of a report: a sentence (or none), then checks as (verdict, check name, detail)."""

    lead: str
    items: list[tuple[str, str, str]]


def _sections(checks: list[dict]) -> list[_Section]:
    """A known mistake that fails several checks is said once, then its checks are listed
    with their calls; every other check follows as it is, with its message."""
    by_diagnosis = defaultdict(list)
    for check in checks:
        if check.get("diagnosis"):  # only failed checks have one
            by_diagnosis[check["diagnosis"]].append(check)
    shared = {diagnosis: group for diagnosis, group in by_diagnosis.items() if len(group) > 1}
    sections = [_Section(f"{len(group)} checks found the same mistake: {_sentence(diagnosis)}",
                         [("FAIL", _name(c), c["what"]) for c in group]) for diagnosis, group in shared.items()]
    rest = [(_verdict(c), _name(c), "" if c["passed"] else c["message"])
            for c in checks if c.get("diagnosis") not in shared]
    if rest:
        sections.append(_Section("The other checks:" if sections else "", rest))
    if not checks:
        sections.append(_Section("No check could run: see the messages above.", []))
    return sections


def _name(check: dict) -> str:
    return check["check"].split("::", 1)[-1]


def _verdict(check: dict) -> str:
    return "NOT COUNTED" if check.get("internal") else "PASS" if check["passed"] else "FAIL"


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else f"{text}."


def _html(heading: str, sections: list[_Section]) -> str:
    """Semantic markup only (a heading, paragraphs, lists), every word escaped: messages hold values
    the student's code chose, and JupyterLab strips styles from an untrusted notebook anyway."""
    parts = [f"<h4>{escape(heading)}</h4>"]
    for section in sections:
        if section.lead:
            parts.append(f"<p>{escape(section.lead)}</p>")
        if section.items:
            parts.append("<ul>\n" + "\n".join(
                f"<li><strong>{verdict}</strong> <code>{escape(name)}</code>{_detail(escape(detail))}</li>"
                for verdict, name, detail in section.items) + "\n</ul>")
    return "\n".join(parts) + "\n"


def _text(heading: str, sections: list[_Section]) -> str:
    blocks = [heading]
    for section in sections:
        lines = [f"  {verdict}  {name}{_detail(detail)}" for verdict, name, detail in section.items]
        blocks.append("\n".join(([section.lead] if section.lead else []) + lines))
    return "\n\n".join(blocks) + "\n"


def _detail(detail: str) -> str:
    return f": {detail}" if detail else ""


def stream(text: str, name: str = "stdout") -> nbformat.NotebookNode:
    return nbformat.v4.new_output("stream", name=name, text=text)


def autograded_notebook(prepared: Prepared, results: dict | None, scores: dict[str, float],
                        points: dict[str, float]) -> nbformat.NotebookNode:
    notebook = copy.deepcopy(prepared.notebook)
    results = results or {}
    for run in results.get("cells", []):
        cell = notebook.cells[prepared.code_cells[run["index"]]]
        outputs = [nbformat.from_dict(o) for o in run.get("outputs", [])]
        if run.get("error"):
            error = run["error"]
            outputs.append(nbformat.v4.new_output("error", ename=error["type"], evalue=error["message"],
                                                  traceback=[f"{error['type']}: {error['message']}"]))
        if run.get("lost"):
            outputs.append(stream(f"convlab stopped this cell: {run['lost']}. It was skipped; "
                                  "the cells after it ran without it.\n", "stderr"))
        cell.outputs = outputs
    checks = results.get("checks", [])
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in scores:
            cell.outputs = [check_report(grade_id, checks, scores[grade_id], points[grade_id])]
    if prepared.problem or results.get("start_error"):
        why = prepared.problem or f"your notebook could not be run: {results['start_error']}"
        notebook.cells.insert(0, nbformat.v4.new_markdown_cell(f"**convlab could not grade this submission:** {why}"))
    for note in prepared.notes:
        notebook.cells.insert(0, nbformat.v4.new_markdown_cell(f"**Note from convlab:** {note}."))
    return notebook


def write_autograded(course: Course, assignment: str, prepared: Prepared, notebook) -> Path:
    folder = course.autograded(prepared.student, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{prepared.notebook_name}.ipynb"
    tmp = path.with_suffix(".ipynb.tmp")
    try:
        nbformat.write(notebook, tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)  # a full disk leaves no half notebook behind
    for name, text in prepared.nbgrader_files.items():
        (folder / name).write_text(text)
    return path


def save_to_gradebook(course: Course, assignment: str, prepared: Prepared, notebook,
                      scores: dict[str, float]) -> None:
    """Create the submission in the gradebook and store every grade cell's score."""
    with course.gradebook() as gradebook, warnings.catch_warnings():
        # nbgrader's add_submission triggers SQLAlchemy autoflush warnings about objects it
        # is still building; `nbgrader autograde` prints the same ones. The rows are right.
        warnings.simplefilter("ignore", SAWarning)
        gradebook.update_or_create_student(prepared.student)
        kwargs = {"timestamp": utils.parse_utc(prepared.timestamp)} if prepared.timestamp else {}
        gradebook.update_or_create_submission(assignment, prepared.student, **kwargs)
    resources = {"nbgrader": {"db_url": course.gradebook_url, "assignment": assignment,
                              "notebook": prepared.notebook_name, "student": prepared.student}}
    if prepared.problem:
        # Nothing could run: every grade cell gets zero, as nbgrader does for a missing notebook.
        with course.gradebook() as gradebook:
            submission = gradebook.find_submission_notebook(prepared.notebook_name, assignment, prepared.student)
            for grade in submission.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
            gradebook.db.commit()
    else:
        SaveCheckScores(config=course.config, scores=scores).preprocess(notebook, resources)
    AssignLatePenalties(config=course.config).preprocess(notebook, resources)

