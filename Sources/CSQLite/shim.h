#ifndef OPTIMISTIC_LOCK_CSQLITE_SHIM_H
#define OPTIMISTIC_LOCK_CSQLITE_SHIM_H

#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot import.
/// It tells sqlite3_bind_text/blob to copy the bytes before the call returns.
static inline sqlite3_destructor_type optimistic_lock_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

#endif
