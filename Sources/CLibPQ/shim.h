#ifndef OPTIMISTIC_LOCK_CLIBPQ_SHIM_H
#define OPTIMISTIC_LOCK_CLIBPQ_SHIM_H

#include <libpq-fe.h>

/// A notice processor that drops notices ("relation already exists, skipping"), which libpq would
/// otherwise print to stderr.
static inline void optimistic_lock_ignore_notice(void *arg, const char *message) {
    (void)arg;
    (void)message;
}

static inline void optimistic_lock_silence_notices(PGconn *conn) {
    PQsetNoticeProcessor(conn, optimistic_lock_ignore_notice, 0);
}

#endif
