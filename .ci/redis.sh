#!/usr/bin/env bash
# Install (if needed) and start Debian's Redis on loopback for the decision-cache tests, wait until
# it answers PING, and print its URL as the LAST line on stdout (progress goes to stderr), so
# callers can do:  DEEPALPHA_TEST_REDIS_URL="$(.ci/redis.sh | tail -n 1)"
#
# Runs as root on a fresh Debian machine. Idempotent: a server already answering on the port is
# reused, not restarted. The server keeps nothing on disk (no RDB snapshots, no AOF).
#
# Environment (optional):
#   DEEPALPHA_REDIS_PORT  port on 127.0.0.1 (default: 6379)
set -euo pipefail

PORT="${DEEPALPHA_REDIS_PORT:-6379}"

log() { echo "redis.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ "$(id -u)" == 0 ]] || die "must run as root (it installs packages)"
[[ "$PORT" =~ ^[0-9]+$ ]] || die "DEEPALPHA_REDIS_PORT must be a port number, got '$PORT'"

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    log "installing Debian's redis-server"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y --no-install-recommends redis-server redis-tools >&2
fi
log "$(redis-server --version)"

ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" == "PONG" ]]; }

if ping; then
    log "already answering on 127.0.0.1:$PORT"
else
    # Loopback only, no persistence: a test server that must never be reachable from the network.
    log "starting on 127.0.0.1:$PORT"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$PORT" --protected-mode yes \
        --save "" --appendonly no --logfile /tmp/deepalpha-redis.log >&2
fi

for _ in $(seq 1 40); do
    if ping; then
        echo "redis://127.0.0.1:$PORT/0"
        exit 0
    fi
    sleep 0.25
done
die "redis-server did not answer PING on 127.0.0.1:$PORT (see /tmp/deepalpha-redis.log)"
