import CLibPQ
import OptimisticLock

/// A connection to a PostgreSQL server through libpq, for apps whose several servers share one
/// database. It speaks the same `DatabaseConnection` protocol as `SQLiteConnection`, so generated
/// code runs unchanged.
///
/// Statements are prepared on the server once per connection and run with binary parameters and
/// results. Transactions run at the server's default isolation, READ COMMITTED: a conditional
/// `UPDATE ... WHERE id = $1 AND version = $2` that meets a row locked by a concurrent writer waits
/// for it, then re-checks its WHERE clause against the committed row, so a stale version matches
/// nothing and the writer that came second gets `ConcurrentUpdate` — no lost update, no
/// SERIALIZABLE needed. A connection is used by one thread at a time (it is not `Sendable`).
public final class PostgresConnection: DatabaseConnection {
    /// `PostgresStatement`.
    public typealias Statement = PostgresStatement

    /// Always `.postgres`.
    public var dialect: SQLDialect { .postgres }

    let handle: PostgresHandle
    /// This connection's source of version tokens.
    public let versionGenerator = VersionGenerator()
    private let statements = StatementCache<PostgresStatement>()
    private let nesting = TransactionNesting()

    /// Connects, e.g. `postgresql://user:password@host:5432/database` or a `key=value` string. A
    /// connect gives up after the URL's `connect_timeout` (seconds; 0 for none), else
    /// `PGCONNECT_TIMEOUT`, else 10 seconds.
    ///
    /// - Throws: `DatabaseError` of kind `.connection` for a bad URL, a refused connection, failed
    ///   authentication or the timeout, with libpq's message.
    public convenience init(url: String) throws {
        try self.init(url: url, isCancelled: { false })
    }

    /// Connects, giving up (a `.interrupted` `DatabaseError`) once `isCancelled` returns true, or
    /// (`.timeout`) once `deadline` passes.
    package init(url: String, isCancelled: () -> Bool, deadline: ContinuousClock.Instant? = nil) throws {
        self.handle = PostgresHandle(try PostgresConnect.open(url: url, isCancelled: isCancelled, requestDeadline: deadline))
    }

    /// True while a `transaction { }` is open.
    public var isInTransaction: Bool { nesting.depth > 0 }

    /// The server's process id for this connection (`pg_backend_pid()`).
    public var backendProcessID: Int32 { PQbackendPID(handle.connection) }

    /// The cached statement for static SQL (found again by the literal's address).
    public func prepare(_ statement: SQLStatement) throws -> PostgresStatement {
        statements.statement(statement.postgres) { utf8 in
            PostgresStatement(sql: String(decoding: utf8, as: UTF8.self), handle: handle, checksTransactionControl: false)
        }
    }

    /// The cached statement for SQL text.
    public func prepare(_ sql: String) throws -> PostgresStatement {
        statements.statement(sql) { PostgresStatement(sql: $0, handle: handle, checksTransactionControl: true) }
    }

    /// Runs SQL that may hold several statements, without parameters. Inside a `transaction { }`,
    /// a script that would end the transaction (`COMMIT`, `END`, `ROLLBACK`, `ABORT`) is refused
    /// before it is sent: the transaction belongs to the closure, which commits it by returning.
    public func executeScript(_ sql: String) throws {
        let endsTransaction = SQLScript.endsTransaction(sql)
        if endsTransaction && isInTransaction { throw TransactionControl.refusal(sql: sql) }
        try run(sql, effect: endsTransaction ? .commit : .statement)
    }

    /// Runs a script in one round trip (the simple query protocol).
    func run(_ sql: String, effect: RoundTripEffect) throws {
        handle.deallocateRetired()
        PQclear(try handle.roundTrip(sql: sql, effect: effect) { PQsendQuery($0, sql) })
    }

    /// Runs `body` in a transaction (`BEGIN`, READ COMMITTED); nested calls are savepoints.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        let outermost = nesting.depth == 0
        defer { if outermost { handle.job.pointee.transactionOpen = false } }
        let opened = { () throws -> T in
            self.handle.job.pointee.transactionOpen = true
            return try body()
        }
        return try nesting.run(
            begin: "BEGIN", execute: { try run($0, effect: .none) }, commit: commit,
            isOpen: { PQtransactionStatus(handle.connection) != PQTRANS_IDLE }, opened)
    }

    /// Commits. A transaction that an earlier failed statement aborted answers COMMIT with
    /// "ROLLBACK" (and no error): that is an error here, never a silent loss of the transaction.
    private func commit() throws {
        // A pool's request was cancelled: whatever the body did after the cancellation's error
        // (caught and ignored, say), nothing of the transaction is kept.
        try handle.interruption.check(sql: "COMMIT")
        let result = try handle.roundTrip(sql: "COMMIT", effect: .commit) { PQsendQuery($0, "COMMIT") }
        defer { PQclear(result) }
        if let tag = PQcmdStatus(result), String(cString: tag) == "ROLLBACK" {
            throw DatabaseError.misuse(
                "the transaction was rolled back, not committed: a statement in it failed earlier", sql: "COMMIT")
        }
    }
}
