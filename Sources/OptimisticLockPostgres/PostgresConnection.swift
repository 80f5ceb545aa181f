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

    /// Connects, giving up (a `.interrupted` `DatabaseError`) once `isCancelled` returns true.
    package init(url: String, isCancelled: () -> Bool) throws {
        self.handle = PostgresHandle(try PostgresConnect.open(url: url, isCancelled: isCancelled))
    }

    /// True while a `transaction { }` is open.
    public var isInTransaction: Bool { nesting.depth > 0 }

    /// The server's process id for this connection (`pg_backend_pid()`).
    public var backendProcessID: Int32 { PQbackendPID(handle.connection) }

    /// The cached statement for static SQL (found again by the literal's address).
    public func prepare(_ statement: SQLStatement) throws -> PostgresStatement {
        statements.statement(statement.postgres) { utf8 in
            PostgresStatement(sql: String(decoding: utf8, as: UTF8.self), handle: handle)
        }
    }

    /// The cached statement for SQL text.
    public func prepare(_ sql: String) throws -> PostgresStatement {
        statements.statement(sql) { PostgresStatement(sql: $0, handle: handle) }
    }

    /// Runs SQL that may hold several statements, without parameters.
    public func executeScript(_ sql: String) throws {
        let result = PQexec(handle.connection, sql)
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY else {
            throw DatabaseError.postgres(
                result, connection: handle.connection, sql: sql, cancelled: handle.interruption.isRequested)
        }
    }

    /// Runs `body` in a transaction (`BEGIN`, READ COMMITTED); nested calls are savepoints.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try nesting.run(
            begin: "BEGIN", execute: executeScript, commit: commit,
            isOpen: { PQtransactionStatus(handle.connection) != PQTRANS_IDLE }, body)
    }

    /// Commits. A transaction that an earlier failed statement aborted answers COMMIT with
    /// "ROLLBACK" (and no error): that is an error here, never a silent loss of the transaction.
    private func commit() throws {
        // A pool's request was cancelled: whatever the body did after the cancellation's error
        // (caught and ignored, say), nothing of the transaction is kept.
        try handle.interruption.check(sql: "COMMIT")
        let result = PQexec(handle.connection, "COMMIT")
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            throw DatabaseError.postgres(
                result, connection: handle.connection, sql: "COMMIT", cancelled: handle.interruption.isRequested)
        }
        if let tag = PQcmdStatus(result), String(cString: tag) == "ROLLBACK" {
            throw DatabaseError.misuse(
                "the transaction was rolled back, not committed: a statement in it failed earlier", sql: "COMMIT")
        }
    }
}
