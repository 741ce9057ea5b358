"""A notebook without its outputs, read in a process of its own.

A student's notebook can be hundreds of megabytes because of what its cells
showed (an image left in an output), while its code is a few kilobytes. The
grader does not parse such a file in its own process: :func:`read` starts this
module as a child process, with a memory and a time limit, which parses the
notebook, drops what grading never uses (code cells' outputs and execution
counts, cells' attachments) and writes the rest back as JSON; the grader reads
at most ``limit`` bytes of it, then parses that as any notebook.

Run as ``python -m convlab.code_only NOTEBOOK``.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

#: The child's address space: a notebook's JSON parses into a few times its size.
MEMORY_BYTES = 6 * 2**30
#: CPU seconds the child may use (a 1 GB notebook parses in a few seconds).
CPU_SECONDS = 60


class Unreadable(Exception):
    """The notebook could not be read without its outputs; the message says why, for the student."""


def strip(notebook: dict) -> dict:
    """``notebook`` (parsed JSON) without its cells' outputs, execution counts and attachments."""
    for cell in notebook.get("cells", []) if isinstance(notebook, dict) else []:
        if not isinstance(cell, dict):
            continue
        if "outputs" in cell:
            cell["outputs"] = []
        if "execution_count" in cell:
            cell["execution_count"] = None
        cell.pop("attachments", None)
    return notebook


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def read(path: Path, limit: int) -> str:
    """The notebook at ``path`` as JSON text without its outputs, at most ``limit`` bytes of it.

    Parsed by a child process under memory and CPU limits; raises :class:`Unreadable`.
    """
    child = subprocess.Popen([sys.executable, "-m", "convlab.code_only", str(path)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, preexec_fn=_limit_child)
    try:
        text = child.stdout.read(limit + 1)
        if len(text) > limit:
            raise Unreadable(f"even without its outputs it is over {limit >> 20} MB")
        error = child.stderr.read(2000).decode(errors="replace").strip().splitlines()
        if child.wait(timeout=2 * CPU_SECONDS) != 0:
            raise Unreadable(f"it is not a readable notebook (the file may be damaged): "
                             f"{error[-1] if error else 'the reader stopped'}")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return text.decode()


def main() -> None:
    with open(sys.argv[1], "rb") as handle:
        notebook = json.load(handle)
    json.dump(strip(notebook), sys.stdout)


if __name__ == "__main__":
    main()
