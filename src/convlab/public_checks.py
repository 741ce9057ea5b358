"""``convlab check``: the public otter checks on one notebook, for a self-learner.

Otter runs the notebook and the test files in ``tests/`` beside it (the same
``grade_notebook`` that ``otter check`` uses); no gradebook, no hidden checks,
no sandbox: the code is the learner's own. Unlike ``otter check``, the exit
status says whether every check passed, so the command fits in a script.
"""

from __future__ import annotations

import os
from pathlib import Path


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
