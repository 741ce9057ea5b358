"""A student's code that hangs, crashes or misbehaves costs only the calls it touches."""

import numpy as np
import pytest

from convlab import sandbox
from convlab.functions import Function
from convlab.student import Student, StudentError

CELLS = [
    # The release's set-up: grading stubs the public checks (no tests/ folder is needed)
    "import numpy as np\nfrom convlab.public_checks import Notebook\ngrader = Notebook()\n"
    "grader.check('anything')\nprint('ready')",
    "def double(x, stride=1):\n    return x * 2, stride",
    "while True:\n    pass",
    "def inplace(x):\n    x[0] = 99\n    return x.sum()",
    "import os\ndef crash():\n    os._exit(3)\ndef hang():\n    while True:\n        pass",
    "def apply(f, t):\n    return f(t)",
    "raise ValueError('a broken cell')",
    "def after_error():\n    return 'still defined'",
    "SETTINGS = {'kernel': (3, 3), 'layers': [{'type': 'Dense', 'units': 10}]}\nmodule_ref = np",
    "import time\n_imported = []\ndef lazy_import():\n    if not _imported:\n        time.sleep(2.5)  # like `import keras` inside the function\n        _imported.append(1)\n    return len(_imported)",
]


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """One worker for the module: the hanging cell costs its timeout once, not once per test."""
    student = Student("tester", tmp_path_factory.mktemp("work"), CELLS, sandbox_kind=sandbox.choose("bwrap"),
                      cell_timeout=3, call_timeout=2, first_call_timeout=4)
    student.start()
    yield student
    student.close()


def test_the_notebook_runs_and_cells_report_outputs_errors_and_hangs(student):
    runs = student.cell_runs
    assert runs[0].outputs[0]["text"] == "ready\n"
    assert runs[2].lost.startswith("timed out after 3 s")
    assert runs[6].error["type"] == "ValueError"
    assert student.call("after_error") == "still defined"


def test_arguments_keep_their_types(student):
    result, stride = student.call("double", np.arange(3.0), stride=(2, 1))
    np.testing.assert_array_equal(result, [0.0, 2.0, 4.0])
    assert stride == (2, 1)


def test_in_place_changes_to_inputs_are_reported(student):
    assert student.call("inplace", np.zeros(3)) == 99
    assert student.mutated == [0]
    student.call("double", np.zeros(3))
    assert student.mutated == []


def test_in_place_changes_are_seen_by_the_grader_even_with_numpy_rigged(run_student):
    student = run_student(["import numpy as np\nnp.array_equal = lambda *a, **k: True\n"
                           "def inplace(x, scale=None):\n    x[0] = 99\n    scale[:] = 0\n    return 1"])
    assert student.call("inplace", np.zeros(3), scale=np.ones(2)) == 1
    assert student.mutated == [0, "scale"]


def test_builtins_a_cell_replaces_are_put_back_for_the_worker(run_student):
    student = run_student(["import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.len = lambda x: 0\n"
                           "def shape(x):\n    return x.shape"])
    assert student.call("shape", np.zeros((2, 3))) == (2, 3)


def test_a_process_forked_by_the_students_code_never_answers(run_student):
    student = run_student(["import os\nchildren = [os.fork() for _ in range(3)]\n", "def ok():\n    return 'ok'"])
    assert student.cell_runs[0].error is None and student.cell_runs[1].lost is None
    assert [student.call("ok") for _ in range(3)] == ["ok"] * 3


def test_functions_cross_as_descriptions(student):
    values = student.call("apply", Function("box", {"lo": -1.0, "hi": 1.0}), np.linspace(-2, 2, 5))
    np.testing.assert_array_equal(values, [0, 1, 1, 0, 0])


def test_a_crash_fails_the_call_and_the_next_call_gets_a_fresh_worker(student):
    with pytest.raises(StudentError, match="died while running crash: exit code 3"):
        student.call("crash")
    assert student.call("double", 1)[0] == 2


def test_an_endless_function_is_stopped_and_grading_goes_on(student):
    with pytest.raises(StudentError, match="timed out after 4 s while running hang"):
        student.call("hang")
    assert student.call("after_error") == "still defined"
    # Once it has hung, it gets the ordinary limit, not the first-call grace again.
    with pytest.raises(StudentError, match="timed out after 2 s while running hang"):
        student.call("hang")


def test_a_first_call_may_pay_for_an_import(student):
    assert student.call("lazy_import") == 1  # 2.5 s: over the call limit, within the first-call grace
    assert student.call("lazy_import") == 1


def test_missing_and_raising_functions_explain_themselves(student):
    with pytest.raises(StudentError, match="no function named 'conv2d'"):
        student.call("conv2d")
    with pytest.raises(StudentError, match="'np' is a module, not a function"):
        student.call("np")
    assert student.raises("double") == "TypeError"
    assert "missing 1 required positional argument" in student.raised_message
    assert student.raises("double", 1) is None


def test_the_plain_subprocess_fallback_runs_the_same_protocol(run_student):
    student = run_student(CELLS[:2], kind="none")
    assert student.call("double", 2) == (4, 1)


def test_global_data_can_be_read_as_plain_data(student):
    assert student.value("SETTINGS") == {"kernel": (3, 3), "layers": [{"type": "Dense", "units": 10}]}
    with pytest.raises(StudentError, match="no variable named 'MISSING'"):
        student.value("MISSING")
    with pytest.raises(StudentError, match="module_ref holds a module"):
        student.value("module_ref")


KEEPING = [
    "import os, time\n"
    "class Counter:\n"
    "    def __init__(self, start):\n"
    "        self.count = start\n"
    "        self.log = {'steps': []}\n"
    "    def add(self, n):\n"
    "        self.count += n\n"
    "        self.log['steps'].append(n)\n"
    "        return self.count\n"
    "def make_counter(start=0):\n"
    "    return Counter(start)\n"
    "def total(counter, n):\n"
    "    return counter.add(n)\n"
    "def slow(seconds):\n"
    "    time.sleep(seconds)\n"
    "    return seconds\n"
    "def crash():\n"
    "    os._exit(1)\n",
]


def test_objects_that_are_not_data_stay_in_the_worker_behind_a_handle(run_student):
    student = run_student(KEEPING)
    counter = student.keep("make_counter", 5)
    assert counter.what == "the result of make_counter" and "Counter" in counter.kind
    assert student.call("total", counter, 2) == 7  # a handle passed back as an argument
    assert student.method(counter, "add", 3) == 10  # a method of the kept object
    assert student.attribute(counter, "log") == {"steps": [2, 3]}
    with pytest.raises(StudentError, match=r"add\(\) on the result of make_counter raised TypeError"):
        student.method(counter, "add", "three")
    with pytest.raises(StudentError, match="has no attribute 'missing'"):
        student.attribute(counter, "missing")


def test_a_handle_does_not_outlive_its_worker(run_student):
    student = run_student(KEEPING)
    counter = student.keep("make_counter")
    with pytest.raises(StudentError, match="died while running crash"):
        student.call("crash")
    with pytest.raises(StudentError, match="the result of make_counter was lost when your notebook's Python "
                                           "process was restarted"):
        student.call("total", counter, 1)
    assert student.call("total", student.keep("make_counter", 1), 1) == 2  # a new one works


def test_training_calls_get_their_own_time_limit(run_student):
    student = run_student(KEEPING, call_timeout=1, first_call_timeout=1)
    with student.time_limit(5):
        assert student.call("slow", 2) == 2
    with pytest.raises(StudentError, match="timed out after 1 s"):
        student.call("slow", 2)
