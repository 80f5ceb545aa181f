# Starts a throwaway PostgreSQL cluster for the tests; source it, then call start_postgres.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
# Exports OPTIMISTIC_LOCK_POSTGRES_URL (unix socket, trust) and OPTIMISTIC_LOCK_POSTGRES_AUTH_FAIL_URL
# (TCP with a wrong password, for the authentication-failure test). stop_postgres stops it and
# deletes its data.

start_postgres() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$bin" ]; then
        echo "postgres: no PostgreSQL server installed" >&2
        return 1
    fi
    local as_postgres=()
    if [ "$(id -u)" = 0 ]; then as_postgres=(runuser -u postgres --); fi

    OPTIMISTIC_LOCK_PG_DIR=$(mktemp -d /tmp/optimistic-lock-pg.XXXXXX)
    chmod 755 "$OPTIMISTIC_LOCK_PG_DIR"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$OPTIMISTIC_LOCK_PG_DIR"; fi
    OPTIMISTIC_LOCK_PG_BIN=$bin
    OPTIMISTIC_LOCK_PG_AS=("${as_postgres[@]}")

    "${as_postgres[@]}" "$bin/initdb" -D "$OPTIMISTIC_LOCK_PG_DIR/data" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 --no-sync >/dev/null

    local port=54329
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$OPTIMISTIC_LOCK_PG_DIR/data" -l "$OPTIMISTIC_LOCK_PG_DIR/server.log" -w \
        -o "-k $OPTIMISTIC_LOCK_PG_DIR -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
        start >/dev/null
    "${as_postgres[@]}" "$bin/createdb" -h "$OPTIMISTIC_LOCK_PG_DIR" -p "$port" -U postgres optimistic_lock

    export OPTIMISTIC_LOCK_POSTGRES_URL="postgresql://postgres@/optimistic_lock?host=$OPTIMISTIC_LOCK_PG_DIR&port=$port"
    export OPTIMISTIC_LOCK_POSTGRES_AUTH_FAIL_URL="postgresql://postgres:wrong-password@127.0.0.1:$port/optimistic_lock"
    echo "postgres: $("$bin/postgres" --version) running at $OPTIMISTIC_LOCK_POSTGRES_URL"
}

stop_postgres() {
    if [ -n "${OPTIMISTIC_LOCK_PG_DIR:-}" ] && [ -d "$OPTIMISTIC_LOCK_PG_DIR/data" ]; then
        "${OPTIMISTIC_LOCK_PG_AS[@]}" "$OPTIMISTIC_LOCK_PG_BIN/pg_ctl" -D "$OPTIMISTIC_LOCK_PG_DIR/data" -m immediate \
            -w stop >/dev/null 2>&1 || true
        rm -rf "$OPTIMISTIC_LOCK_PG_DIR"
    fi
}
