# Two entry points, each installs what it needs: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(abspath $(VENV)/bin)
STAMP := $(VENV)/.installed-stamp
BROWSER_STAMP := $(VENV)/.browser-stamp
SLURM_STAMP := $(VENV)/.slurm-stamp
# nbgrader's gradebook runs `alembic`, which lives in the environment's bin/.
RUN := PATH="$(BIN):$$PATH"

.PHONY: env demo test benchmark images images-gpu clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --editable ".[dev]"
	@command -v bwrap >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && (apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null) ; } \
	  || echo "note: bubblewrap is not installed; grading will fall back to an unisolated subprocess"
	touch $(STAMP)

# The browser tests drive Debian's Chromium (Playwright's own download is not reachable everywhere);
# the emoji font draws otter's check marks in their screenshots.
$(BROWSER_STAMP):
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	      fonts-noto-color-emoji >/dev/null) ; } \
	  || { echo "Chromium is missing: install it (Debian: apt-get install chromium) for tests/test_browser.py"; exit 1; }
	mkdir -p $(VENV) && touch $(BROWSER_STAMP)

# tests/test_cluster.py starts a one-node Slurm (Debian's slurm-wlm and munge) and grades through `--cluster slurm`.
$(SLURM_STAMP):
	@command -v slurmctld >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null) ; } \
	  || echo "note: Slurm is not installed; tests/test_cluster.py skips its Slurm test (only root can start it)"
	mkdir -p $(VENV) && touch $(SLURM_STAMP)

env: $(STAMP)

demo: env
	$(RUN) convlab release
	for assignment in $$(ls source); do \
	  $(RUN) convlab grade $$assignment --submissions examples/submissions || exit 1; done
	$(RUN) nbgrader export --to grades.csv
	@echo "autograded notebooks: autograded/   feedback: feedback/   grades: grades.csv"
	@# Last, each assignment's insight report (what the class got wrong, problems, regrades, similarity).
	@for assignment in $$(ls source); do $(RUN) convlab report $$assignment || exit 1; done

# The grading images, with no image registry: a debootstrap Debian base, then convlab and its pinned
# wheels (docker/images.sh; starts dockerd, installing docker.io and debootstrap as root if need be).
# Rebuilt only when docker/Dockerfile.*, pyproject.toml, docker/constraints.txt or src/ change.
images: env
	docker/images.sh cpu

images-gpu: env
	docker/images.sh gpu

test: env $(BROWSER_STAMP) $(SLURM_STAMP)
	$(RUN) $(PY) -m pytest

# convlab grade against nbgrader autograde on synthetic classes (about 50 minutes on 2 cores).
benchmark: env
	$(RUN) $(PY) benchmarks/class_throughput.py --growth --cold

clean:
	rm -rf .convlab autograded/*/ feedback submitted gradebook.db grades.csv reports
