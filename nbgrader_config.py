"""nbgrader configuration for the convlab course.

nbgrader reads this file from the course root. Paths are nbgrader's defaults
(source/, release/, submitted/, autograded/, feedback/); only what differs from
them is set here.
"""

c = get_config()  # noqa: F821  (injected by traitlets when nbgrader loads the file)

c.CourseDirectory.course_id = "convlab"
# Everything else in source/<assignment>/ (the public otter checks in tests/) is
# copied to students; editor and cache files are not.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
