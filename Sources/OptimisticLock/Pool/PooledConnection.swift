/// What a pool asks of a connection beyond `DatabaseConnection`.
package protocol PooledConnection: DatabaseConnection, SendableMetatype {
    /// The connection's interrupt (`Sendable`: the pool calls it from the cancelled task).
    var interruption: ConnectionInterruption { get }

    /// Whether the connection can take the next job; false for one that broke or is left inside a
    /// transaction. It may look at the connection's socket (PostgreSQL: a server that went away).
    func isUsable() -> Bool

    /// What the connection's work belongs to now, for its observer: a pool sets the context of
    /// the request it serves (see `DatabaseObserver.currentContext()`).
    var observerContext: (any Sendable)? { get set }

    /// How many times this connection committed so far (a `COMMIT`, or a statement that wrote
    /// outside a transaction): a pool compares it before and after a `writeWithoutTransaction`
    /// job, so that a job stopped halfway never reports that nothing was kept.
    var commitCount: UInt64 { get }

    /// Runs a job's closure: a write in a transaction (committed when it returns, rolled back when it
    /// throws), a read in whatever gives it a consistent view on this backend (and never commits),
    /// a write without a transaction as it comes. `deadline`: when the request's time is up; a
    /// backend that talks to a server gives up on an answer then (SQLite, which waits only for
    /// locks, bounds that with its busy timeout instead).
    func runJob<T>(_ access: PoolAccess, deadline: ContinuousClock.Instant?, _ body: () throws -> T) throws -> T
}

/// What a job does: writes go to the writer (SQLite) or count against the pool's write limit.
package enum PoolAccess: Sendable {
    /// Reads.
    case read
    /// Writes in one transaction.
    case write
    /// Writes, each statement committed on its own (no transaction around the closure).
    case writeWithoutTransaction

    /// True for the writes.
    var writes: Bool { self != .read }
}
