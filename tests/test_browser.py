"""The course where its users work: JupyterLab 4 in headless Chromium, as a student and an instructor.

One class of one student (``frank``, an account of the machine) and one
instructor (root, in the course folder) share one exchange. Each has a
JupyterLab server of their own, set up by ``convlab lab-role``: the student's
without nbgrader's instructor tools. The tests run in order, as the term does:

1. each sees the tools of their role, and no other;
2. the student fetches the assignment from the Assignments tab, writes two
   exercises (one right, one with the kernel flipped) and a written answer,
   runs their public checks, presses Validate, reads the dialog, and submits;
3. the instructor collects and grades with ``convlab grade``, grades the
   written answer in formgrader, and releases the feedback;
4. the student fetches the feedback from the Assignments tab and reads the
   hidden checks' diagnosis in it.

Screenshots go to ``build/test-artifacts/browser/`` (``CONVLAB_TEST_ARTIFACTS``
moves it); ``docs/`` holds three of them.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from browser import JupyterLab, launch
from playwright.sync_api import expect
from exchange_loop import ROOT, Exchange, needs_root, path_with_env_bin, student_accounts

from convlab.lab_roles import set_role

pytestmark = [pytest.mark.slow, pytest.mark.browser, needs_root]

STUDENT = "frank"
ASSIGNMENT, NOTEBOOK = "01_convolution", "convolution.ipynb"
ARTIFACTS = Path(os.environ.get("CONVLAB_TEST_ARTIFACTS", ROOT / "build" / "test-artifacts")) / "browser"
TIMEOUT_MS = 90_000
ANSWER = ("A convolution layer applies the same filter at every position, so shifting the input "
          "shifts the activation map by the same amount: the bump's peak moves 20 steps later.")


def example_cell(example: str, grade_id: str) -> str:
    """A solution cell of an example submission: what the student types."""
    notebook = nbformat.read(ROOT / "examples" / "submissions" / example / ASSIGNMENT / NOTEBOOK, 4)
    [cell] = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return cell.source


@pytest.fixture(scope="module")
def term(released_course, tmp_path_factory):
    """The course, its exchange with the assignment released, and the two JupyterLab servers."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # this run's pictures and logs only
    course = released_course()
    with student_accounts([STUDENT]):
        exchange = Exchange(course, [STUDENT])
        labs = []
        try:
            with (course.root / "nbgrader_config.py").open("a") as config:
                config.write(f"\nc.Exchange.root = {str(exchange.root)!r}\n")
            exchange.run("release_assignment", ASSIGNMENT)
            exchange.run("release_feedback", ASSIGNMENT)  # none yet: it makes the exchange's feedback folder

            student_config = exchange.home(STUDENT) / ".jupyter"
            student_config.mkdir()
            (student_config / "nbgrader_config.py").write_text(
                f"c = get_config()\nc.Exchange.root = {str(exchange.root)!r}\nc.CourseDirectory.course_id = 'convlab'\n")
            instructor_config = tmp_path_factory.mktemp("instructor") / ".jupyter"
            instructor_config.mkdir()
            for role, folder in (("student", student_config), ("instructor", instructor_config)):
                os.environ["JUPYTER_CONFIG_DIR"] = str(folder)
                try:
                    set_role(role)  # what each account runs once: `convlab lab-role student|instructor`
                finally:
                    del os.environ["JUPYTER_CONFIG_DIR"]

            env = path_with_env_bin()
            prefix = exchange.as_student(STUDENT, env)
            labs.append(JupyterLab(exchange.home(STUDENT), student_config, env, prefix, owner=STUDENT,
                                   log=ARTIFACTS / "jupyterlab-student.log"))
            labs.append(JupyterLab(course.root, instructor_config, path_with_env_bin(),
                                   log=ARTIFACTS / "jupyterlab-instructor.log"))
            yield exchange, labs[0], labs[1]
        finally:
            for lab in labs:
                lab.stop()
            exchange.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def pages(browser):
    """A browser tab for each of the two people, kept from test to test as they work."""
    tabs = {}
    for person in ("student", "instructor"):
        tabs[person] = browser.new_page(viewport={"width": 1280, "height": 900})
        tabs[person].set_default_timeout(TIMEOUT_MS)
    yield tabs
    for tab in tabs.values():
        tab.close()


@pytest.fixture(autouse=True)
def screenshot_on_failure(request):
    """What the browser showed when a test failed, as an artefact beside the others."""
    yield
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and "pages" in request.fixturenames:
        for person, page in request.getfixturevalue("pages").items():
            screenshot(page, f"FAILED-{request.node.name}-{person}")


