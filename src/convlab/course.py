"""The course on disk: where nbgrader's folders are, and nbgrader's view of it.

One place resolves every path (``source/``, ``release/``, ``grader_tests/``,
``autograded/``, the gradebook) from the course root, and loads
``nbgrader_config.py`` the way nbgrader's own apps do, so that convlab and the
``nbgrader`` command agree on everything.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path


def ensure_env_bin_on_path() -> None:
    """nbgrader's gradebook runs the ``alembic`` command; it lives beside this Python."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding ``nbgrader_config.py``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file():
            return folder
    raise FileNotFoundError(f"no nbgrader_config.py in {here} or above: run this inside the course folder")


@dataclass(frozen=True)
class Course:
    root: Path

    @classmethod
    def at(cls, root: Path | str | None = None) -> "Course":
        return cls(find_root(Path(root)) if root else find_root())

    # -- folders ------------------------------------------------------------------
    def source(self, assignment: str) -> Path:
        return self.root / "source" / assignment

    def release(self, assignment: str) -> Path:
        return self.root / "release" / assignment

    def grader_tests(self, assignment: str) -> Path:
        return self.root / "grader_tests" / assignment

    def autograded(self, student: str, assignment: str) -> Path:
        return self.root / "autograded" / student / assignment

    def scratch(self, assignment: str) -> Path:
        """Grader-only working space; never mounted into a sandbox."""
        return self.root / ".convlab" / assignment

    @property
    def gradebook_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    def assignments(self) -> list[str]:
        return sorted(p.name for p in (self.root / "source").iterdir() if p.is_dir())

    # -- nbgrader -----------------------------------------------------------------
    @cached_property
    def config(self):
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        config.CourseDirectory.root = str(self.root)
        return config

    def coursedir(self):
        from nbgrader.coursedir import CourseDirectory

        return CourseDirectory(config=self.config)

    def nbgrader_api(self):
        from nbgrader.apps.api import NbGraderAPI

        ensure_env_bin_on_path()
        return NbGraderAPI(coursedir=self.coursedir(), config=self.config)

    def gradebook(self):
        from nbgrader.api import Gradebook

        ensure_env_bin_on_path()
        return Gradebook(self.gradebook_url, course_id=self.config.CourseDirectory.course_id)
