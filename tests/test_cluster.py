"""``convlab grade --cluster``: the class graded through a real Dask cluster on 127.0.0.1.

One scheduler and two workers (``dask scheduler``, ``dask worker``, each worker in a
working folder and temporary folder of its own, sharing nothing with the course)
serve the whole session. The example class of ``01`` is graded once here, without
``--cluster`` (where Dask must not even be imported), and once through the cluster
with the same seed: the same grades. Then a worker is killed in the middle of a
shard, a scheduler is killed in the middle of a run, one is not there at all, and
the hostile corpus goes through the cluster and must get exactly the outcomes
``tests/hostile/cases.py`` sets for it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from hostile import cases
from hostile.cases import CASES, CONTROLS, HUGE, POINTS

pytestmark = pytest.mark.slow

ASSIGNMENT = "01_convolution"
ALL = [*CASES, HUGE]
SEED = "20261207"
#: The example class's settings, for both runs (short timeouts: endless_loop costs them, not more).
FLAGS = ["--sandbox", "bwrap", "--jobs", "2", "--seed", SEED, "--quiet", "--call-timeout", "3",
         "--first-call-timeout", "10", "--cell-timeout", "15"]
DASK = ("dask", "distributed", "dask_jobqueue")
#: A run without --cluster that fails if it imported Dask.
NO_DASK = ("import sys; from convlab.cli import main; code = main(sys.argv[1:]); "
           f"found = sorted(m for m in sys.modules if m.split('.')[0] in {DASK!r}); "
           "sys.exit(f'Dask was imported: {found[:5]}') if found else sys.exit(code)")


def _start(argv: list[str], folder: Path, log: str) -> subprocess.Popen:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tmp").mkdir(exist_ok=True)
    env = dict(os.environ, TMPDIR=str(folder / "tmp"), DASK_DISTRIBUTED__WORKER__DAEMON="False")
    return subprocess.Popen(argv, cwd=folder, env=env, stdout=open(folder / log, "w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    """Stop a dask process and everything it started (its own process group), and wait for them."""
    group = [process.pid, *(p.pid for p in psutil.Process(process.pid).children(recursive=True))] \
        if process.poll() is None else []
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        _, alive = psutil.wait_procs([p for p in map(_process, group) if p], timeout=wait)
        if not alive:
            break
    process.wait()


def _process(pid: int):
    try:
        return psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None


class Cluster:
    """A scheduler on 127.0.0.1 and ``workers`` dask workers, each in its own folder."""

    def __init__(self, folder: Path, workers: int):
        self.folder, self.workers = folder, []
        try:
            self._start(workers)
        except BaseException:
            self.stop()
            raise

    def _start(self, workers: int) -> None:
        folder = self.folder
        file = folder / "scheduler.json"
        dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
        self.scheduler = _start([*dask, "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                 "--scheduler-file", str(file)], folder / "scheduler", "scheduler.log")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the scheduler writes the file once it listens
            try:
                self.address = json.loads(file.read_text())["address"]
                break
            except (OSError, ValueError):
                time.sleep(0.1)
        else:
            raise RuntimeError(f"the scheduler did not start: {(folder / 'scheduler' / 'scheduler.log').read_text()}")
        self.worker_folders = [folder / f"worker-{k}" for k in range(workers)]
        self.workers = [_start([sys.executable, "-m", "distributed.cli.dask_worker", self.address, "--nthreads", "1",
                                "--host", "127.0.0.1", "--no-dashboard", "--name", f"worker-{k}",
                                "--local-directory", str(where)], where, "worker.log")
                        for k, where in enumerate(self.worker_folders)]
        self.wait_for_workers(workers)

    def client(self):
        from distributed import Client

        return Client(self.address, timeout=30, set_as_default=False)

    def wait_for_workers(self, count: int) -> None:
        with self.client() as client:
            client.wait_for_workers(count, timeout=120)

    def worker_pids(self) -> dict[str, int]:
        with self.client() as client:
            return client.run(os.getpid)

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            _stop(process)


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory):
    cluster = Cluster(tmp_path_factory.mktemp("dask"), workers=2)
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def released(released_course):
    """A released course holding the hostile corpus in ``submitted/``; each run grades a copy of it."""
    return released_course(cases.place_class)


@pytest.fixture
def fresh_course(released, tmp_path):
    from convlab.course import Course

    count = iter(range(100))

    def make() -> Course:
        root = tmp_path / f"course-{next(count)}"
        shutil.copytree(released.root, root, symlinks=True)
        return Course(root)

    return make


def convlab_grade(course, *args: str, env: dict | None = None, no_dask: bool = False, wait: bool = True):
    """``convlab grade 01_convolution ARGS`` on ``course``, in a process of its own."""
    argv = ["--course", str(course.root), "grade", ASSIGNMENT, *args]
    command = [sys.executable, "-c", NO_DASK, *argv] if no_dask else [sys.executable, "-m", "convlab.cli", *argv]
    if not wait:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env or os.environ.copy())
    return subprocess.run(command, capture_output=True, text=True, timeout=900, env=env or os.environ.copy())


def recorded(course) -> dict[str, dict]:
    """What the journal recorded per student: scores, problem and the names of the failed checks."""
    found = {}
    for path in sorted((course.scratch(ASSIGNMENT) / "recorded").glob("*.json")):
        grade = json.loads(path.read_text())["grade"]
        found[path.stem] = {"scores": grade["scores"], "problem": grade["problem"],
                            "failed": sorted(c["check"] for c in grade["failed_checks"])}
    return found


def gradebook(course) -> dict[str, dict[str, float]]:
    with course.gradebook() as book:
        return {s.student.id: {g.name: g.auto_score for g in s.notebooks[0].grades if g.name in POINTS}
                for s in book.find_assignment(ASSIGNMENT).submissions}


#: The example class of 01, less endless_loop (a minute of timeouts; the hostile corpus has loops of its own).
CLASS = sorted(p.parent.name for p in cases.EXAMPLES.glob(f"*/{ASSIGNMENT}") if p.parent.name != "endless_loop")


def examples(*only: str) -> list[str]:
    return ["--submissions", str(cases.EXAMPLES), *(a for sid in only or CLASS for a in ("--student", sid))]


@pytest.fixture(scope="module")
def local_run(released, tmp_path_factory):
    """The example class graded here, as without a cluster: the grades every cluster run must give."""
    from convlab.course import Course

    course = Course(tmp_path_factory.mktemp("local") / "course")
    shutil.copytree(released.root, course.root, symlinks=True)
    done = convlab_grade(course, *examples(), *FLAGS, no_dask=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return {"course": course, "recorded": recorded(course), "gradebook": gradebook(course)}


@pytest.fixture(scope="module")
def cluster_run(dask_cluster, released, local_run, tmp_path_factory):
    from convlab.course import Course

    course = Course(tmp_path_factory.mktemp("clustered") / "course")
    shutil.copytree(released.root, course.root, symlinks=True)
    done = convlab_grade(course, *examples(), *FLAGS, "--cluster", dask_cluster.address)
    return {"course": course, "done": done}


def test_without_cluster_dask_is_never_imported(local_run):
    assert sorted(local_run["recorded"]) == CLASS


def test_the_example_class_gets_the_same_grades_through_the_cluster(cluster_run, local_run):
    done, course = cluster_run["done"], cluster_run["course"]
    assert done.returncode == 0, done.stderr[-3000:]
    assert "grading on the Dask scheduler at" in done.stderr
    assert recorded(course) == local_run["recorded"]
    assert gradebook(course) == local_run["gradebook"]
    for student in local_run["recorded"]:  # the grading process wrote each autograded notebook and results file
        assert (course.autograded(student, ASSIGNMENT) / "convolution.ipynb").is_file()
    assert sorted(p.stem for p in (course.scratch(ASSIGNMENT) / "results").glob("*.json")) != []


def test_the_workers_keep_nothing_of_the_course(cluster_run, dask_cluster):
    """The hidden checks and the submissions lived only in each shard's temporary folder, now removed."""
    assert cluster_run["done"].returncode == 0
    hidden = {p.name for p in (cluster_run["course"].grader_tests(ASSIGNMENT)).glob("*.py")}
    for folder in dask_cluster.worker_folders:
        assert list((folder / "tmp").iterdir()) == [], folder
        assert not [p for p in folder.rglob("*") if p.name in hidden or p.suffix == ".ipynb"]
    ran = {line.split(" ran on ")[1].split(")")[0] for log in
           (cluster_run["course"].scratch(ASSIGNMENT)).glob("shard-*.log") for line in log.read_text().splitlines()[:1]}
    assert len(ran) == 2, ran  # both workers took shards


