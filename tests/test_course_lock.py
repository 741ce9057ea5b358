"""Two `convlab grade` runs on one course: the second refuses, the first is untouched."""

import subprocess
import sys
import time

import pytest

from convlab.course import Course
from convlab.grading import course_lock


def test_a_second_grading_run_refuses_while_the_first_holds_the_course(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("")
    holder = subprocess.Popen([sys.executable, "-c", (
        "import time; from pathlib import Path; from convlab.course import Course\n"
        "from convlab.grading import course_lock\n"
        f"with course_lock(Course(Path({str(tmp_path)!r}))):\n    print('locked', flush=True); time.sleep(30)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(SystemExit, match=rf"another convlab grade is running on this course \(pid {holder.pid}\)"):
            with course_lock(Course(tmp_path)):
                pass
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    with course_lock(Course(tmp_path)):  # released when its holder is gone, even killed
        pass
