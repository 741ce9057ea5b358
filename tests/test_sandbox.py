"""The bubblewrap sandbox holds: what a submission cannot see, reach or change."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from convlab import sandbox
from convlab.student import StudentError

ROOT = Path(__file__).resolve().parents[1]


def test_bwrap_is_installed_by_the_projects_setup():
    assert sandbox.bwrap_available(), "make env installs bubblewrap; grading here must be isolated"


def probe(run_student, code):
    """Run ``code`` (defining probe()) in the sandbox and return probe()'s value."""
    student = run_student([code])
    assert student.cell_runs[0].error is None, student.cell_runs[0].error
    return student.call("probe")


def test_hidden_checks_and_the_course_are_not_visible(run_student):
    code = f"""
import os
def probe():
    hidden = {str(ROOT / 'grader_tests')!r}
    return [os.path.exists(hidden), os.path.exists({str(ROOT / 'gradebook.db')!r}),
            os.path.exists({str(ROOT / 'source')!r}), sorted(os.listdir({str(ROOT)!r}))]
"""
    grader_tests, gradebook, source, course_root = probe(run_student, code)
    assert (grader_tests, gradebook, source) == (False, False, False)
    # Only what the worker needs of the checkout is mounted: the environment and the package.
    assert set(course_root) <= {".venv", "src"}


def test_no_network(run_student):
    code = """
import socket
def probe():
    try:
        socket.create_connection(("127.0.0.1", 22), timeout=2)
        return "connected"
    except OSError as exc:
        return type(exc).__name__
"""
    assert probe(run_student, code) != "connected"


def test_environment_is_read_only_and_only_the_copy_is_writable(run_student):
    code = f"""
import os
def probe():
    results = []
    for path in [{sys.prefix + '/evil.txt'!r}, '/usr/evil.txt', '/etc/evil.txt']:
        try:
            open(path, 'w').write('x')
            results.append(path)
        except OSError:
            pass
    open('mine.txt', 'w').write('ok')
    return results
"""
    assert probe(run_student, code) == []
    assert not Path(sys.prefix, "evil.txt").exists()


def test_runs_unprivileged_and_cannot_see_grader_processes(run_student):
    code = """
import os
def probe():
    pids = [p for p in os.listdir('/proc') if p.isdigit()]
    status = open('/proc/self/status').read()
    caps = [int(l.split()[1], 16) for l in status.splitlines() if l.startswith(('CapEff', 'CapPrm', 'CapBnd'))]
    return [os.getuid(), len(pids), caps]
"""
    uid, visible_pids, capabilities = probe(run_student, code)
    # A root grader's workers run as a uid of their own; any other grader's as nobody in a user namespace.
    assert uid == (sandbox.private_uid() or sandbox.SANDBOX_UID)
    assert visible_pids < 10  # its own namespace: bwrap's init and the worker
    assert capabilities == [0, 0, 0]


def test_grader_environment_variables_do_not_leak(run_student, monkeypatch):
    monkeypatch.setenv("CONVLAB_GRADER_SECRET", "s3cret")
    code = "import os\ndef probe():\n    return os.environ.get('CONVLAB_GRADER_SECRET')"
    assert probe(run_student, code) is None


def test_nothing_outlives_the_worker(run_student):
    code = """
import subprocess
def probe():
    subprocess.Popen(['sleep', '313.25'], start_new_session=True)
    return 1
"""
    student = run_student([code])
    student.call("probe")
    assert subprocess.run(["pgrep", "-f", "sleep 313.25"], capture_output=True).stdout  # it did start
    student.close()
    time.sleep(0.5)
    assert subprocess.run(["pgrep", "-f", "sleep 313.25"], capture_output=True).stdout == b""


def test_a_fork_bomb_stops_at_the_process_limit_and_leaves_nothing(run_student):
    student = run_student(["import os\nwhile True:\n    os.fork()", "def alive():\n    return 'alive'"],
                          cell_timeout=5)
    assert student.cell_runs[0].lost.startswith("timed out after 5 s")
    assert student.call("alive") == "alive"  # the cells after it ran, in a fresh worker
    student.close()
    if sandbox.private_uid() is not None:
        assert sandbox.tasks_of(sandbox.private_uid()) == 0


def test_a_segfault_is_named(run_student):
    student = run_student(["import ctypes\ndef crash():\n    ctypes.string_at(0)"])
    with pytest.raises(StudentError, match=r"died while running crash: SIGSEGV \(a segmentation fault"):
        student.call("crash")


@pytest.mark.parametrize("gpus, limit", [(False, "RLIMIT_AS"), (True, "RLIMIT_DATA")])
def test_the_memory_limit_leaves_cuda_its_address_space(monkeypatch, gpus, limit):
    """CUDA reserves address space it never backs and fails under RLIMIT_AS: with GPUs in view
    the worker's memory is limited by RLIMIT_DATA, which counts what NumPy and TensorFlow allocate."""
    import resource

    set_limits = {}
    monkeypatch.setattr(sandbox, "gpus_present", lambda: gpus)
    monkeypatch.setattr(sandbox, "die_with_parent", lambda: None)
    monkeypatch.setattr(resource, "setrlimit", lambda which, value: set_limits.__setitem__(which, value))
    sandbox.Limits().apply()
    memory = sandbox.Limits().memory_bytes
    assert set_limits[getattr(resource, limit)] == (memory, memory)
    other = resource.RLIMIT_DATA if limit == "RLIMIT_AS" else resource.RLIMIT_AS
    assert other not in set_limits
