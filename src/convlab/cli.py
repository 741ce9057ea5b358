"""The ``convlab`` command: one thin verb per library function.

    convlab release [ASSIGNMENT ...]        regenerate release/ with nbgrader
    convlab grade ASSIGNMENT [--student ID] [--jobs N] [--sandbox bwrap|docker|none]
                             [--cluster tcp://HOST:8786|slurm|pbs|...]   shards on a Dask cluster
    convlab report ASSIGNMENT [--out DIR]   the instructor's insight report: reports/<assignment>/index.html
    convlab check NOTEBOOK [--question Q]   public checks for a self-learner
    convlab lab-role student|instructor [--level user|sys_prefix|system]
                                            nbgrader's instructor tools off (student) or on in JupyterLab
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _release(args) -> int:
    from convlab.course import Course
    from convlab.release import release

    course = Course.at(args.course)
    for assignment in args.assignments or course.assignments():
        print(f"released {release(course, assignment).relative_to(course.root)}")
    return 0


def _grade(args) -> int:
    from convlab.course import Course
    from convlab.grading import Settings, grade
    from convlab.report import print_scores

    course = Course.at(args.course)
    submissions = Path(args.submissions).resolve() if args.submissions else course.root / "submitted"
    settings = Settings(jobs=max(1, args.jobs), sandbox=args.sandbox, docker_image=args.docker_image,
                        gpus=args.gpus == "all", call_timeout=args.call_timeout,
                        first_call_timeout=args.first_call_timeout, cell_timeout=args.cell_timeout, seed=args.seed,
                        progress=not args.quiet, template=not args.no_template, cluster=args.cluster,
                        shard_size=args.shard_size, cluster_jobs=max(1, args.cluster_jobs))
    grades = grade(course, args.assignment, submissions, args.student or None, settings)
    return 0 if print_scores(args.assignment, grades) else 1


def _report(args) -> int:
    from convlab.course import Course
    from convlab.insight.page import write_report

    course = Course.at(args.course)
    path, notes = write_report(course, args.assignment, Path(args.out).resolve() if args.out else None)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"report of {args.assignment}: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


def _check(args) -> int:
    from convlab.public_checks import check

    return check(Path(args.notebook), args.question)


def _lab_role(args) -> int:
    from convlab.lab_roles import set_role

    set_role(args.role, args.level)
    print(f"JupyterLab set up for {'students' if args.role == 'student' else 'instructors'} ({args.level} level); "
          "restart JupyterLab to see it")
    return 0


def _skip_iri_grammar() -> None:
    """Keep jsonschema from building the IRI grammar of ``rfc3987_syntax`` when it is imported.

    jupyter-events installs that package through ``jsonschema[format-nongpl]``, and jsonschema
    imports it to check the "iri" string formats, compiling a grammar: more than a second of
    every ``convlab`` command, which reaches jsonschema through nbformat and nbgrader. Nothing
    here checks formats (nbformat and nbgrader validate without a format checker), so the
    import is made to fail, as if the package were absent, which jsonschema allows for.
    """
    sys.modules.setdefault("rfc3987_syntax", None)


def main(argv: list[str] | None = None) -> int:
    _skip_iri_grammar()
    from convlab import lab_roles
    from convlab.grading import Settings

    parser = argparse.ArgumentParser(prog="convlab", description=__doc__.split("\n\n")[0])
    parser.add_argument("--course", help="course root (default: the folder holding nbgrader_config.py)")
    verbs = parser.add_subparsers(dest="verb", required=True)

    p = verbs.add_parser("release", help="regenerate release/ from source/ with nbgrader")
    p.add_argument("assignments", nargs="*", help="default: every assignment in source/")
    p.set_defaults(run=_release)

    p = verbs.add_parser("grade", help="grade submissions with the hidden checks, in a sandbox")
    p.add_argument("assignment")
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.add_argument("--submissions", help="nbgrader submitted/ layout to grade (default: <course>/submitted)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="students graded at once")
    p.add_argument("--sandbox", choices=["bwrap", "docker", "none", "auto"], default="auto")
    p.add_argument("--docker-image", help="grading image for --sandbox docker "
                   "(default: convlab-grader:cpu, or convlab-grader:gpu with --gpus all; see docker/)")
    p.add_argument("--gpus", choices=["all", "none"], default="none",
                   help="give the containers the GPUs (--sandbox docker; bwrap shows them when present)")
    p.add_argument("--call-timeout", type=float, default=Settings.call_timeout, help="seconds per call of a student function")
    p.add_argument("--first-call-timeout", type=float, default=Settings.first_call_timeout,
                   help="seconds for a function's first call in a worker (it may import a library)")
    p.add_argument("--cell-timeout", type=float, default=Settings.cell_timeout, help="seconds per notebook cell")
    p.add_argument("--seed", type=int, help="fix the random inputs (to reproduce a run)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--no-template", action="store_true",
                   help="start every worker in a fresh Python instead of forking it from a template "
                        "that has imported the notebook's libraries (slower; for comparison)")
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="grade the shards on a Dask cluster: a running scheduler's tcp://HOST:8786, or one of "
                        "slurm, pbs, sge, lsf, htcondor, oar, moab to start one through dask-jobqueue "
                        "(its queue, account, cores and memory from Dask's jobqueue config); needs convlab[cluster]")
    p.add_argument("--cluster-jobs", type=int, default=Settings.cluster_jobs,
                   help="batch jobs (one Dask worker each) to start with --cluster slurm and the like")
    p.add_argument("--shard-size", type=int, help="students per shard with --cluster "
                   "(default: about three shards per worker thread, at most 40 students)")
    p.set_defaults(run=_grade)

    p = verbs.add_parser("report", help="what the class got wrong, who may have copied, what a regrade changed "
                         "(reports/<assignment>/index.html and CSV files)")
    p.add_argument("assignment")
    p.add_argument("--out", help="folder to write the report in (default: <course>/reports/<assignment>)")
    p.set_defaults(run=_report)

    p = verbs.add_parser("check", help="run the public checks on one notebook (self-learners)")
    p.add_argument("notebook")
    p.add_argument("--question", help="only this question")
    p.set_defaults(run=_check)

    p = verbs.add_parser("lab-role", help="show or hide nbgrader's instructor tools (formgrader, Create Assignment)")
    p.add_argument("role", choices=lab_roles.ROLES)
    p.add_argument("--level", choices=lab_roles.LEVELS, default="user",
                   help="where the setting goes (jupyter's config levels; sys_prefix for a student image)")
    p.set_defaults(run=_lab_role)

    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
