#!/usr/bin/env bash
# Build the grading images with no image registry: `make images` (CPU), `make images-gpu` (GPU).
#
#   docker/images.sh [cpu|gpu]...
#
# 1. The base, convlab-base:bookworm: a Debian bookworm made by debootstrap from the apt mirror this
#    machine is configured with, imported with `docker import`. Built once; kept while the image exists.
# 2. The wheels the image installs, downloaded on this machine by pip (its own index and certificates)
#    into $CONVLAB_WHEELS, so `docker build` needs no network.
# 3. The image, from docker/Dockerfile.cpu (or .gpu) on that base, in a build context holding only
#    pyproject.toml, README.md, src/, docker/constraints.txt and the wheels. It is labelled with a hash
#    of what went into it, and rebuilt only when that hash changes (the Dockerfile, pyproject.toml,
#    docker/constraints.txt, src/).
#
# With Docker Hub at hand, a stock base does as well: BASE=python:3.11-slim-bookworm docker/images.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BASE=${BASE:-convlab-base:bookworm}
WHEELS=${CONVLAB_WHEELS:-/var/cache/convlab/wheels}
PY=${PYTHON:-$ROOT/.venv/bin/python}
export DOCKER_BUILDKIT=0  # the classic builder: Debian's docker.io comes without buildx

docker/engine.sh

mirror() {  # the first Debian mirror apt uses here
  local uri
  uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
        | grep -v security | grep -oE 'https?://[^ ]+/debian/?' | head -1)
  echo "${uri:-http://deb.debian.org/debian}"
}

build_base() {
  if docker image inspect "$BASE" >/dev/null 2>&1; then
    return
  fi
  if [ "$BASE" != convlab-base:bookworm ]; then
    echo "the base $BASE is not here: docker pull $BASE first" >&2
    exit 1
  fi
  command -v debootstrap >/dev/null 2>&1 || { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
    && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } \
    || { echo "debootstrap is missing (apt-get install debootstrap, as root)" >&2; exit 1; }
  local dir
  dir=$(mktemp -d /var/tmp/convlab-base.XXXXXX)
  echo "building $BASE with debootstrap from $(mirror) (about half a minute)" >&2
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$dir/root" "$(mirror)" \
    >"$dir/debootstrap.log" 2>&1 || { tail -20 "$dir/debootstrap.log" >&2; exit 1; }
  rm -rf "$dir/root/var/cache/apt/archives/"*.deb "$dir/root/var/lib/apt/lists/"*
  tar -C "$dir/root" -c . | docker import --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' - "$BASE" >/dev/null
  rm -rf "$dir"
}

key_of() {  # what the image is made of; the image is rebuilt only when this changes
  local dockerfile=$1
  {
    echo "$BASE"
    sha256sum "$dockerfile" pyproject.toml docker/constraints.txt
    find src -type f ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-16
}

build_image() {
  local flavour=$1 dockerfile=docker/Dockerfile.$1 tag=convlab-grader:$1 key have context
  key=$(key_of "$dockerfile")
  have=$(docker image inspect --format '{{ index .Config.Labels "convlab.key" }}' "$tag" 2>/dev/null || true)
  if [ "$have" = "$key" ]; then
    echo "$tag is up to date ($key)" >&2
    return
  fi
  local old
  old=$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
  mkdir -p "$WHEELS"
  local extra=()
  [ "$flavour" = gpu ] && extra=("tensorflow[and-cuda]==$(grep -E '^tensorflow==' docker/constraints.txt | cut -d= -f3)")
  echo "downloading the wheels for $tag into $WHEELS" >&2
  "$PY" -m pip download --quiet --disable-pip-version-check --dest "$WHEELS" --only-binary :all: \
    -r docker/constraints.txt 'setuptools>=69' wheel "${extra[@]}" 2>&1 | { grep -v 'is ignored: it is neither' || true; }
  context=$(mktemp -d /var/tmp/convlab-context.XXXXXX)
  trap 'rm -rf "$context"' RETURN
  mkdir -p "$context/docker"
  cp pyproject.toml README.md "$context/"
  cp docker/constraints.txt "$context/docker/"
  cp -r src "$context/src"
  find "$context/src" -name __pycache__ -prune -exec rm -rf {} +
  if [ "$flavour" = gpu ]; then  # MNIST for students who run the notebooks in the GPU image
    mkdir -p "$context/keras/datasets"
    KERAS_HOME="$(dirname "$WHEELS")/keras" "$PY" -c "import keras; keras.datasets.mnist.load_data()" >/dev/null
    cp "$(dirname "$WHEELS")/keras/datasets/mnist.npz" "$context/keras/datasets/"
  fi
  # Hard links, not copies, where the context shares the wheels' filesystem.
  cp -rl "$WHEELS" "$context/wheels" 2>/dev/null || cp -r "$WHEELS" "$context/wheels"
  echo "building $tag on $BASE ($key)" >&2
  docker build --quiet --network none --build-arg "BASE=$BASE" --label "convlab.key=$key" \
    -f "$ROOT/$dockerfile" -t "$tag" "$context" >/dev/null
  # The install stage, with the wheels in it, is left untagged: drop it (and older builds' images).
  docker image prune --force --filter label=convlab.stage=install >/dev/null
  if [ -n "$old" ] && [ "$old" != "$(docker image inspect --format '{{.Id}}' "$tag")" ]; then
    docker image rm "$old" >/dev/null 2>&1 || true  # the build it replaces (kept if a container uses it)
  fi
  echo "$tag built ($key)" >&2
}

build_base
for flavour in "${@:-cpu}"; do
  build_image "$flavour"
done
