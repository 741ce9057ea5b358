"""Pairs of students whose solution code is unusually alike: a lead for a person to read, never a verdict.

Fingerprinting is copydetect's: MOSS's winnowing over code whose names and
strings are replaced by placeholders and whose comments are dropped, so
renaming variables or rewording comments hides nothing (the filtering runs on
Python's own tokenizer, :func:`filtered`). copydetect is maintained, on
PyPI, pure Python with numpy, and its parts can be used one by one; its own
``CopyDetector`` compares files on disk pair by pair and writes a report of
its own, so only its fingerprint and comparison functions are used here. (JPlag
and Dolos are Java and Node tools; pycode_similar compares whole function
ASTs and misses copied fragments; MOSS itself is a remote service, and student
code must not leave the grader's machine.)

What is compared is each student's answer cells (nbgrader's solution cells) in
their autograded notebook, with two things left out:

- the release's own code (stubs, docstrings, given helpers): copydetect's
  boilerplate, removed from every fingerprint;
- fingerprints that many students share (more than :data:`COMMON_SHARE` of
  the class, and more than :data:`COMMON_MAX` students in a large one), as
  MOSS does (its ``-m``, 10 by default): a short exercise has a few natural
  ways to write it, and writing one of them is not copying.

A pair is a lead when at least :data:`THRESHOLD` of what is distinctive in
one student's code (what is left after both) is in the other's, over at least
:data:`MIN_OVERLAP` tokens. Only pairs that share enough of the remaining fingerprints to reach the
threshold are compared, found through an index from fingerprint to students,
so a class of a thousand needs nowhere near the half-million comparisons of
every pair.
"""

from __future__ import annotations

import builtins
import io
import itertools
import json
import keyword
import tokenize
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from convlab.course import Course

NOISE = 25  # copydetect's defaults: matches shorter than this many tokens are ignored...
GUARANTEE = 30  # ...and every match at least this long is found
COMMON_SHARE = 0.2
COMMON_MAX = 10
THRESHOLD = 0.5  # share of one student's distinctive code found in the other's...
MIN_OVERLAP = 100  # ...in at least this many filtered tokens (about three lines), so a few rare lines are not a lead


@dataclass
class Pair:
    """Two students and how much of each one's distinctive code is found in the other's."""

    first: str
    second: str
    share_first: float
    share_second: float
    overlap: int  # filtered tokens of the first's code found in the second's
    segments_first: list[tuple[str, bool]]  # the first's code as (text, matched) runs, for the side-by-side view
    segments_second: list[tuple[str, bool]]

    @property
    def share(self) -> float:
        return max(self.share_first, self.share_second)


def answer_cells(notebook: Path) -> dict[str, str] | None:
    """A notebook's answer cells (nbgrader ``solution`` code cells) by grade id, or None if unreadable.

    Read as plain JSON: nbformat's validation costs more than the whole comparison here."""
    try:
        cells = json.loads(notebook.read_text())["cells"]
        return {c["metadata"]["nbgrader"].get("grade_id", str(k)): "".join(c["source"]) for k, c in enumerate(cells)
                if c.get("cell_type") == "code" and c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def own_code(answers: dict[str, str], release: dict[str, str]) -> str:
    """What the student wrote: each answer cell less the lines it begins with that the release's
    cell begins with too (the signature and docstring above ``# YOUR CODE HERE``). Tokenizing is
    most of the cost, and a docstring is most of a cell; what is left of the release's code is
    copydetect's boilerplate."""
    parts = []
    for grade_id, source in answers.items():
        lines, given = source.splitlines(keepends=True), release.get(grade_id, "").splitlines(keepends=True)
        same = next((k for k, (a, b) in enumerate(zip(lines, given)) if a != b), min(len(lines), len(given)))
        parts.append("".join(lines[same:]))
    return "\n".join(parts)


def release_notebook(course: Course, assignment: str) -> Path | None:
    found = sorted(course.release(assignment).glob("*.ipynb"))
    return found[0] if len(found) == 1 else None


def similar_pairs(course: Course, assignment: str, students: list[str]) -> tuple[list[Pair], list[str]]:
    """Pairs at or above :data:`THRESHOLD`, the most alike first, and notes on what could not be compared."""
    notes = []
    release = release_notebook(course, assignment)
    if release is None:
        return [], [f"similarity was not measured: release/{assignment} does not hold exactly one notebook"]
    given = answer_cells(release) or {}
    boilerplate = np.array(sorted(_fingerprint("release", "\n".join(given.values()), window=1).hashes))
    fingerprints, unreadable = {}, []
    for student in students:
        answers = answer_cells(course.autograded(student, assignment) / release.name)
        if answers is None:
            unreadable.append(student)
            continue
        fingerprints[student] = _fingerprint(student, own_code(answers, given), GUARANTEE - NOISE + 1, boilerplate)
    if unreadable:
        notes.append(f"{len(unreadable)} students have no readable autograded notebook and were not compared: "
                     f"{', '.join(unreadable[:8])}{' and more' if len(unreadable) > 8 else ''}")
    _drop_common(fingerprints)
    pairs = [pair for pair in (_compare(fingerprints, a, b) for a, b in _candidates(fingerprints))
             if pair.share >= THRESHOLD and pair.overlap >= MIN_OVERLAP]
    return sorted(pairs, key=lambda p: (-p.share, p.first, p.second)), notes


def _fingerprint(name: str, code: str, window: int, boilerplate=None):
    """copydetect's fingerprint of ``code``, filtered by :func:`filtered` (its own filter where
    Python's tokenizer gives up on the code)."""
    from copydetect import CodeFingerprint

    try:
        text, offsets = filtered(code)
    except (tokenize.TokenError, SyntaxError):
        return CodeFingerprint(f"{name}.py", NOISE, window, boilerplate, fp=io.StringIO(code), language="python")
    fingerprint = CodeFingerprint(f"{name}.py", NOISE, window, boilerplate, filter=False, fp=io.StringIO(text))
    fingerprint.raw_code, fingerprint.offsets = code, offsets
    return fingerprint


#: Names kept as they are, like keywords: calling ``range`` is not the same as calling ``helper``.
_BUILTINS = frozenset(dir(builtins))
_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER,
            getattr(tokenize, "FSTRING_MIDDLE", -1), getattr(tokenize, "FSTRING_END", -1)}


