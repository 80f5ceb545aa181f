import CSQLite

extension SQLiteConnection: PooledConnection {
    /// The connection's interrupt, for pools.
    package var interruption: ConnectionInterruption { state.interruption }

    /// True when no transaction is left open (and the last read turned `query_only` off again).
    package func isUsable() -> Bool {
        sqlite3_get_autocommit(handle) != 0 && !state.isStuckReadOnly
    }

    /// How many times this connection committed: counted by SQLite's commit hook.
    package var commitCount: UInt64 { state.commits }

    /// A write in a transaction (`BEGIN IMMEDIATE`), a read in a read-only read transaction that is
    /// rolled back, never committed. The deadline is not used: SQLite waits only for locks, and
    /// its busy timeout bounds that.
    package func runJob<T>(_ access: PoolAccess, deadline _: ContinuousClock.Instant?, _ body: () throws -> T) throws -> T {
        switch access {
        case .write: try transaction(body)
        case .writeWithoutTransaction: try closingTransaction(body)
        case .read: try readOnly(body)
        }
    }

    /// Runs a body outside a transaction; a transaction it leaves open is rolled back and the job
    /// fails (what it did in there is not kept).
    private func closingTransaction<T>(_ body: () throws -> T) throws -> T {
        let result = Result { try body() }
        guard sqlite3_get_autocommit(handle) == 0 else { return try result.get() }
        try? executeScript("ROLLBACK")
        if case .failure(let error) = result { throw error }
        throw DatabaseError.misuse(
            "the closure left a transaction open (BEGIN without COMMIT): it was rolled back, and nothing of it was kept",
            sql: nil)
    }

    /// A read: `PRAGMA query_only` is on for its length — on a reader and on the writer alike (a pool
    /// without readers reads on the writer), and whatever an earlier read did to the pragma — in a
    /// `BEGIN DEFERRED` transaction that ends with `ROLLBACK`, so that nothing a read does is ever
    /// committed (not even a `DROP TABLE` after turning the pragma off, which changes no rows). A
    /// read that changed rows anyway fails with a `.misuse` error.
    private func readOnly<T>(_ body: () throws -> T) throws -> T {
        try executeScript("PRAGMA query_only = 1")
        defer {
            do {
                try executeScript("PRAGMA query_only = 0")
            } catch {
                state.isStuckReadOnly = true
            }
        }
        let changes = sqlite3_total_changes64(handle)
        return try rolledBackTransaction {
            let result = try body()
            guard sqlite3_total_changes64(handle) == changes else {
                throw DatabaseError.misuse("a read changed the database (it was rolled back): write with `write`", sql: nil)
            }
            return result
        }
    }
}
