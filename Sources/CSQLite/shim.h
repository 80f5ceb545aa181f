#ifndef OPTIMISTIC_LOCK_CSQLITE_SHIM_H
#define OPTIMISTIC_LOCK_CSQLITE_SHIM_H

#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot import.
/// It tells sqlite3_bind_text/blob to copy the bytes before the call returns.
static inline sqlite3_destructor_type optimistic_lock_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

/// Turns off SQLite's double-quoted string literals in DML and DDL: "name" is then always an
/// identifier, and a column that does not exist is an error instead of the text 'name'.
/// (sqlite3_db_config is variadic, which Swift cannot call.)
static inline int optimistic_lock_sqlite_disable_dqs(sqlite3 *db) {
    int rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)0);
    if (rc != SQLITE_OK) return rc;
    return sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)0);
}

#endif
