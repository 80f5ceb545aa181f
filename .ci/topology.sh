#!/usr/bin/env bash
# The production PostgreSQL topology the tests and benchmarks use, beside the primary that
# postgres.sh starts: two streaming standbys (one replaying at once, one 1.5 s behind) and PgBouncer
# in transaction mode. Source it after postgres.sh and call start_topology (stop_topology stops it).
#
# Exports:
#   OPTIMISTIC_LOCK_POSTGRES_REPLICA_URL          a standby that replays at once
#   OPTIMISTIC_LOCK_POSTGRES_LAGGING_REPLICA_URL  a standby with recovery_min_apply_delay = 1500ms
#   OPTIMISTIC_LOCK_PGBOUNCER_URL                 PgBouncer (pool_mode = transaction, 3 server
#                                                 connections per database) in front of the primary;
#                                                 any database name is served (a pool each)
#
# Run as a command, it also makes a private primary and synchronous standby for a failover test
# (the tests call it; nothing else uses that pair):
#   .ci/topology.sh failover-pair DIR     prints URL lines: PRIMARY_URL=... STANDBY_URL=... MULTI_HOST_URL=...
#   .ci/topology.sh stop-primary DIR      stops the pair's primary at once (immediate mode)
#   .ci/topology.sh promote DIR           promotes the pair's standby and waits until it writes
#   .ci/topology.sh destroy DIR           stops both and deletes DIR

topology_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

topology_as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

topology_free_port() {
    local port=$1
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || [ -e "/tmp/.s.PGSQL.$port" ]; do port=$((port + 1)); done
    echo "$port"
}

# A standby of the server at socket folder $1, port $2, in folder $3 (its socket folder too), on
# port $4, listening on TCP at $5 (empty: Unix socket only); extra postgresql.auto.conf lines in $6.
topology_start_standby() {
    local source_host=$1 source_port=$2 dir=$3 port=$4 listen=${5:-} extra=${6:-}
    local bin
    bin=$(topology_bin)
    mkdir -p "$dir"
    chmod 755 "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    topology_as_postgres "$bin/pg_basebackup" -D "$dir/data" -R -X stream -h "$source_host" -p "$source_port" \
        -U postgres --no-sync --checkpoint=fast
    if [ -n "$extra" ]; then
        echo "$extra" | topology_as_postgres tee -a "$dir/data/postgresql.auto.conf" >/dev/null
    fi
    topology_as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-k $dir -p $port -c listen_addresses='$listen' -c fsync=off -c max_connections=200" start >/dev/null
}

start_topology() {
    local base=$OPTIMISTIC_LOCK_PG_DIR
    local port
    port=$(echo "$OPTIMISTIC_LOCK_POSTGRES_URL" | sed -n 's/.*port=\([0-9]*\).*/\1/p')
    local replica_port lagging_port bouncer_port
    replica_port=$(topology_free_port $((port + 1)))
    topology_start_standby "$base" "$port" "$base/replica" "$replica_port" ""
    lagging_port=$(topology_free_port $((replica_port + 1)))
    topology_start_standby "$base" "$port" "$base/lagging" "$lagging_port" "" "recovery_min_apply_delay = '1500ms'"

    export OPTIMISTIC_LOCK_POSTGRES_REPLICA_URL="postgresql://postgres@/optimistic_lock?host=$base/replica&port=$replica_port"
    export OPTIMISTIC_LOCK_POSTGRES_LAGGING_REPLICA_URL="postgresql://postgres@/optimistic_lock?host=$base/lagging&port=$lagging_port"
    echo "postgres: standbys at ports $replica_port (replays at once) and $lagging_port (1.5 s behind)"

    if command -v pgbouncer >/dev/null; then
        bouncer_port=$(topology_free_port $((lagging_port + 1)))
        local bouncer=$base/pgbouncer
        mkdir -p "$bouncer"
        echo '"postgres" ""' >"$bouncer/users.txt"
        cat >"$bouncer/pgbouncer.ini" <<EOF
[databases]
* = host=$base port=$port user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $bouncer/users.txt
pool_mode = transaction
default_pool_size = 3
max_client_conn = 1000
max_db_connections = 0
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = $bouncer/pgbouncer.log
pidfile = $bouncer/pgbouncer.pid
EOF
        if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$bouncer"; fi
        topology_as_postgres pgbouncer -d "$bouncer/pgbouncer.ini"
        for _ in $(seq 1 50); do
            (exec 3<>"/dev/tcp/127.0.0.1/$bouncer_port") 2>/dev/null && break
            sleep 0.1
        done
        export OPTIMISTIC_LOCK_PGBOUNCER_URL="postgresql://postgres@127.0.0.1:$bouncer_port/optimistic_lock"
        echo "pgbouncer: $(pgbouncer --version | head -n 1), transaction mode, at port $bouncer_port"
    else
        echo "pgbouncer: not installed; its tests will say they are skipped"
    fi
}

