"""A module of an assignment's hidden checks (grader_tests/<assignment>/), for tests that hold it to Keras.

Each assignment's folder has top-level modules of its own that pytest's imports would mix
(two folders may both have a ``conftest``): a module is loaded from its file under a name
that says which assignment it comes from.
"""

import importlib.util
import sys
from pathlib import Path

GRADER_TESTS = Path(__file__).resolve().parents[1] / "grader_tests"


def load(assignment: str, name: str):
    """grader_tests/<assignment>/<name>.py as a module named ``<name>_<assignment>``."""
    spec = importlib.util.spec_from_file_location(f"{name}_{assignment}", GRADER_TESTS / assignment / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
