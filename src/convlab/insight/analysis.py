"""The report's numbers, computed from :class:`convlab.insight.sources.ClassRecords`.

Plain functions over plain data, so that each number can be checked against
the gradebook and the runs by a test, and the page only lays them out.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from convlab.history import Run
from convlab.insight.sources import ClassRecords

#: What varies between students who made the same mistake, left out to group the messages no known
#: mistake explains: a call's arguments (``conv2d(image 7x9x4, stride=2)``), then numbers (sizes,
#: values, positions), but not the digits of a name (``conv2d``).
_CALL = re.compile(r"\b(\w+)\((?:[^()]|\([^()]*\))*\)")
_NUMBER = re.compile(r"(?<![A-Za-z_])[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?", re.IGNORECASE)


def message_pattern(message: str) -> str:
    """``conv2d(image 7x9x4) differs at 3 of 20 positions`` -> ``conv2d(…) differs at N of N positions``."""
    return _NUMBER.sub("N", _CALL.sub(r"\1(…)", message))
TOTAL = "total"


@dataclass
class ScoreStats:
    """The distribution of one grade cell's scores (or of the total) over the class."""

    name: str
    points: float
    values: list[float]
    mean: float = 0.0
    median: float = 0.0
    at_zero: int = 0
    at_full: int = 0

    def __post_init__(self):
        if self.values:
            self.mean = round(statistics.fmean(self.values), 2)
            self.median = round(statistics.median(self.values), 2)
            self.at_zero = sum(v <= 1e-9 for v in self.values)
            self.at_full = sum(v >= self.points - 1e-9 for v in self.values)


def score_stats(records: ClassRecords) -> list[ScoreStats]:
    """Each grade cell's scores, then the total (before any late penalty), over the students scored."""
    students = sorted(records.scores)
    stats = [ScoreStats(cell, points, [records.scores[s].get(cell, 0.0) for s in students])
             for cell, points in records.points.items()]
    totals = [round(sum(records.scores[s].get(cell, 0.0) for cell in records.points), 2) for s in students]
    return stats + [ScoreStats(TOTAL, round(sum(records.points.values()), 2), totals)]


@dataclass
class CheckRate:
    """How often one hidden check failed: among the students it ran for (crashes in the grader excluded)."""

    check: str
    grade_id: str | None
    ran: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.failed) / self.ran if self.ran else 0.0


def check_rates(records: ClassRecords) -> list[CheckRate]:
    """The hidden checks, the most failed first."""
    rates: dict[str, CheckRate] = {}
    for student, record in sorted(records.latest.items()):
        for check in record["checks"]:
            if check.get("internal"):
                continue
            rate = rates.setdefault(check["check"], CheckRate(check["check"], check.get("grade_id")))
            rate.ran += 1
            if not check["passed"]:
                rate.failed.append(student)
    return sorted(rates.values(), key=lambda r: (-r.rate, -len(r.failed), r.check))


@dataclass
class Misconception:
    """One mistake and the students who made it: a known mistake's diagnosis, or, for failures no
    known mistake explains, their message with its numbers left out."""

    grade_id: str | None
    text: str
    known: bool
    students: set[str] = field(default_factory=set)
    checks: set[str] = field(default_factory=set)
    example: str = ""


def misconceptions(records: ClassRecords) -> list[Misconception]:
    """Failed checks grouped by what went wrong, the most students first; a student counts once per group."""
    groups: dict[tuple, Misconception] = {}
    for student, record in sorted(records.latest.items()):
        for check in record["checks"]:
            if check["passed"] or check.get("internal"):
                continue
            known = bool(check.get("diagnosis"))
            text = check["diagnosis"] if known else message_pattern(check["message"])
            group = groups.setdefault((check.get("grade_id"), known, text),
                                      Misconception(check.get("grade_id"), text, known, example=check["message"]))
            group.students.add(student)
            group.checks.add(check["check"])
    return sorted(groups.values(), key=lambda g: (-len(g.students), not g.known, g.grade_id or "", g.text))


@dataclass
class GradingProblems:
    """Where grading itself had trouble, and how long it took."""

    not_graded: dict[str, str]  # student -> why nothing was recorded
    not_run: dict[str, str]  # student -> why their notebook could not run (recorded with zero)
    stopped_cells: list[tuple[str, int, str]]  # (student, code cell index, why the sandbox stopped it)
    crashed_checks: dict[str, list[str]]  # check -> students it crashed for, inside the grader
    crash_example: dict[str, str]  # check -> the last line of one of its tracebacks
    seconds: dict[str, float]  # student -> seconds their notebook and checks took
    check_seconds: dict[str, list[float]]  # check -> its seconds, one per student

    def slowest_students(self, count: int = 10) -> list[tuple[str, float]]:
        return sorted(self.seconds.items(), key=lambda item: -item[1])[:count]

    def slowest_checks(self, count: int = 10) -> list[tuple[str, float, float]]:
        """(check, mean seconds, most seconds), the slowest on average first."""
        means = [(check, statistics.fmean(times), max(times)) for check, times in self.check_seconds.items()]
        return sorted(means, key=lambda item: -item[1])[:count]


def grading_problems(records: ClassRecords) -> GradingProblems:
    problems = GradingProblems({}, {}, [], defaultdict(list), {}, {}, defaultdict(list))
    for student, record in sorted(records.latest.items()):
        grade = record["grade"]
        if not grade["recorded"]:
            problems.not_graded[student] = grade["problem"] or "the grader failed"
        elif grade["problem"] or record.get("start_error"):
            problems.not_run[student] = grade["problem"] or record["start_error"]
        problems.stopped_cells += [(student, cell["index"], cell["lost"]) for cell in record["stopped_cells"]]
        for error in record["internal_errors"]:
            problems.crashed_checks[error["check"]].append(student)
            problems.crash_example[error["check"]] = error["traceback"].strip().splitlines()[-1]
        timing = record.get("timing") or {}
        if "checks_seconds" in timing:
            problems.seconds[student] = round(timing.get("notebook_seconds", 0.0) + timing["checks_seconds"], 2)
        for check in record["checks"]:
            if "seconds" in check:
                problems.check_seconds[check["check"]].append(check["seconds"])
    return problems


@dataclass
class Regrade:
    """What changed between the last two runs, for the students both graded."""

    before: Run
    after: Run
    changes: list[tuple[str, str, float, float]]  # (student, grade cell, before, after), only where they differ
    only_before: list[str]
    only_after: list[str]

    @property
    def checks_changed(self) -> bool:
        return self.before.grader_tests != self.after.grader_tests

    @property
    def seed_changed(self) -> bool:
        return self.before.seed != self.after.seed

    def by_cell(self) -> dict[str, tuple[int, int]]:
        """Grade cell -> (students who gained points in it, students who lost some)."""
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for _, cell, old, new in self.changes:
            counts[cell][0 if new > old else 1] += 1
        return {cell: (gained, lost) for cell, (gained, lost) in counts.items()}


def regrade(records: ClassRecords) -> Regrade | None:
    """The difference between the last two runs, or None before the second run."""
    if len(records.runs) < 2:
        return None
    before, after = records.runs[-2], records.runs[-1]
    changes = []
    for student in sorted(set(before.students) & set(after.students)):
        old, new = before.students[student]["grade"]["scores"], after.students[student]["grade"]["scores"]
        changes += [(student, cell, old.get(cell, 0.0), score) for cell, score in new.items()
                    if abs(score - old.get(cell, 0.0)) > 1e-9]
    return Regrade(before, after, changes, sorted(set(before.students) - set(after.students)),
                   sorted(set(after.students) - set(before.students)))
