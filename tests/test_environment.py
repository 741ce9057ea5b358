"""environment.yml must install what pyproject.toml declares, at the same pins."""

import tomllib
from pathlib import Path

import yaml
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert set(pip) - {"-e ."} == declared
    assert "-e ." in pip
    python = next(d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python="))
    assert python.split("=")[1] + ".0" in SpecifierSet(project["requires-python"])
