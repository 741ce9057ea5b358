#!/usr/bin/env bash
# Make sure a Docker engine answers: install Debian's docker.io when the daemon is missing (root, apt),
# start dockerd when it is not running, and wait for it. Exits 0 once `docker info` answers; else says
# loudly why not and exits 1. Shared by `make images`, .ci/run and tests/test_docker.py.
set -uo pipefail

LOG=${CONVLAB_DOCKERD_LOG:-/var/log/convlab-dockerd.log}

loud() { printf '\n*** DOCKER ENGINE: %s ***\n\n' "$*" >&2; }

if docker info >/dev/null 2>&1; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing docker.io (Debian's Docker engine) with apt-get" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null) \
      || { loud "apt-get install docker.io failed"; exit 1; }
  else
    loud "no dockerd here, and only root with apt-get can install it: the docker tests cannot run"
    exit 1
  fi
fi

if [ "$(id -u)" != 0 ]; then
  loud "the Docker daemon does not answer, and only root can start it (docker info: $(docker info 2>&1 | tail -1))"
  exit 1
fi

# A daemon that died may leave its pid file; dockerd refuses to start beside it.
if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
  rm -f /var/run/docker.pid
fi
if ! pgrep -x dockerd >/dev/null 2>&1; then
  echo "starting dockerd (log: $LOG)" >&2
  nohup dockerd >"$LOG" 2>&1 &
fi

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    exit 0
  fi
  sleep 1
done
loud "dockerd did not answer within 60 s; the last lines of $LOG:"
tail -20 "$LOG" >&2
exit 1
