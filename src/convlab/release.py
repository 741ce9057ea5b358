"""``convlab release``: regenerate ``release/`` from ``source/`` with nbgrader, and check it."""

from __future__ import annotations

import re
from pathlib import Path

from convlab.course import Course

#: Text that must never reach students.
LEAK_PATTERNS = re.compile(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS|BEGIN MARK SCHEME")


def find_leaks(folder: Path) -> list[str]:
    """Files under ``folder`` that hold solution or hidden-test markers, or hidden checks."""
    leaks = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and (LEAK_PATTERNS.search(path.read_text(errors="replace")) or "grader_tests" in path.parts):
            leaks.append(str(path.relative_to(folder)))
    return leaks


def release(course: Course, assignment: str) -> Path:
    """Run ``nbgrader generate_assignment`` (creating the gradebook entries) and refuse any leak."""
    result = course.nbgrader_api().generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        raise SystemExit(f"nbgrader generate_assignment {assignment} failed:\n{result.get('log', '')}\n"
                         f"{result.get('error', '')}")
    leaks = find_leaks(course.release(assignment))
    if leaks:
        raise SystemExit(f"release/{assignment} would show students solutions or hidden checks: {leaks}")
    return course.release(assignment)