def _pytest_running_under(pid: int) -> bool:
    try:
        return any("convlab.checks" in " ".join(child.cmdline()) for child in psutil.Process(pid).children(recursive=True))
    except psutil.Error:
        return False


def test_a_worker_killed_mid_shard_has_its_shard_graded_elsewhere_once(dask_cluster, fresh_course, local_run):
    course = fresh_course()
    students = ["reference", "flipped_kernel", "pool_stride_ignored", "untouched"]
    pids = dask_cluster.worker_pids()
    run = convlab_grade(course, *examples(*students), *FLAGS, "--cluster", dask_cluster.address,
                        "--shard-size", "2", wait=False)
    try:
        deadline = time.monotonic() + 120
        victim = None
        while victim is None and time.monotonic() < deadline and run.poll() is None:
            victim = next((pid for pid in pids.values() if _pytest_running_under(pid)), None)
            time.sleep(0.1)
        assert victim is not None, "no shard started"
        time.sleep(1.0)  # its template and first student are on their way
        os.kill(victim, signal.SIGKILL)
        out, err = run.communicate(timeout=600)
    finally:
        run.kill()
    assert run.returncode == 0, err[-3000:]
    mine = recorded(course)
    assert mine == {sid: local_run["recorded"][sid] for sid in students}
    assert gradebook(course) == {sid: local_run["gradebook"][sid] for sid in students}
    logs = [log.read_text().splitlines()[0] for log in course.scratch(ASSIGNMENT).glob("shard-*.log")]
    assert len(logs) == 2 and not any(f"(pid {victim})" in line for line in logs), logs
    dask_cluster.wait_for_workers(2)  # the nanny restarts the killed worker for the tests after this one


