"""Keep hypothesis out of the course folder (the run's seed comes from convlab.checks: run_seed)."""

import shutil
import tempfile

from hypothesis import configuration

# hypothesis caches what it learns (even with database=None: the constants of local modules)
# under ./.hypothesis; grading runs in the course root, so send it to a throwaway folder
_HOME = tempfile.mkdtemp(prefix="convlab-hypothesis-")
configuration.set_hypothesis_home_dir(_HOME)


def pytest_unconfigure(config):
    shutil.rmtree(_HOME, ignore_errors=True)
