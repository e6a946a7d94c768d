#!/usr/bin/env bash
# Debian's nginx for the suite that runs the stack behind a TLS proxy as the ALB does
# (tests/integration/behind-tls-proxy.test.ts). Only installs: the test writes its own
# configuration from docker/nginx/chat.conf.template and runs nginx in the foreground itself.
#
#   scripts/infra/nginx.sh install      prints the nginx binary's path
set -euo pipefail

log() { echo "[nginx] $*" >&2; }

find_nginx() { command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true; }

install_nginx() {
  if [ -n "$(find_nginx)" ]; then find_nginx; return 0; fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo -n"; fi
  # nginx-light would do, but "nginx" is the package every Debian release has.
  local apt=($sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx)
  log "installing nginx with apt-get"
  if ! "${apt[@]}" >&2; then
    $sudo apt-get update -q >&2
    "${apt[@]}" >&2
  fi
  # The package starts a system nginx on port 80 where an init system runs; this suite does not
  # use it, so leave the machine as it was.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then $sudo systemctl stop nginx || true; fi
  find_nginx
}

case "${1:-}" in
  install) install_nginx ;;
  *) echo "usage: $0 install" >&2; exit 2 ;;
esac
