"""``convlab lab-role``: which of nbgrader's JupyterLab tools a student and an instructor see.

Installing nbgrader turns on all of its tools for everyone who uses the
environment. A student needs the Assignments tab (fetch, submit, fetch
feedback) and the Validate button; formgrader, Create Assignment and the
course list are the instructor's, and shown to a student they only confuse
(formgrader even answers requests from a student's server). nbgrader's
documented switches turn them off and on: ``jupyter labextension
disable|enable`` for the JupyterLab parts and ``jupyter server extension
disable|enable`` for the server parts. This runs them, at the level asked: a
student image sets ``sys_prefix`` once, a shared machine sets ``user`` in each
account (``JUPYTER_CONFIG_DIR`` decides where).
"""

from __future__ import annotations

#: nbgrader's JupyterLab plugins and server extensions that only instructors use.
INSTRUCTOR_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                      "@jupyter/nbgrader:course-list")
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list")
ROLES = ("student", "instructor")
LEVELS = ("user", "sys_prefix", "system")


def set_role(role: str, level: str = "user") -> None:
    """Hide (student) or show (instructor) nbgrader's instructor tools at ``level``.

    Through the functions behind ``jupyter labextension disable`` and ``jupyter server
    extension disable``: that command refuses, at the user level, an extension that the
    environment enabled (it looks for it in the user's own config only), and says so
    without failing.
    """
    from jupyter_server.extension.serverextension import toggle_server_extension_python
    from jupyterlab.commands import disable_extension, enable_extension

    if role not in ROLES or level not in LEVELS:
        raise ValueError(f"role must be one of {ROLES} and level one of {LEVELS}")
    toggle = disable_extension if role == "student" else enable_extension
    for plugin in INSTRUCTOR_PLUGINS:
        toggle(plugin, level=level)
    for extension in INSTRUCTOR_SERVER_EXTENSIONS:
        toggle_server_extension_python(extension, enabled=role == "instructor", user=level == "user",
                                       sys_prefix=level == "sys_prefix")
