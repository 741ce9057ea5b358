"""Grading on a Dask cluster: ``convlab grade ASSIGNMENT --cluster tcp://HOST:8786`` (or ``slurm``, ...).

The class is split into shards as on one machine (:mod:`convlab.grading`), and
each shard runs on a Dask worker exactly as a local shard runs: the same pytest
on the hidden checks with the same plugin, sandbox, limits and template
(:func:`run_shard`). Nothing of the course is assumed on a worker but the
convlab environment and the sandbox (bubblewrap or docker): the grading
process ships every shard as bytes, a tar of the students' prepared cells and
private copies, with the hidden checks as one task of their own that Dask
hands to each worker that needs them (and computes again if the worker holding
them is lost). A worker unpacks both into a private temporary folder, grades,
removes the folder and returns the students' results, from which the grading
process alone writes the autograded notebooks, the gradebook and the journal,
as on one machine.

Failures are Dask's to handle: a worker lost mid-shard has its shard run again
elsewhere by the scheduler (``distributed.scheduler.allowed-failures`` times);
a shard's result reaches the grading process once, so no student is recorded
twice. A scheduler that cannot be reached or goes away stops the run with
:class:`convlab.grading.ShardsLost`; the journal then resumes it, with the
cluster or without.

This module is imported only with ``--cluster``: a local run never imports Dask.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import os
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from convlab.checks import write_json_atomically

#: Shards per worker thread, when the size of a shard is not given: small enough that a lost worker
#: costs little and the last shards finish together, large enough that the start of each shard
#: (pytest, the template's imports: about 3 s) stays a small part of it.
SHARDS_PER_THREAD = 3
#: The most students in one shard by default.
MAX_SHARD = 40
#: How much of a shard's pytest log comes back (the end of it).
LOG_BYTES = 64 * 1024
#: Batch systems ``--cluster`` starts through dask-jobqueue.
JOBQUEUE = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "sge": "SGECluster", "lsf": "LSFCluster",
            "htcondor": "HTCondorCluster", "oar": "OARCluster", "moab": "MoabCluster"}


# -- bytes on the wire ------------------------------------------------------------------------------
def pack(entries: dict[str, Path | bytes]) -> bytes:
    """A gzipped tar of folders (name → folder, links kept as links, never followed) and files
    (name → bytes)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as tar:
        for name, entry in entries.items():
            if isinstance(entry, bytes):
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(entry), int(time.time()), 0o644
                tar.addfile(info, io.BytesIO(entry))
            else:
                tar.add(entry, arcname=name, recursive=True, filter=_plain)
    return buffer.getvalue()