def filtered(code: str) -> tuple[str, np.ndarray]:
    """copydetect's ``filter_code`` on Python's own tokenizer, about seven times faster than the
    pygments lexer it uses, which was most of a large class's report: every name becomes ``V``,
    every string ``S``, comments and spaces go; keywords, built-in names, numbers and operators
    stay. Returns the text and copydetect's offsets (filtered index, characters removed before
    it), which map a match back to the student's own lines."""
    starts = [0]
    for line in code.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    text, positions = [], []
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type in _SKIPPED:
            continue
        if token.type == tokenize.NAME and not keyword.iskeyword(token.string) and token.string not in _BUILTINS:
            text.append("V")
        elif token.type in (tokenize.STRING, getattr(tokenize, "FSTRING_START", -1)):
            text.append("S")
        else:
            text.append(token.string)
        positions.append(starts[token.start[0] - 1] + token.start[1])
    lengths = np.array([len(kept) for kept in text], dtype=int)
    # Within a kept token, filtered and raw positions differ by the same amount: one row per character.
    removed = np.repeat(np.array(positions, dtype=int) - (np.cumsum(lengths) - lengths), lengths)
    return "".join(text), np.column_stack((np.arange(len(removed)), removed))


def _drop_common(fingerprints: dict) -> None:
    """Remove the fingerprints many students share from every student's (see the module's doc).

    A share is then of what is distinctive in a student's code: a student who wrote only what
    everybody writes has nothing to share, and a copy of a whole answer shares all of it. (In a
    synthetic class of a thousand with two planted copies, the copies share 100 %, and no honest
    pair more than 23 %; benchmarks/synthetic_class.py.)"""
    from copydetect.utils import get_token_coverage

    counts = Counter(value for fingerprint in fingerprints.values() for value in fingerprint.hashes)
    limit = max(2, min(COMMON_SHARE * len(fingerprints), COMMON_MAX))
    common = {value for value, count in counts.items() if count > limit}
    for fingerprint in fingerprints.values():
        if fingerprint.hashes & common:
            fingerprint.hashes -= common
            fingerprint.hash_idx = {v: i for v, i in fingerprint.hash_idx.items() if v not in common}
            fingerprint.token_coverage = get_token_coverage(fingerprint.hash_idx, NOISE,
                                                            len(fingerprint.filtered_code))


def _candidates(fingerprints: dict) -> list[tuple[str, str]]:
    """The pairs worth comparing: those sharing at least half the threshold's share of the smaller
    one's fingerprints (shares of fingerprints and of tokens differ a little)."""
    holders = defaultdict(list)
    for student, fingerprint in fingerprints.items():
        for value in fingerprint.hashes:
            holders[value].append(student)
    shared = Counter(pair for group in holders.values() for pair in itertools.combinations(sorted(group), 2))
    size = {student: len(fingerprint.hashes) for student, fingerprint in fingerprints.items()}
    return sorted(pair for pair, count in shared.items() if count >= THRESHOLD / 2 * min(size[pair[0]], size[pair[1]]))


def _compare(fingerprints: dict, first: str, second: str) -> Pair:
    from copydetect import compare_files

    a, b = fingerprints[first], fingerprints[second]
    overlap, (share_a, share_b), (slices_a, slices_b) = compare_files(a, b)
    return Pair(first, second, round(float(share_a), 3), round(float(share_b), 3), int(overlap),
                _segments(a.raw_code, slices_a), _segments(b.raw_code, slices_b))


def _segments(code: str, slices) -> list[tuple[str, bool]]:
    """The code cut into runs that match the other student's and runs that do not."""
    segments, position = [], 0
    for start, end in zip(*(slices if len(slices) and len(slices[0]) else ([], []))):
        start, end = int(start), int(end)
        if start > position:
            segments.append((code[position:start], False))
        segments.append((code[max(start, position):end], True))
        position = max(position, end)
    if position < len(code):
        segments.append((code[position:], False))
    return segments
