"""What the report is made from: the gradebook's scores and the kept grading runs, checked against each other.

The gradebook is read with plain SQL queries through nbgrader's own table
models, not through nbgrader's ``Gradebook`` class: that class creates the
course's row when it is missing and runs migrations, and a report must never
change the gradebook it reads (least of all another course's, opened by
mistake). One query fetches the whole class, so a thousand students cost
milliseconds.

Where the sources disagree (a gradebook from another course, students graded
under different seeds, scores changed by hand since), :class:`ClassRecords`
says so in ``notes``, plain sentences the page and the command show, and the
report is still made from what is consistent.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from convlab import history
from convlab.course import Course


@dataclass
class GradebookScores:
    """One assignment's rows in the gradebook."""

    cells: dict[str, tuple[float, str]]  # grade cell -> (max points, "code" or "markdown")
    scores: dict[str, dict[str, float]]  # student -> grade cell -> score (manual over auto, as nbgrader counts)
    auto: dict[str, dict[str, float | None]]  # student -> grade cell -> the autograder's score


@dataclass
class ClassRecords:
    """Everything the report knows about one assignment's class."""

    assignment: str
    runs: list[history.Run]
    latest: dict[str, dict] = field(default_factory=dict)  # student -> their record in the last run that graded them
    run_of: dict[str, history.Run] = field(default_factory=dict)  # student -> that run
    points: dict[str, float] = field(default_factory=dict)  # grade cell -> max points, as the Scores section shows
    scores: dict[str, dict[str, float]] = field(default_factory=dict)  # student -> grade cell -> score
    scores_from: str = "the gradebook"
    notes: list[str] = field(default_factory=list)

    def seed_of(self, student: str) -> int:
        record = self.latest[student]
        return record["seed"] if record.get("seed") is not None else self.run_of[student].seed


def read_gradebook(course: Course, assignment: str) -> tuple[GradebookScores | None, str | None]:
    """The assignment's scores in ``gradebook.db``, or None and why there are none."""
    from nbgrader.api import Assignment, Grade, GradeCell, Notebook, SubmittedAssignment, SubmittedNotebook
    from sqlalchemy import create_engine, select
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    path = course.root / "gradebook.db"
    if not path.is_file():
        return None, f"there is no gradebook ({path})"
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with Session(engine) as session:
            found = session.execute(select(Assignment.id, Assignment.course_id)
                                    .where(Assignment.name == assignment)).all()
            if not found:
                return None, f"{path.name} has no assignment {assignment}"
            ours = course.config.CourseDirectory.course_id
            if all(course_id != ours for _, course_id in found):
                return None, (f"{path.name} holds {assignment} for the course {found[0][1]!r}, not {ours!r} "
                              "(nbgrader_config.py's course_id): it is another course's gradebook")
            assignment_id = next(a for a, course_id in found if course_id == ours)
            cells = {name: (float(points), kind) for name, points, kind in session.execute(
                select(GradeCell.name, GradeCell.max_score, GradeCell.cell_type)
                .join(Notebook, GradeCell.notebook_id == Notebook.id).where(Notebook.assignment_id == assignment_id))}
            rows = session.execute(
                select(SubmittedAssignment.student_id, GradeCell.name, Grade.score, Grade.auto_score)
                .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
                .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
                .join(GradeCell, Grade.cell_id == GradeCell.id)
                .where(SubmittedAssignment.assignment_id == assignment_id)).all()
    except SQLAlchemyError as error:
        return None, f"{path} could not be read as an nbgrader gradebook ({type(error).__name__}: {error})"
    finally:
        engine.dispose()
    scores: dict[str, dict[str, float]] = {}
    auto: dict[str, dict[str, float | None]] = {}
    for student, cell, score, auto_score in rows:
        scores.setdefault(student, {})[cell] = float(score)
        auto.setdefault(student, {})[cell] = auto_score
    return GradebookScores(cells, scores, auto), None


