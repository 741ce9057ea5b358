from convlab.scoring import score_grade_cells


def check(grade_id, passed):
    return {"grade_id": grade_id, "passed": passed, "check": "x", "message": ""}


def test_points_follow_the_share_of_passed_checks():
    checks = [check("conv2d", True), check("conv2d", False), check("conv2d", True), check("conv2d", True),
              check("pool2d", True)]
    assert score_grade_cells(checks, {"conv2d": 4, "pool2d": 3}) == {"conv2d": 3.0, "pool2d": 3.0}


def test_a_grade_cell_whose_checks_never_ran_scores_zero():
    assert score_grade_cells([], {"conv2d": 4}) == {"conv2d": 0.0}


def test_checks_tagged_with_unknown_grade_ids_add_nothing():
    assert score_grade_cells([check("bonus", True)], {"conv2d": 4}) == {"conv2d": 0.0}


def test_a_check_that_crashed_in_the_grader_counts_neither_way():
    checks = [check("conv2d", True), {**check("conv2d", False), "internal": True}]
    assert score_grade_cells(checks, {"conv2d": 4}) == {"conv2d": 4.0}
