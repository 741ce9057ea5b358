"""The public otter checks: what students run in their notebook, and ``convlab check``.

In a notebook, ``grader = Notebook()`` is otter's ``Notebook`` with one
difference: a check that fails raises :class:`PublicChecksFailed`, whose
traceback is otter's report. nbgrader's Validate button (``nbgrader
validate``) judges a grade cell by its output alone: an error fails it, any
other output passes it. otter's own ``check`` returns its report as the cell's
value, so every failing exercise looked like a pass and an empty notebook
"validated" but for its written answer. The student still reads otter's
report, as the cell's error instead of its value.

``convlab check`` runs every public check on one notebook for a self-learner:
otter runs the notebook and the test files in ``tests/`` beside it (the same
``grade_notebook`` that ``otter check`` uses); no gradebook, no hidden
checks, no sandbox: the code is the learner's own. Unlike ``otter check``, the
exit status says whether every check passed, so the command fits in a script.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import otter


class PublicChecksFailed(Exception):
    """Raised by :meth:`Notebook.check` when a public check fails; shown as otter's report."""

    def __init__(self, result):
        self.result = result
        failed = sum(not case.passed for case in result.test_case_results)
        super().__init__(f"{failed} of {len(result.test_case_results)} public checks of {result.name} failed")

    def _render_traceback_(self) -> list[str]:
        """IPython shows these lines instead of a traceback: the checks' code and the
        student's frames would only hide the explanation."""
        return [f"{type(self).__name__}: {self}", "", *self.result.summary().splitlines()]


class Notebook(otter.Notebook):
    """otter's ``Notebook``, whose ``check`` raises :class:`PublicChecksFailed` when a check fails."""

    def check(self, question: str, global_env: dict | None = None):
        if global_env is None:  # otter reads the caller's globals; the caller is one frame further now
            global_env = sys._getframe(1).f_globals
        result = super().check(question, global_env)
        if result is not None and not result.passed_all:  # None: otter's grading mode runs checks itself
            raise PublicChecksFailed(result)
        return result


def check(notebook: Path, question: str | None = None) -> int:
    """Print otter's report for ``notebook``; 0 when every public check passed, else 1."""
    from otter.check.utils import list_test_files
    from otter.execute import grade_notebook

    notebook = notebook.resolve()
    tests = notebook.parent / "tests"
    if not tests.is_dir():
        raise SystemExit(f"no tests/ folder beside {notebook.name}: is this a released convlab notebook?")
    if question and not (tests / f"{question}.py").is_file():
        raise SystemExit(f"no public check named {question!r} in {tests}")
    files = [str(tests / f"{question}.py")] if question else list_test_files(str(tests))
    here = Path.cwd()
    os.chdir(notebook.parent)  # otter writes its log and resolves paths in the notebook's folder
    try:
        results = grade_notebook(str(notebook), tests_glob=files, test_dir=str(tests), script=False)
    finally:
        os.chdir(here)
    if results.total == results.possible:
        print("All tests passed!")
        return 0
    print("\n".join(repr(test_file) for test_file in results.results.values()))
    return 1
