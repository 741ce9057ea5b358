"""The record of a grading run in progress, so that a killed ``convlab grade`` resumes where it stopped.

``.convlab/<assignment>/run.json`` names the run: its seed, the submissions
folder and the students asked for. A student is *recorded* once their
autograded notebook and their gradebook rows are written; then
``recorded/<student>.json`` keeps their grade and a digest of the submission it
came from. A run that ends marks itself ``finished``.

Running the same command again after a kill (or a full disk) finds the
unfinished run, keeps its seed, so every student gets the same hidden inputs,
and grades only the students not recorded yet, or whose submission changed
since: nothing is lost, and nobody is graded twice.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from convlab.checks import write_json_atomically


def submission_digest(folder: Path) -> str:
    """A digest of a submission folder: its file names and contents (links by their target's name)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        if path.is_symlink():
            digest.update(b"link:" + str(path.readlink()).encode())
        elif path.is_file():
            with path.open("rb") as content:
                for block in iter(lambda: content.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()


class Journal:
    """The run journal in ``folder`` (the assignment's scratch folder)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / "run.json"

    def open(self, identity: dict, seed: int | None, new_seed: int) -> tuple[int, bool]:
        """Resume the unfinished run of the same ``identity`` (and seed, if one is asked for),
        or start afresh with an empty scratch folder. Returns the run's seed and whether it resumed."""
        try:
            previous = json.loads(self.path.read_text())
        except (OSError, ValueError):
            previous = None
        if (previous and not previous.get("finished") and previous.get("identity") == identity
                and seed in (None, previous.get("seed"))):
            return int(previous["seed"]), True
        shutil.rmtree(self.folder, ignore_errors=True)
        run_seed = new_seed if seed is None else seed
        write_json_atomically(self.path, {"identity": identity, "seed": run_seed, "finished": False})
        return run_seed, False

    def recorded(self) -> dict[str, dict]:
        """Students recorded so far: their id → ``{"digest", "grade"}``."""
        found = {}
        for path in sorted((self.folder / "recorded").glob("*.json")):
            try:
                found[path.stem] = json.loads(path.read_text())
            except ValueError:  # cannot happen with atomic writes; then the student is graded again
                continue
        return found

    def record(self, student: str, digest: str, grade: dict) -> None:
        write_json_atomically(self.folder / "recorded" / f"{student}.json", {"digest": digest, "grade": grade})

    def finish(self) -> None:
        run = json.loads(self.path.read_text())
        write_json_atomically(self.path, {**run, "finished": True})
