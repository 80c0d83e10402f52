#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real (Nginx, Chromium, Redis, PostgreSQL)
# when they are missing, and npm (axe-core for the accessibility tests comes from the npm registry).
set -euo pipefail
missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v envsubst >/dev/null 2>&1 || missing+=(gettext-base)
# Throwaway servers when none answers on 127.0.0.1, and always for the Redis Cluster and Sentinel
# topologies the tests start (redis-cli --cluster create).
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "system-deps: missing ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "system-deps: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
