/// Transaction bookkeeping shared by the backends: the outermost `transaction { }` is a transaction,
/// nested ones are savepoints; each commits when its closure returns and rolls back when it throws.
package final class TransactionNesting {
    /// How many `transaction { }` calls are open.
    package private(set) var depth = 0

    /// Creates the bookkeeping of one connection.
    package init() {}

    /// Runs `body` inside a transaction or savepoint.
    ///
    /// - Parameters:
    ///   - begin: the statement that opens the outermost transaction (`BEGIN IMMEDIATE`, `BEGIN`).
    ///   - execute: runs one statement on the connection.
    ///   - commit: commits the outermost transaction, throwing when the database did not commit.
    ///   - isOpen: whether the backend still has a transaction open (a failed one may already be gone).
    package func run<T>(
        begin: String, execute: (String) throws -> Void, commit: () throws -> Void,
        isOpen: () -> Bool, _ body: () throws -> T
    ) throws -> T {
        let level = depth
        let savepoint = "optimistic_lock_\(level)"
        try execute(level == 0 ? begin : "SAVEPOINT \(savepoint)")
        depth += 1
        defer { depth = level }
        let result: T
        do {
            result = try body()
            if level == 0 { try commit() } else { try execute("RELEASE SAVEPOINT \(savepoint)") }
        } catch {
            if isOpen() {
                if level == 0 {
                    try? execute("ROLLBACK")
                } else {
                    try? execute("ROLLBACK TO SAVEPOINT \(savepoint)")
                    try? execute("RELEASE SAVEPOINT \(savepoint)")
                }
            }
            throw error
        }
        return result
    }
}

/// The refusal of SQL that would end a `transaction { }`'s transaction from inside its closure.
package enum TransactionControl {
    /// A `.misuse` error for `sql`, which was not run.
    package static func refusal(sql: String) -> DatabaseError {
        DatabaseError.misuse(
            "a transaction { } (or a pool's write) is committed when its closure returns and rolled back when it throws; SQL that ends it from inside (COMMIT, END, ROLLBACK) was refused and did not run",
            sql: sql)
    }
}
