import CSQLite

extension SQLiteConnection: PooledConnection {
    /// The connection's interrupt, for pools.
    package var interruption: ConnectionInterruption { state.interruption }

    /// True when no transaction is left open.
    package func isUsable() -> Bool {
        sqlite3_get_autocommit(handle) != 0
    }

    /// A write in a transaction (`BEGIN IMMEDIATE`), a read in a read transaction (`BEGIN DEFERRED`).
    package func runJob<T>(_ access: PoolAccess, _ body: () throws -> T) throws -> T {
        switch access {
        case .write: try transaction(body)
        case .writeWithoutTransaction: try body()
        case .read: try readTransaction(body)
        }
    }
}
