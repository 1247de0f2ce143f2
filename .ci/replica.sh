#!/usr/bin/env bash
# A PostgreSQL streaming replica of the local cluster (127.0.0.1:5432) on 127.0.0.1:5433, for the
# replica tests (core/tests/test_replica.py; docs/deploy.md "growing past one server").
#
# Made the way a production replica is made: pg_basebackup -R copies the primary's data directory
# and writes standby.signal with primary_conninfo; the copy then starts as a hot standby and
# replays the primary's WAL as it streams in. Every database of the cluster appears on it,
# including the test databases pytest creates on the primary.
#
# Idempotent, as root, no stdin: a replica already streaming from this primary is left alone; a
# stopped one is started; one that cannot catch up (or belongs to another cluster) is made again.
# Never restarts the primary: when the primary's wal_level or max_wal_senders forbid streaming it
# says so and exits non-zero. Adds (once) the pg_hba.conf line for replication from 127.0.0.1 and
# reloads the primary's configuration, which open sessions do not notice.
set -euo pipefail

PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
VERSION=${PG_VERSION:-$(ls /etc/postgresql | sort -n | tail -n 1)}
BIN=/usr/lib/postgresql/$VERSION/bin
DATA=${REPLICA_DATA:-/var/lib/postgresql/$VERSION/ci-replica}
LOG=/var/log/postgresql/postgresql-$VERSION-ci-replica.log

say() { printf 'replica: %s\n' "$*"; }
as_postgres() { runuser -u postgres -- "$@"; }
primary() { psql -X -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -Atc "$1"; }
replica() { psql -X -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -Atc "$1"; }

# 1. The primary must stream WAL: wal_level replica (PostgreSQL's default) or logical, senders > 0.
wal_level=$(primary "SHOW wal_level")
senders=$(primary "SHOW max_wal_senders")
if [ "$wal_level" = minimal ] || [ "$senders" -eq 0 ]; then
  say "the primary has wal_level=$wal_level, max_wal_senders=$senders: set wal_level = replica and"
  say "max_wal_senders = 10 in its postgresql.conf and restart it (this script never restarts it)."
  exit 1
fi

# 2. Replication connections from 127.0.0.1 ("all" in pg_hba.conf does not cover them).
hba=$(primary "SHOW hba_file")
if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
  say "allowing replication connections from 127.0.0.1 in $hba"
  printf '\n# Streaming replica for the CI replica tests (.ci/replica.sh)\nhost replication all 127.0.0.1/32 trust\n' >>"$hba"
  primary "SELECT pg_reload_conf()" >/dev/null
fi
for _ in $(seq 1 20); do
  psql -X "host=127.0.0.1 port=$PRIMARY_PORT user=postgres replication=true" -Atc IDENTIFY_SYSTEM >/dev/null 2>&1 && break
  sleep 0.5
done
primary_id=$(psql -X "host=127.0.0.1 port=$PRIMARY_PORT user=postgres replication=true" -AtF' ' -c IDENTIFY_SYSTEM | cut -d' ' -f1)

# The standby's own postgresql.conf (Debian keeps the primary's in /etc/postgresql, outside the
# data directory, so the copy has none). Settings marked * must be at least the primary's.
standby_conf() {
  echo "# Written by .ci/replica.sh: a hot standby of 127.0.0.1:$PRIMARY_PORT"
  echo "port = $REPLICA_PORT"
  echo "listen_addresses = '127.0.0.1'"
  echo "unix_socket_directories = '/var/run/postgresql'"
  echo "hot_standby = on"
  # Long report queries are not cancelled by the replay of the primary's vacuum (docs/deploy.md 14b).
  echo "hot_standby_feedback = on"
  for name in max_connections max_worker_processes max_wal_senders max_prepared_transactions max_locks_per_transaction; do
    echo "$name = $(primary "SHOW $name")  # *"
  done
  echo "shared_buffers = 128MB"
}

streaming() {
  [ "$(replica "SELECT pg_is_in_recovery()" 2>/dev/null)" = t ] \
    && [ "$(replica "SELECT system_identifier FROM pg_control_system()")" = "$primary_id" ] \
    && [ "$(replica "SELECT status FROM pg_stat_wal_receiver")" = streaming ]
}
wait_streaming() {
  for _ in $(seq 1 "${1:-30}"); do streaming && return 0; sleep 1; done
  return 1
}

# 3. Already there?
if pg_isready -q -h 127.0.0.1 -p "$REPLICA_PORT"; then
  if wait_streaming 10; then
    if [ -f "$DATA/postgresql.conf" ] && ! standby_conf | cmp -s - "$DATA/postgresql.conf"; then
      standby_conf >"$DATA/postgresql.conf"
      as_postgres "$BIN/pg_ctl" -D "$DATA" reload >/dev/null
      say "configuration updated and reloaded"
    fi
    say "already streaming from 127.0.0.1:$PRIMARY_PORT on port $REPLICA_PORT"
    exit 0
  fi
  if [ ! -f "$DATA/standby.signal" ]; then
    say "port $REPLICA_PORT is taken by a server that is not this script's replica ($DATA); stop it first"
    exit 1
  fi
  say "the replica on port $REPLICA_PORT is not streaming from this primary: making it again"
  as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast -w stop || true
elif [ -f "$DATA/standby.signal" ]; then
  say "starting the existing replica in $DATA"
  if as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start && wait_streaming 30; then
    say "streaming on port $REPLICA_PORT"
    exit 0
  fi
  # WAL it needs may be gone from the primary (no replication slot holds it): copy afresh.
  say "it did not catch up (see $LOG): making it again"
  as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast -w stop || true
fi

# 4. A fresh copy: pg_basebackup -R, then the standby's own configuration files.
rm -rf "$DATA"
install -d -o postgres -g postgres -m 0700 "$DATA"
say "pg_basebackup from 127.0.0.1:$PRIMARY_PORT into $DATA"
as_postgres pg_basebackup -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DATA" -R -X stream -c fast
standby_conf >"$DATA/postgresql.conf"
printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$DATA/pg_hba.conf"
: >"$DATA/pg_ident.conf"
chown postgres:postgres "$DATA/postgresql.conf" "$DATA/pg_hba.conf" "$DATA/pg_ident.conf"
chmod 0600 "$DATA/postgresql.conf" "$DATA/pg_hba.conf" "$DATA/pg_ident.conf"
install -o postgres -g adm -m 0640 /dev/null "$LOG" 2>/dev/null || touch "$LOG"
chown postgres "$LOG"
as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start
if ! wait_streaming 60; then
  say "the new replica does not stream; its log:"
  tail -n 30 "$LOG" >&2
  exit 1
fi
say "streaming on port $REPLICA_PORT"
