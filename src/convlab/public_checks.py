"""``convlab check``: the public otter checks on one notebook, for a self-learner.

This is otter's own ``otter check`` (it runs the notebook and the test files in
``tests/`` beside it); no gradebook, no hidden checks, no sandbox: the code is
the learner's own.
"""

from __future__ import annotations

import os
from pathlib import Path


def check(notebook: Path, question: str | None = None) -> int:
    from otter.check import main as otter_check

    notebook = notebook.resolve()
    tests = notebook.parent / "tests"
    if not tests.is_dir():
        raise SystemExit(f"no tests/ folder beside {notebook.name}: is this a released convlab notebook?")
    here = Path.cwd()
    os.chdir(notebook.parent)  # otter writes its log and resolves paths in the notebook's folder
    try:
        otter_check(str(notebook), tests_path=str(tests), question=question)
    finally:
        os.chdir(here)
    return 0
