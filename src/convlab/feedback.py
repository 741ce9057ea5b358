"""nbgrader's HTML feedback, written for each student as soon as they are recorded.

``nbgrader generate_feedback`` builds its exporter (Jinja templates, CSS,
preprocessors) every time it runs, which costs more than converting one
notebook; run once per student it was a serial second of the grading run's
tail per submission. A run keeps one of nbgrader's own ``GenerateFeedback``
converters and converts each student's autograded notebook with it while the
other students are still being graded, so the output is exactly nbgrader's.
"""

from __future__ import annotations

import logging
import os

from convlab.course import Course


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
        converter.exporter = converter.exporter_class(parent=converter, config=converter.config)
        for preprocessor in converter.preprocessors:
            converter.exporter.register_preprocessor(preprocessor)
        self.converter = converter

    def write(self, student: str) -> str | None:
        """Convert one student's autograded notebook; the reason it failed, or None."""
        self.coursedir.student_id = student
        self.errors.messages.clear()
        here = os.getcwd()
        os.chdir(self.root)  # nbgrader's paths are relative to the course root
        try:
            self.converter.init_notebooks()
            self.converter.convert_notebooks()
        except Exception as error:  # nbgrader raises after logging what went wrong
            return "; ".join(self.errors.messages) or f"{type(error).__name__}: {error}"
        finally:
            os.chdir(here)
        return None