def screenshot(target, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(ARTIFACTS / f"{name}.png"))


# ---- JupyterLab, as a person uses it ---------------------------------------------------------
def open_lab(page, lab: JupyterLab, path: str = "lab") -> None:
    page.goto(lab.url(path))
    page.locator("#jp-main-dock-panel").wait_for()


def menu_items(page, menu: str) -> list[str]:
    """The labels of a menu of the menu bar (closed again after reading)."""
    page.locator(f"#jp-menu-panel div.lm-MenuBar-itemLabel:text-is('{menu}')").click()
    labels = page.locator(".lm-Menu-content .lm-Menu-itemLabel").all_inner_texts()
    page.keyboard.press("Escape")
    return [label for label in labels if label]


def side_panels(page, label: str) -> int:
    """How many tabs of the side bars carry ``label``."""
    page.locator(".jp-SideBar").first.wait_for()
    return page.locator(".jp-SideBar .lm-TabBar-tab").filter(has_text=label).count()


def open_assignments(page) -> None:
    page.locator("#jp-menu-panel div.lm-MenuBar-itemLabel:text-is('Nbgrader')").click()
    page.locator('li[data-command="nbgrader:open-assignment-list"]').click()
    page.locator("#released_assignments_list").wait_for()


def assignment_rows(page, status: str, count: int):
    rows = page.locator(f"#{status}_assignments_list > .list_item")
    rows.nth(count - 1).wait_for()
    return rows


def cell(page, text: str):
    """The notebook cell whose text holds ``text``."""
    return page.locator(".jp-Notebook .jp-Cell").filter(has_text=text).first


