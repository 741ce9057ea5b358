"""Workers forked from a template: what one student leaves, the next never meets.

tests/test_sandbox.py and tests/test_student.py run every test with cold and with
forked workers; these are the properties only a shared template could break.
"""

import os
import select
import signal

import nbformat
import pytest

from convlab import forkserver, sandbox
from convlab.launch import Template, notebook_imports
from convlab.student import Student, StudentError


@pytest.fixture
def template(tmp_path):
    assert sandbox.template_available(sandbox.choose("bwrap")), "templates need bubblewrap run by root, as in CI"
    template = Template(tmp_path / "spool", ["numpy"])
    (tmp_path / "spool").mkdir()
    yield template
    template.close()


def forked(template, name, cells):
    workdir = template.spool / name
    workdir.mkdir()
    student = Student(name, workdir, cells, sandbox_kind="bwrap", template=template)
    student.start()
    assert student.forked, template.broken
    return student


def test_what_a_student_leaves_in_tmp_the_next_one_never_sees(template):
    first = forked(template, "first", [
        "import os\nos.makedirs('/tmp/notes', exist_ok=True)\n"
        "open('/tmp/notes/answers.txt', 'w').write('42')\nos.chmod('/tmp/notes/answers.txt', 0o666)\n"
        "def probe():\n    return sorted(os.listdir('/tmp'))"])
    assert "notes" in first.call("probe")
    first.close()
    second = forked(template, "second", ["import os\ndef probe():\n    return os.path.exists('/tmp/notes')"])
    assert second.call("probe") is False
    second.close()


def test_what_the_sandbox_mounts_below_tmp_stays_in_a_forks_fresh_tmp(tmp_path):
    """A checkout in /tmp has its environment bound below the sandbox's /tmp: a fork's new /tmp
    must show it again, read-only, or the fork loses its Python (as CI's clone once did)."""
    shown = tmp_path / "shown.txt"
    shown.write_text("read-only data")
    template = Template(tmp_path / "spool", ["numpy"], overlays={"/tmp/environment/data.txt": shown})
    (tmp_path / "spool").mkdir()
    student = forked(template, "me", ["""
import os
def probe():
    try:
        open('/tmp/environment/data.txt', 'a').write('changed')
        written = True
    except OSError:
        written = False
    open('/tmp/mine.txt', 'w').write('a scratch file')
    return [open('/tmp/environment/data.txt').read(), written, sorted(os.listdir('/tmp'))]
"""])
    content, written, listing = student.call("probe")
    assert content == "read-only data" and not written
    assert "mine.txt" in listing and "environment" in listing
    student.close()
    template.close()


def test_students_do_not_share_random_draws(template):
    cells = ["import numpy as np, random\ndef probe():\n    return [float(np.random.rand()), random.random()]"]
    draws = []
    for name in ("one", "two"):
        student = forked(template, name, cells)
        draws.append(student.call("probe"))
        student.close()
    assert draws[0][0] != draws[1][0] and draws[0][1] != draws[1][1]


def test_a_forked_worker_sees_its_own_copy_only(template):
    other = template.spool / "other"
    other.mkdir()
    (other / "notebook.ipynb").write_text("someone else's answers")
    student = forked(template, "me", ["""
import os
def probe():
    seen = []
    for path in [os.path.join(%r, 'other', 'notebook.ipynb'), %r, os.path.join(%r, 'other')]:
        try:
            seen.append([path, os.listdir(path) if os.path.isdir(path) else open(path).read()])
        except OSError:
            pass
    return [seen, os.getcwd(), sorted(os.listdir('.'))]
""" % (forkserver.SPOOL, forkserver.SPOOL, forkserver.SPOOL)])
    seen, cwd, mine = student.call("probe")
    assert seen == [[forkserver.SPOOL, []]] or seen == []
    assert cwd == sandbox.SANDBOX_WORKDIR and mine == ["worker.log"]
    student.close()


def test_a_forked_worker_holds_nothing_of_the_template(template):
    student = forked(template, "me", ["""
import os
def probe():
    fds = {}
    for fd in os.listdir('/proc/self/fd'):
        try:
            fds[fd] = os.readlink(f'/proc/self/fd/{fd}')
        except OSError:
            pass
    status = dict(l.split(':', 1) for l in open('/proc/self/status').read().splitlines() if ':' in l)
    return [sorted(fds.values()), [status[k].strip() for k in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs')], os.getuid()]
"""])
    fds, capabilities, uid = student.call("probe")
    sockets = [target for target in fds if target.startswith("socket:")]
    assert len(sockets) <= 2  # the channel to the grader (requests, replies), nothing of the template's
    assert capabilities == ["0000000000000000"] * 5 + ["1"]
    assert uid == sandbox.private_uid()
    student.close()


def test_a_file_that_shadows_a_preloaded_module_gets_a_cold_worker(template):
    """In a fresh Python the student's numpy.py would be imported: they must meet it here too."""
    workdir = template.spool / "shadow"
    workdir.mkdir()
    (workdir / "numpy.py").write_text("raise ImportError('this is not numpy')\n")
    student = Student("shadow", workdir, ["import numpy as np\ndef probe():\n    return np.__name__"],
                      sandbox_kind="bwrap", template=template)
    with pytest.raises(StudentError, match="Python could not start in your submission folder"):
        student.start()
    assert not template.broken


def test_when_the_template_dies_workers_start_cold(template):
    first = forked(template, "first", ["def probe():\n    return 'first'"])
    first.close()
    os.killpg(template._process.pid, signal.SIGKILL)
    # bwrap's children die with it (--die-with-parent) a moment later; until the template's end of the
    # control socket is closed, a spawn may still reach it and its fork die half-started instead.
    hung_up = select.poll()
    hung_up.register(template._control, select.POLLHUP)
    assert hung_up.poll(30_000), "the template outlived its sandbox"
    workdir = template.spool / "second"
    workdir.mkdir()
    second = Student("second", workdir, ["def probe():\n    return 'second'"], sandbox_kind="bwrap",
                     template=template)
    second.start()
    assert second.call("probe") == "second" and not second.forked
    assert "template" in template.broken
    second.close()


def test_the_template_imports_what_the_instructors_notebook_imports():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as np\nimport matplotlib.pyplot as plt\nimport otter\n"
                                    "from convlab.public_checks import Notebook"),
        nbformat.v4.new_code_cell("%matplotlib inline"),
        nbformat.v4.new_code_cell("from keras import layers\nfrom . import nothing\ndef f():\n    import scipy.signal"),
        nbformat.v4.new_markdown_cell("import pandas"),
    ])
    assert notebook_imports(notebook) == ["numpy", "matplotlib.pyplot", "keras", "scipy.signal"]


def test_a_fork_checks_what_it_holds_before_it_serves():
    """A fork says ready only as a private uid holding no capability, with no_new_privs: this test
    process (root, as CI runs) fails the check a fork makes, and a fork told any uid but a private
    one refuses before it changes anything."""
    with pytest.raises(forkserver.IsolationFailed, match="privileges left after dropping them"):
        forkserver.verify_dropped(os.getuid())
    with pytest.raises(forkserver.IsolationFailed, match="uid 0 is not a private uid"):
        forkserver._drop_privileges(0)


def test_only_private_uids_are_killed_wholesale():
    with pytest.raises(ValueError):
        sandbox.kill_private_processes(0)
    with pytest.raises(ValueError):
        sandbox.kill_private_processes(os.getuid() or 65534)