def test_an_unreachable_scheduler_is_a_clear_error_and_nothing_is_recorded(fresh_course):
    course = fresh_course()
    done = convlab_grade(course, *examples("reference"), *FLAGS, "--cluster", "tcp://127.0.0.1:9",
                         env=dict(os.environ, CONVLAB_CLUSTER_TIMEOUT="2"))
    assert done.returncode != 0
    assert "could not reach the Dask scheduler at tcp://127.0.0.1:9" in done.stderr, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert recorded(course) == {}


def test_a_scheduler_that_dies_mid_run_stops_it_and_the_journal_resumes_it(tmp_path, fresh_course, local_run):
    students = ["reference", "flipped_kernel", "pool_stride_ignored", "untouched"]
    course = fresh_course()
    cluster = Cluster(tmp_path / "doomed", workers=1)
    try:
        run = convlab_grade(course, *examples(*students), *FLAGS, "--cluster", cluster.address,
                            "--shard-size", "1", wait=False)
        deadline = time.monotonic() + 300
        while not recorded(course) and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.1)
        os.kill(cluster.scheduler.pid, signal.SIGKILL)
        out, err = run.communicate(timeout=120)
    finally:
        run.kill()
        cluster.stop()
    assert run.returncode != 0
    assert "lost the connection to the Dask scheduler" in err and "Traceback" not in err, err[-3000:]
    done = len(recorded(course))
    assert 0 < done < len(students), err[-2000:]
    again = convlab_grade(course, *examples(*students), *FLAGS, no_dask=True)  # here this time
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"resuming the interrupted run: {done} of {len(students)}" in again.stderr
    assert recorded(course) == {sid: local_run["recorded"][sid] for sid in students}


@pytest.fixture(scope="module")
def hostile_run(dask_cluster, released, tmp_path_factory):
    """The hostile corpus and its controls graded through the cluster, with test_hostile.py's settings but
    for 25 s a cell instead of 15: on this busy 2-core machine the memory bomb was once still being handed
    its memory when 15 s ran out (a timeout, not the MemoryError its case expects), as test_hostile.py warns."""
    from convlab.course import Course

    course = Course(tmp_path_factory.mktemp("hostile") / "course")
    shutil.copytree(released.root, course.root, symlinks=True)
    Path(cases.TMP_MARK).unlink(missing_ok=True)
    listener = cases.Listener()
    try:
        done = convlab_grade(course, "--sandbox", "bwrap", "--cell-timeout", "25", "--call-timeout", "3",
                             "--first-call-timeout", "8", "--quiet", "--cluster", dask_cluster.address)
    finally:
        listener.close()
    return {"course": course, "done": done, "connections": listener.take()}


