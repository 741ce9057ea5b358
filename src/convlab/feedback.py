"""nbgrader's HTML feedback, written for each student as soon as they are recorded.

``nbgrader generate_feedback`` builds its exporter (Jinja templates, CSS,
preprocessors) every time it runs, which costs more than converting one
notebook; run once per student it was a serial second of the grading run's
tail per submission. A run keeps one of nbgrader's own ``GenerateFeedback``
converters and converts each student's autograded notebook with it while the
other students are still being graded: nbgrader's template and preprocessors,
with nbconvert's last step made cheaper (:class:`FeedbackExporter`).

Converting still costs about as much as grading a student of ``01``, and the
grading process also records every student in turn: done there, feedback made
that process the run's bottleneck while the cores stood idle. So a run hands
feedback to a few processes of its own (:class:`FeedbackPool`), each with one
converter, forked from the grading process once it has imported nbgrader.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import shutil
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from nbconvert.exporters import HTMLExporter, TemplateExporter

from convlab.course import Course

#: What a browser cannot show as markup: its text is left alone, as an HTML parser leaves it.
_RAW_TEXT = re.compile(r"(<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->)", re.S | re.I)
_IMG_TAG = re.compile(r"<img\b(?P<attributes>(?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(?P<end>\s*/?>)", re.I)
_ALT = re.compile(r"\salt\s*=", re.I)
NO_ALT = "No description has been provided for this image"


def _with_alt(match: re.Match) -> str:
    if _ALT.search(match["attributes"]):
        return match[0]
    return f'<img{match["attributes"]} alt="{NO_ALT}"{match["end"]}'


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter, whose last step does not parse the page it has just written.

    ``HTMLExporter`` renders the template, then parses the whole page with BeautifulSoup
    to give every image without alternative text one, and the cells of JupyterLab
    templates a ``tabindex``, and writes the page out again: two thirds of the time of a
    student's feedback. nbgrader's feedback template is the classic one, which has no
    JupyterLab cells, so the one change is the images', made here on their tags alone.
    tests/test_grading.py holds the page to nbconvert's own, parsed.
    """

    def from_notebook_node(self, nb, resources=None, **kw):
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        # HTMLExporter.from_notebook_node up to its parse, as nbconvert 7 writes it.
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name", None))
        highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        if "jp-Notebook" in html:  # a JupyterLab template after all: nbconvert's own way
            return HTMLExporter.from_notebook_node(self, nb, resources, **kw)
        parts = _RAW_TEXT.split(html)
        parts[::2] = [_IMG_TAG.sub(_with_alt, part) for part in parts[::2]]
        return "".join(parts), resources


class _Collect(logging.Handler):
    """Keeps the converter's error messages: they are the reason given when a student's feedback fails."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(self.format(record))


class ClassFeedback:
    """``feedback/<student>/<assignment>/`` for one student at a time, with one converter per run."""

    def __init__(self, course: Course, assignment: str):
        from nbconvert.writers import FilesWriter
        from nbgrader.converters import GenerateFeedback

        self.root = course.root
        self.coursedir = course.coursedir()
        self.coursedir.assignment_id = assignment
        self.errors = _Collect()
        log = logging.getLogger(f"convlab.feedback.{assignment}")
        log.propagate = False  # nbgrader warns when it replaces a feedback file: regrading does that
        log.handlers = [self.errors]
        converter = GenerateFeedback(coursedir=self.coursedir, config=course.config, log=log)
        converter.force = True
        # What BaseConverter.start() sets up on every call, set up once for the run.
        converter.writer = FilesWriter(parent=converter, config=converter.config)
        converter.exporter = FeedbackExporter(parent=converter, config=converter.config)
        for preprocessor in converter.preprocessors:
            converter.exporter.register_preprocessor(preprocessor)
        self.converter = converter

    def write(self, student: str, aliases: Sequence[str] = ()) -> str | None:
        """Convert one student's autograded notebook, and copy the page to each of ``aliases``
        (the names of the notebooks they submitted in its place); the reason it failed, or None."""
        self.coursedir.student_id = student
        self.errors.messages.clear()
        here = os.getcwd()
        os.chdir(self.root)  # nbgrader's paths are relative to the course root
        try:
            self.converter.init_notebooks()
            self.converter.convert_notebooks()
            folder = Path(self.coursedir.format_path(self.coursedir.feedback_directory, student,
                                                     self.coursedir.assignment_id))
            [page] = folder.glob("*.html")
            for alias in aliases:
                shutil.copyfile(page, folder / f"{alias}.html")
        except Exception as error:  # nbgrader raises after logging what went wrong
            return "; ".join(self.errors.messages) or f"{type(error).__name__}: {error}"
        finally:
            os.chdir(here)
        return None


_converter: ClassFeedback | None = None  # the one of this feedback process (FeedbackPool)


def _start_converter(course: Course, assignment: str) -> None:
    from convlab.sandbox import die_with_parent

    global _converter
    die_with_parent()  # a killed run must not leave feedback processes behind
    _converter = ClassFeedback(course, assignment)


def _write(student: str, aliases: Sequence[str]) -> str | None:
    return _converter.write(student, aliases)


class FeedbackPool:
    """``feedback/<student>/<assignment>/`` written by ``processes`` processes beside the grading."""

    def __init__(self, course: Course, assignment: str, processes: int):
        # Forked, so that nbgrader is imported once. A forking pool starts all its processes at
        # the first submit, before its own thread: this one, made before the run starts any thread.
        self._pool = ProcessPoolExecutor(max(1, processes), mp_context=multiprocessing.get_context("fork"),
                                         initializer=_start_converter, initargs=(course, assignment))
        self._pool.submit(os.getpid)
        self._pending: dict[str, Future] = {}

    def submit(self, student: str, aliases: Sequence[str] = ()) -> None:
        self._pending[student] = self._pool.submit(_write, student, list(aliases))

    def finish(self) -> dict[str, str]:
        """Wait for every student's feedback; the reason each failed one failed."""
        problems = {}
        for student, future in self._pending.items():
            try:
                problem = future.result()
            except Exception as error:  # a feedback process died (BrokenProcessPool) or nbgrader broke
                problem = f"{type(error).__name__}: {error}"
            if problem:
                problems[student] = problem
        self._pool.shutdown()
        return problems

    def cancel(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
