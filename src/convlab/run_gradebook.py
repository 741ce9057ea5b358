"""One gradebook connection for a whole grading run, nbgrader's own preprocessors included.

nbgrader's preprocessors (``OverwriteCells``, ``OverwriteKernelspec``,
``SaveAutoGrades``, ``AssignLatePenalties``) open a ``Gradebook`` of their own
for every notebook they see, and so did convlab's steps around them: five per
student, each a new SQLAlchemy engine that inspects the tables, checks the
schema and starts with an empty statement cache, so every query was compiled
anew. That was most of the grading process's time, which every shard waits on.

Within :func:`shared`, every ``Gradebook`` opened on the course's database in
this process is the run's one gradebook: the preprocessors run unchanged, and
leaving their ``with`` block keeps it open (rolling back on an error, as
closing it would). Each student's scores are still committed on their own,
by the same preprocessors, so a run killed half-way leaves whole students.
Only the grading process uses it: the feedback processes are forked before it
opens, and open their own.
"""

from __future__ import annotations

import contextlib
import importlib

#: Modules whose ``Gradebook`` name grading goes through: nbgrader's API (what convlab's own
#: code imports at call time) and the preprocessors that imported the class at their own import.
USERS = ("nbgrader.api", "nbgrader.preprocessors.overwritecells", "nbgrader.preprocessors.overwritekernelspec",
         "nbgrader.preprocessors.saveautogrades", "nbgrader.preprocessors.latesubmissions")


class _Borrowed:
    """The run's gradebook handed to code that opens its own: closing it is the run's business."""

    def __init__(self, gradebook):
        self._gradebook = gradebook

    def __getattr__(self, name):
        return getattr(self._gradebook, name)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is not None:
            self._gradebook.db.rollback()

    def close(self):
        pass


@contextlib.contextmanager
def shared(db_url: str, course_id: str):
    """For the ``with`` block, ``Gradebook(db_url)`` anywhere in nbgrader or convlab is one open gradebook."""
    modules = [importlib.import_module(name) for name in USERS]
    real = modules[0].Gradebook

    def opened(url, *args, **kwargs):
        return _Borrowed(gradebook) if url == db_url else real(url, *args, **kwargs)

    with real(db_url, course_id=course_id) as gradebook:
        for module in modules:
            module.Gradebook = opened
        try:
            yield gradebook
        finally:
            for module in modules:
                module.Gradebook = real