def run(page, text: str) -> None:
    """Run the cell holding ``text`` (Shift+Enter) and wait until it is done: its prompt shows
    an execution count, "[n]:", where it showed "[ ]:" and then "[*]:"."""
    target = cell(page, text)
    target.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    expect(target.locator(".jp-InputArea-prompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=TIMEOUT_MS)


def write(page, text: str, source: str) -> None:
    """Replace the code of the cell holding ``text`` with ``source``, as typed by the student."""
    cell(page, text).locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(source)


def write_markdown(page, text: str, answer: str) -> None:
    target = cell(page, text)
    target.dblclick()
    target.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(answer)
    page.keyboard.press("Shift+Enter")


# ---- the term --------------------------------------------------------------------------------
def test_each_role_sees_its_own_tools(term, pages):
    exchange, student_lab, instructor_lab = term
    student_page, instructor_page = pages["student"], pages["instructor"]
    open_lab(student_page, student_lab)
    student_menu = menu_items(student_page, "Nbgrader")
    assert "Assignment List" in student_menu
    assert not any("Formgrader" in item or "Course" in item for item in student_menu), student_menu
    assert student_lab.get("formgrader") == 404  # not served at all, not merely hidden
    assert side_panels(student_page, "Create Assignment") == 0

    open_lab(instructor_page, instructor_lab)
    assert "Formgrader" in menu_items(instructor_page, "Nbgrader")
    assert instructor_lab.get("formgrader") == 200
    assert side_panels(instructor_page, "Create Assignment") == 1


def test_a_student_fetches_writes_checks_validates_and_submits(term, pages):
    exchange, student_lab, _ = term
    page = pages["student"]
    open_lab(page, student_lab)
    open_assignments(page)
    assignment_rows(page, "released", 1).first.locator(".item_status button").click()
    assignment_rows(page, "fetched", 1)
    assert (exchange.home(STUDENT) / ASSIGNMENT / NOTEBOOK).is_file()

    open_lab(page, student_lab, f"lab/tree/{ASSIGNMENT}/{NOTEBOOK}")
    cell(page, "grader = Notebook()").wait_for()
    page.locator("#jp-main-statusbar").get_by_text("| Idle").wait_for()  # the kernel is up
    run(page, "grader = Notebook()")
    write(page, "def gaussian_kernel1d(", example_cell("reference", "gaussian_kernel1d_code"))
    run(page, "def gaussian_kernel1d(")
    run(page, 'grader.check("gaussian_kernel1d")')
    passed = cell(page, 'grader.check("gaussian_kernel1d")').locator(".jp-OutputArea")
    assert "gaussian_kernel1d passed!" in passed.inner_text()

    write(page, "def conv2d(", example_cell("flipped_kernel", "conv2d_code"))
    run(page, "def conv2d(")
    run(page, 'grader.check("conv2d")')
    check = cell(page, 'grader.check("conv2d")')
    report = check.locator(".jp-OutputArea").inner_text()
    assert "PublicChecksFailed" in report and "conv2d flipped the kernel" in report
    check.evaluate("cell => cell.scrollIntoView({block: 'start'})")
    screenshot(page, "student-check")
    write_markdown(page, "YOUR ANSWER HERE", ANSWER)

    page.locator(".validate-button").first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator(".validation-failed").wait_for()
    text = dialog.inner_text()
    assert 'grader.check("conv2d")' in text and "conv2d flipped the kernel" in text
    assert 'grader.check("gaussian_kernel1d")' not in text  # it passes
    assert 'grader.check("pool2d")' in text  # still to do
    screenshot(page, "student-validate")
    dialog.locator("button").filter(has_text="OK").click()
    page.keyboard.press("Control+s")
    page.wait_for_timeout(1000)

    open_assignments(page)
    assignment_rows(page, "fetched", 1).first.locator('.item_status button:text("Submit")').click()
    assignment_rows(page, "submitted", 1)
    submitted = exchange.run("list", "--inbound").stderr
    assert f"convlab {STUDENT} {ASSIGNMENT}" in submitted


def test_the_instructor_grades_the_written_answer_in_formgrader(term, pages):
    exchange, _, instructor_lab = term
    graded = exchange.collect_and_grade(ASSIGNMENT)
    assert graded.returncode == 0, graded.stderr
    with exchange.course.gradebook() as gradebook:
        submission = gradebook.find_submission_notebook("convolution", ASSIGNMENT, STUDENT)
        auto = submission.score
        submission_id = submission.id
    assert 0 < auto < 17  # gaussian_kernel1d right, conv2d flipped, the rest not done

    page = pages["instructor"]
    open_lab(page, instructor_lab)
    page.locator("#jp-menu-panel div.lm-MenuBar-itemLabel:text-is('Nbgrader')").click()
    page.locator('li[data-command="nbgrader:open-formgrader"]').click()
    formgrader = page.frame_locator("iframe").first
    formgrader.locator("text=Manual Grading").first.wait_for()
    # The submission's page, as formgrader's "Manual Grading" list links it.
    page.goto(instructor_lab.url(f"formgrader/submissions/{submission_id}/"))
    page.get_by_text(ANSWER[:40]).first.wait_for()  # the student's written answer, as they wrote it
    score = page.locator("input.score#equivariance_answer")
    score.fill("1.5")
    score.press("Tab")
    comment = page.locator("textarea.comment#equivariance_answer-comment")
    comment.fill("Right idea; say how the formula shows it.")
    comment.press("Tab")
    page.wait_for_timeout(1500)  # formgrader saves each field when it loses focus
    page.get_by_text(ANSWER[:40]).first.scroll_into_view_if_needed()
    screenshot(page, "formgrader")

    with exchange.course.gradebook() as gradebook:
        submission = gradebook.find_submission_notebook("convolution", ASSIGNMENT, STUDENT)
        written = gradebook.find_grade("equivariance_answer", "convolution", ASSIGNMENT, STUDENT)
        assert written.manual_score == 1.5 and written.score == 1.5
        assert submission.score == pytest.approx(auto + 1.5)
    exchange.run("export", "--to", "grades.csv")
    rows = list(csv.DictReader(io.StringIO((exchange.course.root / "grades.csv").read_text())))
    [row] = [r for r in rows if r["student_id"] == STUDENT and r["assignment"] == ASSIGNMENT]
    assert float(row["score"]) == pytest.approx(auto + 1.5)

    # Feedback again, with the written answer's grade and comment, then out through the exchange.
    exchange.run("generate_feedback", ASSIGNMENT, "--force")
    exchange.run("release_feedback", ASSIGNMENT)


def test_the_student_fetches_and_reads_the_feedback(term, pages):
    exchange, student_lab, _ = term
    page = pages["student"]
    open_lab(page, student_lab)
    open_assignments(page)
    page.locator("#refresh_assignments_list").click()
    page.locator('.item_status button:text("Fetch Feedback")').first.click()
    page.get_by_text("(view feedback)").first.wait_for()
    [html] = list((exchange.home(STUDENT) / ASSIGNMENT / "feedback").glob("*/convolution.html"))
    page.goto(student_lab.url(f"files/{html.relative_to(exchange.home(STUDENT)).as_posix()}"))
    body = page.locator("body")
    body.get_by_text("Hidden checks for conv2d").first.wait_for()
    text = body.inner_text()
    assert "it equals the true convolution (kernel flipped in both directions)" in text
    assert "Right idea; say how the formula shows it." in text
    page.get_by_text("Hidden checks for conv2d").first.scroll_into_view_if_needed()
    screenshot(page, "feedback")
