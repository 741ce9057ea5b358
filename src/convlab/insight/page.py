"""``reports/<assignment>/``: the page (``index.html``) and the CSV files of its numbers.

The page is one file: its histograms are PNGs drawn by matplotlib and embedded
in it, so it can be mailed or attached to a course's records as it is. It is
rendered by a jinja2 template (``report.html.j2``) with autoescaping on:
student code, messages and names are text the students chose, never markup.
"""

from __future__ import annotations

import base64
import csv
import io
import math
from datetime import datetime, timezone
from pathlib import Path

from convlab.course import Course
from convlab.insight import analysis, similarity
from convlab.insight.sources import ClassRecords, load

#: Flagged pairs shown side by side on the page (all of them go to similarity.csv).
PAIRS_SHOWN = 25


def write_report(course: Course, assignment: str, out: Path | None = None) -> tuple[Path, list[str]]:
    """Write the report of ``assignment``; returns the page's path and the notes on inconsistent input."""
    records = load(course, assignment)
    folder = out or course.root / "reports" / assignment
    folder.mkdir(parents=True, exist_ok=True)
    stats = analysis.score_stats(records)
    rates = analysis.check_rates(records)
    mistakes = analysis.misconceptions(records)
    problems = analysis.grading_problems(records)
    regrade = analysis.regrade(records)
    pairs, similarity_notes = similarity.similar_pairs(course, assignment, sorted(records.latest))
    notes = records.notes + similarity_notes
    _write_csvs(folder, records, stats, rates, mistakes, regrade, pairs)
    page = _template().render(
        assignment=assignment, records=records, notes=notes, stats=stats, rates=rates, mistakes=mistakes,
        problems=problems, regrade=regrade, pairs=pairs[:PAIRS_SHOWN], pair_count=len(pairs),
        threshold=similarity.THRESHOLD, generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        scores_figure=_histograms([(f"{s.name} (/{s.points:g})", s.values, s.points) for s in stats], "points"),
        time_figure=_histograms([("seconds per student", list(problems.seconds.values()),
                                  max(problems.seconds.values(), default=0.0))], "seconds"))
    path = folder / "index.html"
    path.write_text(page, encoding="utf-8")
    return path, notes


def _template():
    import jinja2

    environment = jinja2.Environment(loader=jinja2.PackageLoader("convlab.insight", "."),
                                     autoescape=True, trim_blocks=True, lstrip_blocks=True)
    environment.filters["percent"] = lambda value: f"{100 * value:.0f} %"
    environment.filters["short"] = lambda digest: digest[:12]
    return environment.get_template("report.html.j2")


def _histograms(panels: list[tuple[str, list[float], float]], unit: str) -> str | None:
    """One small histogram per (title, values, largest possible value), in one PNG, as a data URL
    for an ``<img>``; None when there is nothing to draw."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    shown = [panel for panel in panels if panel[1]]
    if not shown:
        return None
    columns = min(4, len(shown))
    rows = math.ceil(len(shown) / columns)
    figure = Figure(figsize=(3.2 * columns, 2.4 * rows), layout="constrained")
    for k, (title, values, upper) in enumerate(shown):
        axes = figure.add_subplot(rows, columns, k + 1)
        axes.hist(values, bins=min(20, max(5, len(set(values)))), range=(0, max(upper, 1e-9)),
                  color="#4c72b0", edgecolor="white")
        axes.set_title(title, fontsize=9)
        axes.set_xlabel(unit, fontsize=8)
        axes.set_ylabel("students", fontsize=8)
        axes.tick_params(labelsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _write_csvs(folder: Path, records: ClassRecords, stats, rates, mistakes, regrade, pairs) -> None:
    """The page's numbers, one CSV per section, for a spreadsheet or the course's own scripts."""
    cells = list(records.points)
    _csv(folder / "scores.csv", ["student", "seed", *cells, analysis.TOTAL],
         [[s, records.seed_of(s) if s in records.latest else "", *(records.scores[s].get(c, 0.0) for c in cells),
           round(sum(records.scores[s].get(c, 0.0) for c in cells), 2)] for s in sorted(records.scores)])
    _csv(folder / "score_summary.csv", ["grade_cell", "points", "students", "mean", "median", "at_zero", "at_full"],
         [[s.name, s.points, len(s.values), s.mean, s.median, s.at_zero, s.at_full] for s in stats])
    _csv(folder / "checks.csv", ["check", "grade_cell", "ran", "failed", "failure_rate"],
         [[r.check, r.grade_id, r.ran, len(r.failed), round(r.rate, 4)] for r in rates])
    _csv(folder / "misconceptions.csv", ["grade_cell", "known_mistake", "misconception", "students", "who",
                                         "example_message"],
         [[m.grade_id, m.known, m.text, len(m.students), " ".join(sorted(m.students)), m.example] for m in mistakes])
    _csv(folder / "regrades.csv", ["student", "grade_cell", "before", "after"], regrade.changes if regrade else [])
    _csv(folder / "similarity.csv", ["student", "other", "share_of_student", "share_of_other"],
         [[p.first, p.second, p.share_first, p.share_second] for p in pairs])


def _csv(path: Path, header: list[str], rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