def test_the_hostile_corpus_gets_the_same_outcomes_through_the_cluster(hostile_run):
    from test_hostile import feedback_text

    course, done = hostile_run["course"], hostile_run["done"]
    assert done.returncode == 0, done.stderr[-3000:]
    book = gradebook(course)
    assert set(book) == {c.name for c in ALL} | set(CONTROLS)
    wrong = {}
    for case in ALL:
        scores = book[case.name]
        expected_full = {g for g in POINTS if g in case.earned}
        for grade_id, points in POINTS.items():
            ok = (scores[grade_id] == points if grade_id in case.earned else
                  0 < scores[grade_id] < points if grade_id in case.partial else scores[grade_id] == 0)
            if not ok:
                wrong.setdefault(case.name, {})[grade_id] = (scores[grade_id], sorted(expected_full))
        if not case.explained(feedback_text(course, case.name)):
            wrong.setdefault(case.name, {})["says"] = case.says
        if case.found_nothing:
            reports = [line for line in feedback_text(course, case.name).splitlines() if line.startswith("found: ")]
            if not reports or any(not set(json.loads(r.removeprefix("found: "))) <= set(case.private) for r in reports):
                wrong.setdefault(case.name, {})["found"] = reports
    assert wrong == {}
    assert book["reference"] == POINTS and book["untouched"] == dict.fromkeys(POINTS, 0)
    for path in (course.scratch(ASSIGNMENT) / "results").glob("*.json"):
        assert json.loads(path.read_text())["internal_errors"] == [], path.stem
    assert hostile_run["connections"] == 0
    assert not Path(cases.TMP_MARK).exists()


# ---- Slurm, for real: a one-node cluster on this machine -------------------------------------------
SLURM_DAEMONS = ("munged", "slurmctld", "slurmd")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Slurm:
    """munged, slurmctld and slurmd on this machine, one node with its cores, every file in ``folder``
    (``SLURM_CONF`` points the commands there: the machine's own /etc/slurm is never touched)."""

    def __init__(self, folder: Path):
        import socket

        self.folder, self.daemons = folder, []
        host = socket.gethostname().split(".")[0]
        memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 - 2048
        (folder / "munge").mkdir(parents=True)
        (folder / "state").mkdir()
        (folder / "spool").mkdir()
        subprocess.run(["mungekey", "--create", "--keyfile", str(folder / "munge.key")], check=True)
        socket_path = folder / "munge" / "munge.socket.2"
        self.conf = folder / "slurm.conf"
        self.conf.write_text("\n".join([
            "ClusterName=convlab", f"SlurmctldHost={host}(127.0.0.1)", "SlurmUser=root", "SlurmdUser=root",
            "AuthType=auth/munge", f"AuthInfo=socket={socket_path}", "CredType=cred/munge",
            f"StateSaveLocation={folder / 'state'}", f"SlurmdSpoolDir={folder / 'spool'}",
            f"SlurmctldPidFile={folder / 'slurmctld.pid'}", f"SlurmdPidFile={folder / 'slurmd.pid'}",
            f"SlurmctldPort={_free_port()}", f"SlurmdPort={_free_port()}",
            "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none", "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none", "SchedulerType=sched/builtin",
            "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core", "ReturnToService=2", "MpiDefault=none",
            f"SlurmctldLogFile={folder / 'slurmctld.log'}", f"SlurmdLogFile={folder / 'slurmd.log'}",
            f"NodeName={host} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} RealMemory={memory} State=UNKNOWN",
            f"PartitionName=convlab Nodes={host} Default=YES MaxTime=INFINITE State=UP", ""]))
        self.env = dict(os.environ, SLURM_CONF=str(self.conf))
        try:
            self._run(["munged", "--foreground", "--force", "-S", str(socket_path), "--key-file",
                       str(folder / "munge.key"), "--log-file", str(folder / "munged.log"),
                       "--pid-file", str(folder / "munge" / "munged.pid"), "--seed-file", str(folder / "munge" / "seed")])
            self._wait(lambda: socket_path.exists(), "munged")
            self._run(["slurmctld", "-D", "-c", "-f", str(self.conf)])
            self._run(["slurmd", "-D", "-f", str(self.conf)])
            self._wait(lambda: "idle" in subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True,
                                                        env=self.env).stdout, "an idle node in sinfo")
        except BaseException:
            self.stop()
            raise

    def _run(self, argv: list[str]) -> None:
        self.daemons.append(subprocess.Popen(argv, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                             start_new_session=True))

    def _wait(self, ready, what: str) -> None:
        deadline = time.monotonic() + 60
        while not ready():
            dead = [d.args[0] for d in self.daemons if d.poll() is not None]
            if dead or time.monotonic() > deadline:
                logs = "\n".join(p.read_text()[-1500:] for p in self.folder.glob("*.log"))
                raise RuntimeError(f"Slurm did not start ({what}; exited: {dead}):\n{logs}")
            time.sleep(0.2)

    def jobs(self) -> str:
        return subprocess.run(["squeue", "-h"], capture_output=True, text=True, env=self.env).stdout.strip()

    def stop(self) -> None:
        if any(d.poll() is None for d in self.daemons[1:]):
            subprocess.run(["scancel", "--full", "--user", "root"], env=self.env, capture_output=True)
            deadline = time.monotonic() + 30
            while self.jobs() and time.monotonic() < deadline:
                time.sleep(0.5)
        for daemon in reversed(self.daemons):
            _stop(daemon)


