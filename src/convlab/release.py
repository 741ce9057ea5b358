"""``convlab release``: regenerate ``release/`` from ``source/`` with nbgrader, and check it."""

from __future__ import annotations

import builtins
import re
import symtable
from pathlib import Path

from convlab.course import Course
from convlab.prepare import SKIP_TAG

#: Text that must never reach students.
LEAK_PATTERNS = re.compile(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS|BEGIN MARK SCHEME")


def find_leaks(folder: Path) -> list[str]:
    """Files under ``folder`` that hold solution or hidden-test markers, or hidden checks."""
    leaks = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and (LEAK_PATTERNS.search(path.read_text(errors="replace")) or "grader_tests" in path.parts):
            leaks.append(str(path.relative_to(folder)))
    return leaks


def _names(source: str) -> tuple[set[str], set[str]]:
    """The global names a cell binds, and those it reads (in function bodies too), IPython magics aside."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        top = symtable.symtable(TransformerManager().transform_cell(source), "<cell>", "exec")
    except SyntaxError:
        return set(), set()
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    read, tables = set(), [top]
    while tables:
        table = tables.pop()
        tables += table.get_children()
        read |= {s.get_name() for s in table.get_symbols()
                 if s.is_referenced() and (table is top or s.is_global())}
    return bound, read


def _first_line(source: str) -> str:
    return (source.strip().splitlines() or [""])[0]


def skipped_cell_problems(notebook) -> list[str]:
    """Why skipping the notebook's :data:`SKIP_TAG` cells when grading would change a graded result.

    A skipped cell must be one nbgrader puts back as the instructor wrote it (locked, with a
    grade id), and nothing it defines may be read by a cell that runs when grading (a grade
    cell, a solution, setup) unless such a cell defines it too: the hidden checks would then
    meet a name the student's notebook had.
    """
    problems, skipped, kept = [], {}, []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        nbgrader = cell.metadata.get("nbgrader", {})
        bound, read = _names(cell.source)
        if SKIP_TAG in cell.metadata.get("tags", []):
            if not (nbgrader.get("locked") and nbgrader.get("grade_id")):
                problems.append(f"a cell tagged {SKIP_TAG} is not read-only with a grade id, so grading would "
                                f"run it anyway: {_first_line(cell.source)[:60]!r}")
            for name in bound:
                skipped.setdefault(name, nbgrader.get("grade_id", "?"))
        else:
            kept.append((nbgrader.get("grade_id") or _first_line(cell.source)[:40], bound, read))
    defined = set().union(*(bound for _, bound, _ in kept)) | set(vars(builtins))
    for where, _, read in kept:
        for name in sorted(read & set(skipped) - defined):
            problems.append(f"cell {where!r} uses {name!r}, which only the {SKIP_TAG} cell {skipped[name]!r} "
                            "defines: grading would not have it")
    return problems


def release(course: Course, assignment: str) -> Path:
    """Run ``nbgrader generate_assignment`` (creating the gradebook entries) and refuse any leak, or
    a skipped cell that a graded one needs."""
    import nbformat

    for notebook in sorted(course.source(assignment).glob("*.ipynb")):
        problems = skipped_cell_problems(nbformat.read(notebook, as_version=4))
        if problems:
            raise SystemExit(f"{notebook.relative_to(course.root)}: " + "; ".join(problems))
    result = course.nbgrader_api().generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        raise SystemExit(f"nbgrader generate_assignment {assignment} failed:\n{result.get('log', '')}\n"
                         f"{result.get('error', '')}")
    leaks = find_leaks(course.release(assignment))
    if leaks:
        raise SystemExit(f"release/{assignment} would show students solutions or hidden checks: {leaks}")
    return course.release(assignment)
