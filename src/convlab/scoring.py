"""From check results to points: each grade cell's points times the share of its checks that passed."""

from __future__ import annotations

from collections import defaultdict


def score_grade_cells(checks: list[dict], max_points: dict[str, float]) -> dict[str, float]:
    """Points per autograded grade id.

    A grade id with hidden checks earns ``points * passed / total``; a grade id
    whose checks never ran (the student's notebook could not be run) earns 0.
    Only grade ids in ``max_points`` count, so a check tagged with an unknown
    id cannot add points. A check that crashed inside the grader (``internal``)
    counts neither way: the student is not to pay for the grader's bug.
    """
    passed: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for check in checks:
        grade_id = check.get("grade_id")
        if grade_id in max_points and not check.get("internal"):
            total[grade_id] += 1
            passed[grade_id] += bool(check.get("passed"))
    return {grade_id: round(max_points[grade_id] * passed[grade_id] / total[grade_id], 2)
            if total[grade_id] else 0.0
            for grade_id in max_points}