def test_slurm_through_dask_jobqueue_grades_as_here(tmp_path, fresh_course, local_run):
    """A one-node Slurm started here (Debian's slurm-wlm and munge; `make test` installs them as root):
    ``--cluster slurm`` submits two batch jobs, each a Dask worker, and grades through them."""
    missing = [name for name in (*SLURM_DAEMONS, "sbatch", "mungekey") if shutil.which(name) is None]
    if missing and os.geteuid() != 0:
        pytest.skip(f"Slurm is not installed ({', '.join(missing)}) and only root can start its daemons")
    assert not missing, f"install Slurm: apt-get install slurm-wlm munge (missing: {', '.join(missing)})"
    students = ["reference", "flipped_kernel", "untouched"]
    course = fresh_course()
    slurm = Slurm(tmp_path / "slurm")
    try:
        env = dict(slurm.env, DASK_JOBQUEUE__SLURM__CORES="1", DASK_JOBQUEUE__SLURM__MEMORY="4GiB",
                   DASK_JOBQUEUE__SLURM__WALLTIME="00:20:00")
        done = convlab_grade(course, *examples(*students), *FLAGS, "--cluster", "slurm", "--cluster-jobs", "2", env=env)
        leftover = slurm.jobs()
    finally:
        slurm.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    assert "grading on a new dask-jobqueue cluster" in done.stderr
    assert recorded(course) == {sid: local_run["recorded"][sid] for sid in students}
    assert leftover == ""  # the run cancelled its jobs
    assert list((course.scratch(ASSIGNMENT) / "jobs").glob("*.out")), "no batch job ran"


# ---- the bytes on the wire --------------------------------------------------------------------------
def test_a_private_copy_travels_with_its_links_as_links_and_nothing_unpacks_outside(tmp_path):
    import io
    import tarfile

    from convlab.cluster import pack, unpack

    student = tmp_path / "student"
    (student / "data").mkdir(parents=True)
    (student / "data" / "x.txt").write_text("mine")
    (student / "passwd").symlink_to("/etc/passwd")
    os.mkfifo(student / "pipe")  # not a file, folder or link: left out
    unpack(pack({"work/s": student, "class.json": b"{}"}), tmp_path / "out")
    assert (tmp_path / "out" / "work" / "s" / "data" / "x.txt").read_text() == "mine"
    assert os.readlink(tmp_path / "out" / "work" / "s" / "passwd") == "/etc/passwd"
    assert not (tmp_path / "out" / "work" / "s" / "pipe").exists()
    assert (tmp_path / "out" / "class.json").read_bytes() == b"{}"

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("../escaped")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(tarfile.OutsideDestinationError):
        unpack(buffer.getvalue(), tmp_path / "out2")
    assert not (tmp_path / "escaped").exists()


def test_shards_are_about_three_per_worker_thread():
    from convlab.cluster import MAX_SHARD, shard_size

    assert shard_size(200, 2) == 34 and shard_size(9, 2) == 2 and shard_size(1, 64) == 1
    assert shard_size(5000, 2) == MAX_SHARD and shard_size(200, 2, requested=5) == 5