def load(course: Course, assignment: str) -> ClassRecords:
    """The class as the report sees it; SystemExit with the reason if there is nothing to report."""
    if not (course.source(assignment).is_dir() or course.release(assignment).is_dir()):
        known = ", ".join(sorted({p.name for folder in ("source", "release") if (course.root / folder).is_dir()
                                  for p in (course.root / folder).iterdir() if p.is_dir()})) or "none"
        raise SystemExit(f"{assignment} is not an assignment of this course (its assignments: {known})")
    records = ClassRecords(assignment, history.runs(course, assignment))
    for run in records.runs:  # oldest first: a later run's record of a student replaces an earlier one
        for student, record in run.students.items():
            records.latest[student], records.run_of[student] = record, run
    gradebook, why_not = read_gradebook(course, assignment)
    if not records.runs and not (gradebook and gradebook.scores):
        raise SystemExit(f"{assignment} has never been graded: there is no kept run of `convlab grade {assignment}` "
                         f"and {why_not or 'the gradebook holds no submission of it'}. "
                         f"Grade it first: convlab grade {assignment}")
    if not records.runs:
        records.notes.append(f"{assignment} was never graded by `convlab grade` since convlab keeps its runs, so "
                             "only the gradebook's scores are shown: no checks, diagnoses or regrades. "
                             f"Run `convlab grade {assignment}` to have them.")
    _choose_scores(records, gradebook, why_not)
    _note_seeds(records)
    return records


def _choose_scores(records: ClassRecords, gradebook: GradebookScores | None, why_not: str | None) -> None:
    """The gradebook's scores when they agree with the runs' grade cells (they hold the written
    answers' manual grades too); else the runs' own, with a note saying why."""
    graded = {s: r for s, r in records.latest.items() if r["grade"]["recorded"]}
    last = next((r for run in reversed(records.runs) for r in run.students.values()), None)
    run_points = last["grade"]["points"] if last else {}
    if gradebook is not None:
        code_cells = {name: points for name, (points, kind) in gradebook.cells.items() if kind == "code"}
        if records.runs and code_cells != run_points:
            why_not = (f"the gradebook's autograded cells for {records.assignment} ({_points(code_cells)}) are not "
                       f"those convlab grade scored ({_points(run_points)}): it may be another course's gradebook, "
                       "or the assignment changed after grading")
        elif graded and not gradebook.scores:
            why_not = f"the gradebook holds no submission of {records.assignment}"
        else:
            records.points = {**run_points, **{n: p for n, (p, _) in gradebook.cells.items() if n not in run_points}}
            records.scores = gradebook.scores
            _note_disagreements(records, gradebook, graded)
            return
    records.notes.append(f"Scores come from the grading runs, not the gradebook: {why_not}. "
                         "Written answers graded by hand are therefore missing from them.")
    records.scores_from = "the grading runs"
    records.points = dict(run_points)
    records.scores = {s: r["grade"]["scores"] for s, r in graded.items()}


def _note_disagreements(records: ClassRecords, gradebook: GradebookScores, graded: dict[str, dict]) -> None:
    missing = sorted(set(graded) - set(gradebook.scores))
    if missing:
        records.notes.append(f"{len(missing)} students graded by convlab grade are not in the gradebook: "
                             f"{_names(missing)}. Their scores are left out of the Scores section.")
    changed = sorted(s for s, r in graded.items() if s in gradebook.auto and any(
        gradebook.auto[s].get(cell) is None or abs(gradebook.auto[s][cell] - score) > 1e-6
        for cell, score in r["grade"]["scores"].items()))
    if changed:
        records.notes.append(f"The gradebook's autograded scores of {len(changed)} students differ from their last "
                             f"convlab grade run ({_names(changed)}): were they graded by another tool since? "
                             "The Scores section shows the gradebook's.")
    if records.runs:
        others = sorted(set(gradebook.scores) - set(records.latest))
        if others:
            records.notes.append(f"{len(others)} students in the gradebook were never graded by a kept convlab grade "
                                 f"run ({_names(others)}): they count in the Scores section only.")


def _note_seeds(records: ClassRecords) -> None:
    seeds = Counter(records.seed_of(s) for s in records.latest)
    if len(seeds) > 1:
        groups = "; ".join(f"seed {seed}: {count} students" for seed, count in seeds.most_common())
        records.notes.append(f"Students were graded under different seeds ({groups}), so their hidden checks drew "
                             "different inputs. Each student's verdicts are those of their last run; a failure "
                             "rate mixes the draws. Grade the class again in one run for rates on one draw.")


def _points(points: dict[str, float]) -> str:
    return ", ".join(f"{name} /{value:g}" for name, value in points.items()) or "none"


def _names(students: list[str], shown: int = 8) -> str:
    return ", ".join(students[:shown]) + (f" and {len(students) - shown} more" if len(students) > shown else "")
