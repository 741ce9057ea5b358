"""The score table ``convlab grade`` prints at the end of a class run."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from convlab.grading import StudentGrade


def score_table(assignment: str, grades: list[StudentGrade]) -> Table:
    grade_ids = list(grades[0].points) if grades else []
    table = Table(title=f"{assignment}: autograded scores")
    table.add_column("student")
    for grade_id in grade_ids:
        table.add_column(f"{grade_id}\n/{grades[0].points[grade_id]:g}", justify="right")
    table.add_column("total", justify="right", style="bold")
    table.add_column("notes", overflow="fold", max_width=60)
    for grade in grades:
        note = grade.problem or (grade.failed_checks[0]["message"][:160] if grade.failed_checks else "")
        table.add_row(grade.student, *(f"{grade.scores[g]:g}" for g in grade_ids),
                      f"{grade.total:g}/{grade.max_total:g}", note)
    return table


def print_scores(assignment: str, grades: list[StudentGrade]) -> bool:
    """Print the table and what the instructor must look at; False if some student was not graded."""
    console = Console(width=200)
    console.print(score_table(assignment, grades))
    crashed = {g.student: g.internal_errors for g in grades if g.internal_errors}
    if crashed:
        console.print(f"[bold red]{sum(crashed.values())} checks crashed inside the grader and were not counted[/] "
                      f"({', '.join(crashed)}); their tracebacks are in .convlab/{assignment}/results/<student>.json")
    ungraded = [g.student for g in grades if not g.recorded]
    if ungraded:
        console.print(f"[bold red]not graded, nothing recorded:[/] {', '.join(ungraded)}")
    return not ungraded
