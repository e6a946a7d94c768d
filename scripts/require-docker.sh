#!/usr/bin/env bash
# scripts/require-docker.sh TARGET: fails with one clear line when no Docker engine is usable, so
# `make up` / `make down` / `make docker` never die halfway through with a cryptic error.
set -euo pipefail
target="${1:-this target}"
if ! command -v docker >/dev/null 2>&1; then
  echo "make $target needs Docker (with the compose plugin): no 'docker' command on PATH. Without Docker use 'make dev' (all-in-one) or 'bash scripts/with-infra.sh' (real servers, no containers)." >&2
  exit 1
fi
if ! docker info >/dev/null 2>&1; then
  echo "make $target needs a running Docker engine: 'docker info' cannot reach one (is the daemon running, is DOCKER_HOST right?). Without Docker use 'make dev' or 'bash scripts/with-infra.sh'." >&2
  exit 1
fi
if [ "$target" != docker ] && ! docker compose version >/dev/null 2>&1; then
  echo "make $target needs the Docker compose plugin (docker compose version failed)." >&2
  exit 1
fi
