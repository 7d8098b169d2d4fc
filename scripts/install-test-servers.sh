#!/usr/bin/env bash
# Install, from Debian's packages, the real servers the test suite starts on its own ports,
# promtool (it checks the alerting rules), chromium (the graph page's browser tests, which
# Playwright drives without downloading a browser), and any other package named as an argument
# whose command is missing (`make bench-http`: wrk). Only what is missing is installed
# (never upgrade Erlang under a running broker). `--servers` installs the servers alone
# (`make stack`: no promtool).
set -euo pipefail
missing=()
servers_only=false
for package in "$@"; do
  if [[ "$package" == --servers ]]; then
    servers_only=true
    continue
  fi
  command -v "$package" >/dev/null || missing+=("$package")
done
[[ -x /usr/sbin/rabbitmq-server ]] || missing+=(rabbitmq-server)
command -v memcached >/dev/null || missing+=(memcached)
[[ -x /usr/sbin/nginx ]] || missing+=(nginx)
# promtool checks and unit-tests the alerting rules (ops/prometheus/)
$servers_only || command -v promtool >/dev/null || missing+=(prometheus)
$servers_only || command -v chromium >/dev/null || missing+=(chromium fonts-liberation)
if ((${#missing[@]})); then
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "the tests need these Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "installing ${missing[*]} ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
