"""The report under each grade cell of an autograded notebook: HTML that wraps, its plain-text copy,
a known mistake said once for all the checks it fails, and nothing of the student's left unescaped."""

import nbformat
from bs4 import BeautifulSoup

from convlab.prepare import Prepared
from convlab.record import autograded_notebook, check_report

FLIPPED = ("it equals the true convolution (kernel flipped in both directions); conv2d, like a "
           "convolution layer, computes a cross-correlation: do not flip the kernel")
CALLS = ["conv2d(image 7x9x3, kernel 3x4x3)", "conv2d(image 7x10x2, kernel 5x5x2, padding='same')",
         "conv2d(image 9x8x3, kernel 3x4x3, padding='full')"]
STRIDE = "conv2d(image 8x9x4, kernel 2x3x4, stride=3) has the right shape (3, 3), but values differ at 9 of 9 positions"


def check(name, passed=False, message="", **fields):
    return {"check": f"test_conv2d::{name}", "grade_id": "conv2d", "passed": passed, "message": message, **fields}


def flipped(name, call):
    """A check failed on the flipped kernel, recorded as convlab.checks records a KnownMistake."""
    return check(name, message=f"{call} is wrong: {FLIPPED}", what=call, diagnosis=FLIPPED)


CHECKS = [flipped("test_valid", CALLS[0]), check("test_rejects_bad_padding", passed=True),
          flipped("test_same_odd_kernel", CALLS[1]), check("test_stride", message=STRIDE),
          flipped("test_full", CALLS[2]), check("test_pool", passed=True) | {"grade_id": "pool2d"}]


def html_of(report) -> BeautifulSoup:
    return BeautifulSoup(report["data"]["text/html"], features="html.parser")


def test_the_report_is_rich_output_that_wraps_not_a_stream():
    report = check_report("conv2d", CHECKS, 1.2, 4)
    assert report["output_type"] == "display_data" and set(report["data"]) == {"text/html", "text/plain"}
    html = html_of(report)
    assert html.find("pre") is None
    assert html.find("h4").get_text() == "Hidden checks for conv2d: 1 of 5 passed, 1.2 of 4 points."
    assert FLIPPED in html.find("p").get_text()  # the diagnosis in full, in a paragraph that wraps


def test_a_mistake_that_fails_several_checks_is_said_once_then_its_checks_are_listed():
    html = html_of(check_report("conv2d", CHECKS, 1.2, 4))
    assert html.get_text().count(FLIPPED) == 1
    lead = html.find("p")
    assert lead.get_text() == f"3 checks found the same mistake: {FLIPPED}."
    listed = [li.get_text(" ", strip=True) for li in lead.find_next_sibling("ul").find_all("li")]
    assert listed == [f"FAIL test_valid : {CALLS[0]}", f"FAIL test_same_odd_kernel : {CALLS[1]}",
                      f"FAIL test_full : {CALLS[2]}"]
    # A message without a known diagnosis is listed as it is, beside the checks that passed.
    other = lead.find_next_sibling("p")
    assert other.get_text() == "The other checks:"
    assert [li.get_text(" ", strip=True) for li in other.find_next_sibling("ul").find_all("li")] == [
        "PASS test_rejects_bad_padding", f"FAIL test_stride : {STRIDE}"]


def test_one_check_with_a_known_mistake_keeps_its_whole_message():
    checks = [flipped("test_valid", CALLS[0]), check("test_stride", passed=True)]
    html = html_of(check_report("conv2d", checks, 2, 4))
    assert "same mistake" not in html.get_text()
    assert html.find("li").get_text(" ", strip=True) == f"FAIL test_valid : {CALLS[0]} is wrong: {FLIPPED}"


def test_what_the_student_wrote_is_escaped():
    message = "conv2d returned the string '<script>alert(1)</script><b>'; expected an array"
    checks = [check("test_valid", message=message),
              *(check(f"test_{k}", message="m", what="<img src=x onerror=alert(1)>", diagnosis="<i>x</i>")
                for k in range(2))]
    report = check_report("conv2d", checks, 0, 4)
    html = html_of(report)
    assert not html.find_all(["script", "b", "img", "i"])
    assert message in html.get_text() and "<img src=x onerror=alert(1)>" in html.get_text()
    assert message in report["data"]["text/plain"]  # plain text is text: nothing to escape


def test_the_plain_text_says_the_same():
    text = check_report("conv2d", CHECKS, 1.2, 4)["data"]["text/plain"]
    assert text == (
        "Hidden checks for conv2d: 1 of 5 passed, 1.2 of 4 points.\n\n"
        f"3 checks found the same mistake: {FLIPPED}.\n"
        f"  FAIL  test_valid: {CALLS[0]}\n"
        f"  FAIL  test_same_odd_kernel: {CALLS[1]}\n"
        f"  FAIL  test_full: {CALLS[2]}\n\n"
        "The other checks:\n"
        "  PASS  test_rejects_bad_padding\n"
        f"  FAIL  test_stride: {STRIDE}\n")


def test_checks_not_counted_and_cells_with_no_check_say_so():
    crashed = check("test_bug", message="the check could not be completed", internal=True)
    text = check_report("conv2d", [crashed, check("test_valid", passed=True)], 4, 4)["data"]["text/plain"]
    assert "Hidden checks for conv2d: 1 of 1 passed, 4 of 4 points." in text
    assert "  NOT COUNTED  test_bug: the check could not be completed\n" in text
    assert "No check could run: see the messages above." in check_report("conv2d", [], 0, 4)["data"]["text/plain"]


def test_the_autograded_notebook_holds_the_report_as_the_grade_cells_only_output():
    cell = nbformat.v4.new_code_cell('grader.check("conv2d")', outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="the student's own run of the public checks\n")])
    cell.metadata["nbgrader"] = {"grade_id": "conv2d", "grade": True, "points": 4}
    notebook = nbformat.v4.new_notebook(cells=[cell])
    graded = autograded_notebook(Prepared("ada", "convolution", notebook), {"checks": CHECKS}, {"conv2d": 1.2},
                                 {"conv2d": 4})
    assert graded.cells[0].outputs == [check_report("conv2d", CHECKS, 1.2, 4)]
    nbformat.validate(graded)