stop_topology() {
    local base=${OPTIMISTIC_LOCK_PG_DIR:-}
    [ -n "$base" ] || return 0
    local bin
    bin=$(topology_bin)
    if [ -f "$base/pgbouncer/pgbouncer.pid" ]; then kill "$(cat "$base/pgbouncer/pgbouncer.pid")" 2>/dev/null || true; fi
    for standby in replica lagging; do
        if [ -d "$base/$standby/data" ]; then
            topology_as_postgres "$bin/pg_ctl" -D "$base/$standby/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
    done
}

# The failover pair (a command, for the tests).
failover_pair() {
    local dir=$1
    local bin
    bin=$(topology_bin)
    mkdir -p "$dir/primary"
    chmod 755 "$dir" "$dir/primary"
    if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$dir"; fi
    topology_as_postgres "$bin/initdb" -D "$dir/primary/data" -U postgres --auth-local=trust --auth-host=trust \
        --no-sync >/dev/null
    local primary_port standby_port
    primary_port=$(topology_free_port 56100)
    topology_as_postgres "$bin/pg_ctl" -D "$dir/primary/data" -l "$dir/primary/server.log" -w \
        -o "-k $dir/primary -p $primary_port -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    topology_as_postgres "$bin/createdb" -h "$dir/primary" -p "$primary_port" -U postgres optimistic_lock
    standby_port=$(topology_free_port $((primary_port + 1)))
    # The standby listens on TCP too: a multi-host URL names both servers by address.
    topology_start_standby "$dir/primary" "$primary_port" "$dir/standby" "$standby_port" 127.0.0.1
    # Synchronous from now on (set before the standby ran, the database's creation would wait for it).
    topology_as_postgres "$bin/psql" -h "$dir/primary" -p "$primary_port" -U postgres -q -d postgres \
        -c "ALTER SYSTEM SET synchronous_standby_names = '*'" -c "SELECT pg_reload_conf()" >/dev/null
    echo "PRIMARY_URL=postgresql://postgres@127.0.0.1:$primary_port/optimistic_lock"
    echo "STANDBY_URL=postgresql://postgres@127.0.0.1:$standby_port/optimistic_lock"
    echo "MULTI_HOST_URL=postgresql://postgres@127.0.0.1:$primary_port,127.0.0.1:$standby_port/optimistic_lock?target_session_attrs=read-write&connect_timeout=2"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    command=${1:-}
    dir=${2:-}
    bin=$(topology_bin)
    case "$command" in
    failover-pair) failover_pair "$dir" ;;
    stop-primary) topology_as_postgres "$bin/pg_ctl" -D "$dir/primary/data" -m immediate -w stop >/dev/null ;;
    promote)
        topology_as_postgres "$bin/pg_ctl" -D "$dir/standby/data" -w promote >/dev/null
        ;;
    destroy)
        for server in primary standby; do
            if [ -d "$dir/$server/data" ]; then
                topology_as_postgres "$bin/pg_ctl" -D "$dir/$server/data" -m immediate -w stop >/dev/null 2>&1 || true
            fi
        done
        rm -rf "$dir"
        ;;
    *)
        echo "usage: $0 failover-pair|stop-primary|promote|destroy DIR" >&2
        exit 2
        ;;
    esac
fi
