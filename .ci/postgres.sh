#!/usr/bin/env bash
# Install (if needed) and start Debian's PostgreSQL on loopback for the storage tests, create the
# role `deepalpha` and the database `deepalpha_test`, wait until the server accepts password logins
# over TCP, and print the SQLAlchemy URL as the LAST line on stdout (progress goes to stderr), so
# callers can do:  DEEPALPHA_TEST_POSTGRES_URL="$(.ci/postgres.sh | tail -n 1)"
#
# Runs as root on a fresh Debian machine. Idempotent: a second run finds the package installed, the
# cluster online and the role and database present, re-applies the password and prints the URL.
#
# Environment (all optional):
#   DEEPALPHA_PG_PASSWORD  password of the test role (default: deepalpha). Test-only server on
#                          127.0.0.1: the password guards nothing of value, but it is never logged.
#   DEEPALPHA_PG_ROLE      role name     (default: deepalpha)
#   DEEPALPHA_PG_DATABASE  database name (default: deepalpha_test)
set -euo pipefail

ROLE="${DEEPALPHA_PG_ROLE:-deepalpha}"
DATABASE="${DEEPALPHA_PG_DATABASE:-deepalpha_test}"
PASSWORD="${DEEPALPHA_PG_PASSWORD:-deepalpha}"
CLUSTER=main

log() { echo "postgres.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ "$(id -u)" == 0 ]] || die "must run as root (it installs packages and manages the cluster)"
[[ "$ROLE" =~ ^[a-z_][a-z0-9_]*$ ]] || die "DEEPALPHA_PG_ROLE must be a lower-case identifier, got '$ROLE'"
[[ "$DATABASE" =~ ^[a-z_][a-z0-9_]*$ ]] ||
    die "DEEPALPHA_PG_DATABASE must be a lower-case identifier, got '$DATABASE'"

installed_version() {
    # Highest major version that has a server binary; empty when none is installed.
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V -r); do
        basename "$(dirname "$(dirname "$dir")")"
        return
    done
}

VERSION="$(installed_version)"
if [[ -z "$VERSION" ]]; then
    log "installing Debian's postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2
    apt-get install -y --no-install-recommends postgresql >&2
    VERSION="$(installed_version)"
    [[ -n "$VERSION" ]] || die "postgresql installed but no server binary under /usr/lib/postgresql"
fi
log "PostgreSQL $VERSION"

if ! pg_lsclusters --no-header | awk '{print $1, $2}' | grep -qx "$VERSION $CLUSTER"; then
    log "creating cluster $VERSION/$CLUSTER"
    pg_createcluster "$VERSION" "$CLUSTER" >&2
fi

# Loopback only: tests must never expose a server on the network.
# A drop-in in Debian's conf.d (included by postgresql.conf) leaves the packaged file untouched.
CONF_DIR="/etc/postgresql/$VERSION/$CLUSTER"
mkdir -p "$CONF_DIR/conf.d"
printf "# Written by DeepAlpha's .ci/postgres.sh: loopback only.\nlisten_addresses = '127.0.0.1'\n" \
    >"$CONF_DIR/conf.d/deepalpha-loopback.conf"
PORT="$(pg_conftool -s "$VERSION" "$CLUSTER" show port 2>/dev/null || echo 5432)"

if pg_ctlcluster "$VERSION" "$CLUSTER" status >/dev/null 2>&1; then
    # Already running: not restarted, which would cut other users' sessions (a changed
    # listen_addresses takes effect at the next start).
    log "cluster $VERSION/$CLUSTER already online on port $PORT"
else
    log "starting cluster $VERSION/$CLUSTER on 127.0.0.1:$PORT"
    pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi

for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$PORT" && break
    sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$PORT" || die "server did not accept connections on 127.0.0.1:$PORT"

psql_admin() {
    # Superuser over the local socket (peer auth); -v ON_ERROR_STOP makes SQL errors fatal.
    runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" "$@"
}

# The password travels as a psql variable on stdin, never on a command line (visible in ps).
psql_admin -d postgres -v role="$ROLE" -v pw="$PASSWORD" <<'SQL' >&2
SELECT format('CREATE ROLE %I LOGIN', :'role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'role', :'pw') \gexec
SQL

psql_admin -d postgres -v role="$ROLE" -v db="$DATABASE" <<'SQL' >&2
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
# Tests create one schema per test inside the database; the owner may do that already, this keeps
# it true for a database created earlier by someone else.
psql_admin -d "$DATABASE" -v role="$ROLE" -v db="$DATABASE" <<'SQL' >&2
SELECT format('GRANT CREATE ON DATABASE %I TO %I', :'db', :'role') \gexec
SQL

# Prove a password login over TCP works, exactly as the tests will connect.
for _ in $(seq 1 20); do
    if PGPASSWORD="$PASSWORD" psql -X -q -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d "$DATABASE" \
        -c 'SELECT 1' >/dev/null 2>&1; then
        # Percent-encode the password for the URL; perl ships with postgresql-common.
        ENCODED_PW="$(perl -e 'print join "", map { /[A-Za-z0-9._~-]/ ? $_ : sprintf("%%%02X", ord) } split //, $ARGV[0]' "$PASSWORD")"
        echo "postgresql+psycopg://$ROLE:$ENCODED_PW@127.0.0.1:$PORT/$DATABASE"
        exit 0
    fi
    sleep 0.5
done
die "role $ROLE cannot log in to $DATABASE on 127.0.0.1:$PORT with its password"
