#!/bin/sh
# Makes this machine ready for Tugboat: Debian packages, npm dependencies, a build, and a
# running dockerd. Idempotent and quiet when nothing is missing; prints everything it installs.
# Called by `npm run up`, `npm test` and `npm run bench` (and so by .ci/run).
set -eu
cd "$(dirname "$0")/../.."

say() { printf '[setup] %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  say "Tugboat creates network namespaces, iptables rules and containers: run as root"; exit 1
fi

# command → Debian package that provides it
need=""
check() { command -v "$1" >/dev/null 2>&1 || need="$need $2"; }
check etcd etcd-server
check dockerd docker.io
check iptables-restore iptables
check ip iproute2
check conntrack conntrack
check nsenter util-linux
check busybox busybox-static
check dnsperf dnsperf
check dnsmasq dnsmasq-base
check iperf3 iperf3
check nginx nginx-light
check openssl openssl
command -v kubectl >/dev/null 2>&1 || need="$need kubernetes-client"
if [ -n "$need" ]; then
  say "installing Debian packages:$need"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $need >/dev/null
  say "installed:$need"
fi

# npm dependencies: install when missing or when the lock file changed since the last install
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# build (incremental: a no-op build takes a couple of seconds)
say "building (tsc)"
npx tsc -p tsconfig.json --incremental --tsBuildInfoFile dist/.tsbuildinfo
chmod +x dist/control/cli/main.js dist/cni/plugin/main.js 2>/dev/null || true

# dockerd: ours runs without touching iptables or creating docker0 (DESIGN §4)
if ! docker info >/dev/null 2>&1; then
  say "starting dockerd (--iptables=false --bridge=none)"
  mkdir -p /var/log/tugboat
  nohup dockerd --iptables=false --ip-masq=false --bridge=none --ip-forward=false \
    >/var/log/tugboat/dockerd.log 2>&1 &
  i=0
  until docker info >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt 60 ]; then say "dockerd did not start; see /var/log/tugboat/dockerd.log"; exit 1; fi
    sleep 0.5
  done
  say "dockerd is running"
fi
