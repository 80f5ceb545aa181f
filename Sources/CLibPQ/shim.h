#ifndef OPTIMISTIC_LOCK_CLIBPQ_SHIM_H
#define OPTIMISTIC_LOCK_CLIBPQ_SHIM_H

#include <libpq-fe.h>
#include <string.h>

/// A notice receiver that drops notices ("relation already exists, skipping"), which libpq would
/// otherwise print to stderr, but remembers a FATAL or PANIC one: an error the server sends to an
/// idle connection (its goodbye before a restart or `pg_terminate_backend`) reaches libpq's notice
/// receiver, and the connection is then about to close.
static inline void optimistic_lock_receive_notice(void *arg, const PGresult *result) {
    const char *severity = PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (arg != 0 && severity != 0 && (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0)) {
        *(int *)arg = 1;
    }
}

/// Installs the receiver: `fatal` is set to 1 when the server sent a FATAL or PANIC error outside a
/// statement (it must outlive the connection, or the receiver must be replaced first).
static inline void optimistic_lock_watch_notices(PGconn *conn, int *fatal) {
    PQsetNoticeReceiver(conn, optimistic_lock_receive_notice, fatal);
}

/// Drops every notice.
static inline void optimistic_lock_silence_notices(PGconn *conn) {
    PQsetNoticeReceiver(conn, optimistic_lock_receive_notice, 0);
}

#endif