def _plain(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    """Files, folders and links only, owned by nobody in particular (the sandbox takes them over)."""
    if not (info.isfile() or info.isdir() or info.issym()):
        return None
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def unpack(data: bytes, folder: Path) -> None:
    """Unpack :func:`pack`'s bytes under ``folder``. The 'tar' filter keeps every member inside
    ``folder`` and keeps a student's links as links (their targets are the sandbox's to refuse)."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(folder, filter="tar")


def hold(data: bytes) -> bytes:
    """A task that is its argument: the hidden checks, kept by Dask where shards need them."""
    return data


# -- the worker's side ------------------------------------------------------------------------------
def run_shard(checks: bytes, shard: bytes) -> bytes:
    """Grade one shard on this machine, in a private temporary folder removed afterwards.

    ``checks``: the hidden checks (:func:`pack`); ``shard``: ``class.json`` (a class file of
    :mod:`convlab.checks` with each student's cells) and ``work/<student>/``, their private
    copies. Returns gzipped JSON: each graded student's results, the end of pytest's log,
    where it ran and how long it took.
    """
    from convlab import sandbox
    from convlab.grading import checks_command, checks_environment

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="convlab-shard-", ignore_cleanup_errors=True) as tmp:
        root = Path(tmp)
        os.chmod(root, 0o700)
        unpack(checks, root / "grader_tests")
        unpack(shard, root)
        spec = json.loads((root / "class.json").read_text())
        spec["results_dir"] = str(root / "results")
        for student in spec["students"]:
            student["workdir"] = str(root / "work" / student["id"])
            Path(student["workdir"]).mkdir(parents=True, exist_ok=True)
        (root / "class.json").write_text(json.dumps(spec))
        with open(root / "shard.log", "w+b") as log:
            returncode = subprocess.run(checks_command(root / "grader_tests", root / "class.json"),
                                        stdout=log, stderr=subprocess.STDOUT, cwd=root, env=checks_environment(),
                                        preexec_fn=sandbox.die_with_parent).returncode
            log.seek(max(0, log.seek(0, os.SEEK_END) - LOG_BYTES))
            tail = log.read().decode(errors="replace")
        results = {}
        for student in spec["students"]:
            path = root / "results" / f"{student['id']}.json"
            if path.exists():
                results[student["id"]] = json.loads(path.read_text())
    return gzip.compress(json.dumps({"results": results, "log": tail, "returncode": returncode,
                                     "host": socket.gethostname(), "pid": os.getpid(),
                                     "seconds": round(time.perf_counter() - started, 3)}).encode())


# -- the grading process's side -----------------------------------------------------------------------
def shard_size(students: int, threads: int, requested: int | None = None) -> int:
    """Students per shard: ``requested``, or about :data:`SHARDS_PER_THREAD` shards per worker thread."""
    if requested:
        return max(1, requested)
    return max(1, min(MAX_SHARD, math.ceil(students / max(1, threads * SHARDS_PER_THREAD))))


def log_to_file(path: Path) -> None:
    """Send Dask's own log (a lost connection's retries and tracebacks) to ``path`` instead of the terminal:
    the run says itself what the instructor needs to know."""
    import logging

    import distributed  # noqa: F401 -- its import installs the handlers replaced here

    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    names = [name for name in list(logging.root.manager.loggerDict)
             if name.split(".")[0] in ("distributed", "dask_jobqueue", "tornado")]
    for name in {"distributed", "dask_jobqueue", *names}:  # distributed gives some children handlers of their own
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        if name in ("distributed", "dask_jobqueue", "tornado"):
            logger.addHandler(handler)
            logger.propagate = False
        else:
            logger.propagate = True


def connect(address: str, jobs: int, logs: Path | None = None):
    """A Dask client on ``address`` (a scheduler's ``tcp://HOST:PORT``), or on a cluster of ``jobs``
    batch jobs started through dask-jobqueue (``slurm``, ``pbs``, ...; their queue, account, cores and
    memory come from Dask's ``jobqueue`` configuration; the jobs' own logs go to ``logs``). Returns the
    client and the cluster it started (None for an address). Raises OSError when no scheduler answers."""
    from distributed import Client

    if address.lower() in JOBQUEUE:
        import dask
        import dask_jobqueue

        name = address.lower()
        defaults = {key: value for key, value in {"cores": 1, "memory": "6GiB", "processes": 1,
                                                  "log_directory": str(logs) if logs else None}.items()
                    if dask.config.get(f"jobqueue.{name}.{key.replace('_', '-')}", None) is None}
        cluster = getattr(dask_jobqueue, JOBQUEUE[name])(**defaults)
        try:
            # Dask's adaptive scaling keeps the jobs at ``jobs``: one that ends (its walltime) is replaced.
            cluster.adapt(minimum_jobs=max(1, jobs), maximum_jobs=max(1, jobs))
            client = Client(cluster, set_as_default=False)
            client.wait_for_workers(1, timeout=float(os.environ.get("CONVLAB_CLUSTER_START_TIMEOUT", 600)))
        except BaseException:
            cluster.close()
            raise
        return client, cluster
    try:
        return Client(address, timeout=float(os.environ.get("CONVLAB_CLUSTER_TIMEOUT", 10)),
                      set_as_default=False), None
    except (OSError, TimeoutError) as error:
        raise OSError(str(error) or type(error).__name__) from error


class DaskShards:
    """The class's shards as tasks of a Dask cluster (see the module's docstring).

    The grading process calls :meth:`start` with the students to grade, :meth:`add` with each
    as it is prepared (a shard is submitted as soon as all its students are), then takes each
    student's results from :meth:`results` exactly once.
    """

    def __init__(self, address: str, course, assignment: str, settings, kind: str, scratch: Path, preload: list[str]):
        self.address, self.course, self.assignment = address, course, assignment
        self.settings, self.kind, self.scratch, self.preload = settings, kind, scratch, preload
        self.client = self.cluster = self.checks = None
        self.futures: dict = {}  # future → shard index
        self.members: list[list[str]] = []
        self.waiting: list[dict] = []  # per shard: student → Prepared (None until prepared)
        self.sent = self.received = 0  # bytes shipped each way (payloads: the tars and the results)
        self.where: dict[str, str] = {}  # student → the worker host and pid that graded them
        self.shard_of: dict[str, int] = {}

    def start(self, students: list[str]) -> None:
        from convlab.grading import ShardsLost

        where = "a new dask-jobqueue cluster" if self.address.lower() in JOBQUEUE else f"the Dask scheduler at {self.address}"
        log_to_file(self.scratch / "dask.log")
        try:
            self.client, self.cluster = connect(self.address, self.settings.cluster_jobs, self.scratch / "jobs")
            threads = sum(self.client.nthreads().values()) or 1
        except Exception as error:
            raise ShardsLost(f"could not reach {where}: {error}") from None
        size = shard_size(len(students), threads, self.settings.shard_size)
        self.members = [students[i:i + size] for i in range(0, len(students), size)]
        self.waiting = [dict.fromkeys(members) for members in self.members]
        self.shard_of = {sid: k for k, members in enumerate(self.members) for sid in members}
        checks = pack({".": self.course.grader_tests(self.assignment)})
        self.sent += len(checks)  # once to the scheduler; Dask copies it to each worker that needs it
        self.checks = self.client.submit(hold, checks, key=f"convlab-checks-{self.assignment}-{os.urandom(4).hex()}",
                                         pure=False)
        print(f"grading on {where}: {len(self.client.nthreads())} workers, {threads} threads, "
              f"{len(self.members)} shards of up to {size} students", file=sys.stderr)

    def add(self, prepared) -> None:
        k = self.shard_of[prepared.student]
        self.waiting[k][prepared.student] = prepared
        if all(p is not None for p in self.waiting[k].values()):
            self._submit(k)

    def _submit(self, k: int) -> None:
        from convlab.grading import class_spec

        ready = [p for p in self.waiting[k].values() if not p.problem]
        if not ready:
            return
        students = [{"id": p.student, "cells": p.sources} for p in ready]
        spec = class_spec(self.assignment, students, self.kind, Path("results"), self.settings, self.preload)
        payload = pack({"class.json": json.dumps(spec).encode(),
                        **{f"work/{p.student}": p.workdir for p in ready}})
        self.sent += len(payload)
        future = self.client.submit(run_shard, self.checks, payload, pure=False, retries=1,
                                    key=f"convlab-shard-{self.assignment}-{k}-{os.urandom(4).hex()}")
        self.futures[future] = k

    def results(self):
        """(student, results or None when the grader failed for them), each student once, as shards finish."""
        from distributed import as_completed

        from convlab.grading import ShardsLost

        if not self.futures:
            return
        for future in as_completed(list(self.futures), loop=self.client.loop):
            k = self.futures.pop(future)
            graded = [sid for sid, p in self.waiting[k].items() if not p.problem]
            if future.cancelled() or self.client.status != "running":  # what Dask does to every future then
                raise ShardsLost(f"lost the connection to the Dask scheduler at {self.address}")
            try:
                data = future.result()
            except Exception as error:  # noqa: BLE001 -- whatever the shard raised, or KilledWorker
                self._log(k, f"shard {k} failed on the cluster: {type(error).__name__}: {error}\n")
                for sid in graded:
                    yield sid, None
                continue
            self.received += len(data)
            shard = json.loads(gzip.decompress(data))
            self._log(k, f"# shard {k} ran on {shard['host']} (pid {shard['pid']}) in {shard['seconds']} s, "
                         f"pytest exited {shard['returncode']}\n{shard['log']}")
            for sid in graded:
                self.where[sid] = f"{shard['host']}:{shard['pid']}"
                results = shard["results"].get(sid)
                if results is not None:  # where a local shard leaves them, for what reads them afterwards
                    write_json_atomically(self.scratch / "results" / f"{sid}.json", results)
                yield sid, results

    def _log(self, k: int, text: str) -> None:
        (self.scratch / f"shard-{k}.log").write_text(text)

    def close(self, kill: bool = False) -> None:
        if self.client is not None:
            students = len(self.shard_of) or 1
            print(f"cluster: shipped {self.sent} bytes to the workers and got {self.received} back "
                  f"({(self.sent + self.received) / students:.0f} bytes a student)", file=sys.stderr)
            if kill and self.futures:
                try:
                    self.client.cancel(list(self.futures))
                except Exception:  # noqa: BLE001 -- the scheduler may be gone already
                    pass
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
