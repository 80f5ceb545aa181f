import CLibPQ
import OptimisticLock
import OptimisticLockSQL

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

    /// Connects (see `init(url:)`), telling `observer` about the connection's statements,
    /// transactions and conflicts (see `DatabaseObserver`).
    public convenience init(url: String, observer: (any DatabaseObserver)?) throws {
        try self.init(url: url, isCancelled: { false })
        handle.observer = observer
    }

    /// Connects to a server behind a pooler in transaction mode (PgBouncer, a cloud provider's
    /// pooler) when `transactionPooling` is true: statements then run as unnamed statements, parsed
    /// at each run, because a named one would live on a server connection that other clients get
    /// after the transaction (see `PostgresPool.Configuration.transactionPooling`).
    public convenience init(url: String, transactionPooling: Bool) throws {
        try self.init(url: url, isCancelled: { false })
        handle.job.pointee.unnamedStatements = transactionPooling
    }

    /// Connects, giving up (a `.interrupted` `DatabaseError`) once `isCancelled` returns true, or
    /// (`.timeout`) once `deadline` passes.
    /// `connectTimeout`: the connect timeout when neither the URL nor `PGCONNECT_TIMEOUT` sets one.
    package init(
        url: String, isCancelled: () -> Bool, deadline: ContinuousClock.Instant? = nil,
        connectTimeout: Duration? = nil
    ) throws {
        self.handle = PostgresHandle(
            try PostgresConnect.open(
                url: url, isCancelled: isCancelled, requestDeadline: deadline,
                defaultTimeout: connectTimeout ?? PostgresConnect.defaultTimeout))
    }

    /// True while a `transaction { }` is open.
    public var isInTransaction: Bool { nesting.depth > 0 }

    /// The observer told about this connection's work (see `DatabaseObserver`); nil for none.
    public var observer: (any DatabaseObserver)? {
        get { handle.observer }
        set { handle.observer = newValue }
    }

    /// What this connection's work belongs to now, for its observer.
    public var observerContext: (any Sendable)? {
        get { handle.observerContext }
        set { handle.observerContext = newValue }
    }

    /// The server's process id for this connection (`pg_backend_pid()`).
    public var backendProcessID: Int32 { PQbackendPID(handle.connection) }

    /// The cached statement for a model's SQL (found again by its identity, see `SQLStatement`).
    public func prepare(_ statement: SQLStatement) throws -> PostgresStatement {
        try handle.owner.enter(sql: nil)
        return statements.statement(statement, dialect: .postgres) { utf8 in
            PostgresStatement(sql: String(decoding: utf8, as: UTF8.self), handle: handle, isCallerSQL: false)
        }.taken()
    }

    /// The cached statement for SQL text.
    public func prepare(_ sql: String) throws -> PostgresStatement {
        try handle.owner.enter(sql: sql)
        return statements.statement(sql) { PostgresStatement(sql: $0, handle: handle, isCallerSQL: true) }.taken()
    }

    /// Runs SQL that may hold several statements, without parameters. Inside a `transaction { }`,
    /// a script that would end the transaction (`COMMIT`, `END`, `ROLLBACK`, `ABORT`) is refused
    /// before it is sent: the transaction belongs to the closure, which commits it by returning.
    public func executeScript(_ sql: String) throws {
        let endsTransaction = SQLScript.endsTransaction(sql)
        if endsTransaction && isInTransaction { throw TransactionControl.refusal(sql: sql) }
        try run(sql, effect: endsTransaction ? .commit : .script)
    }

    /// Runs a script in one round trip (the simple query protocol).
    func run(_ sql: String, effect: RoundTripEffect) throws {
        try handle.owner.enter(sql: sql)
        defer { handle.owner.exit() }
        handle.deallocateRetired()
        PQclear(try handle.roundTrip(sql: sql, effect: effect) { PQsendQuery($0, sql) })
    }

    /// Runs `body` in a transaction (`BEGIN READ WRITE`, READ COMMITTED); nested calls are
    /// savepoints. SQL of the closure's that ended the transaction although it was refused (a
    /// spelling the refusal did not see) makes the transaction fail, saying what was kept.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        // The thread that opens a transaction owns the connection until it ends: another thread's
        // statement would otherwise run inside it, reported as done, and roll back with it.
        try handle.owner.enter(sql: "BEGIN")
        defer { handle.owner.exit() }
        guard nesting.depth == 0 else { return try nested(body) }
        guard _slowPath(handle.isObserved), let observer = handle.observer else { return try outermost(body) }
        let operation = handle.operation(sql: nil)
        let start = ContinuousClock.now
        let token = observer.started(operation)
        let outer = handle.observerContext
        handle.observerContext = token ?? outer
        defer { handle.observerContext = outer }
        do {
            let result = try outermost(body)
            observer.finished(operation, token: token, outcome: .init(duration: start.duration(to: .now)))
            return result
        } catch {
            observer.finished(operation, token: token, outcome: .init(duration: start.duration(to: .now), error: error))
            throw error
        }
    }

    private func outermost<T>(_ body: () throws -> T) throws -> T {
        handle.job.pointee.transactionEnd = nil
        defer {
            handle.job.pointee.transactionOpen = false
            handle.job.pointee.transactionEnd = nil
        }
        let result: Result<T, any Error> = Result { try nested(body) }
        guard let end = handle.job.pointee.transactionEnd else { return try result.get() }
        // A chained transaction (COMMIT AND CHAIN) is still open: it is rolled back.
        if PQtransactionStatus(handle.connection) != PQTRANS_IDLE { try? run("ROLLBACK", effect: .none) }
        switch end {
        case .committed:
            throw DatabaseError(
                kind: .partiallyCommitted,
                message:
                    "SQL in the closure committed the transaction itself: what ran before it is committed, what ran after it was rolled back (a transaction { } commits when its closure returns)"
            )
        case .rolledBack:
            throw DatabaseError.misuse(
                "SQL in the closure rolled the transaction back itself: nothing of it was committed (a transaction { } rolls back when its closure throws)",
                sql: nil)
        }
    }

    private func nested<T>(_ body: () throws -> T) throws -> T {
        let opened = { () throws -> T in
            self.handle.job.pointee.transactionOpen = true
            return try body()
        }
        return try nesting.run(
            begin: handle.job.pointee.readsOnly ? handle.beginRead : handle.beginWrite,
            execute: { try run($0, effect: .none) }, commit: commit,
            isOpen: { PQtransactionStatus(handle.connection) != PQTRANS_IDLE }, opened)
    }

    /// Commits. A transaction that an earlier failed statement aborted answers COMMIT with
    /// "ROLLBACK" (and no error): that is an error here, never a silent loss of the transaction.
    /// For a pool with replicas, the same round trip reads the WAL position the commit reached.
    private func commit() throws {
        // A pool's request was cancelled: whatever the body did after the cancellation's error
        // (caught and ignored, say), nothing of the transaction is kept.
        try handle.interruption.check(sql: "COMMIT")
        let sql = handle.job.pointee.tracksPositions ? "COMMIT; SELECT pg_current_wal_insert_lsn()::text" : "COMMIT"
        handle.job.pointee.sawRollback = false
        handle.job.pointee.lastCommitPosition = 0
        let result = try handle.roundTrip(sql: sql, effect: .commit, observed: false) { PQsendQuery($0, sql) }
        defer { PQclear(result) }
        if handle.job.pointee.sawRollback {
            throw DatabaseError.misuse(
                "the transaction was rolled back, not committed: a statement in it failed earlier", sql: "COMMIT")
        }
        if handle.job.pointee.tracksPositions, let position = Self.position(result) {
            handle.job.pointee.lastCommitPosition = position.value
        }
    }

    /// The WAL position in the first cell of a text result.
    static func position(_ result: OpaquePointer) -> WALPosition? {
        guard PQntuples(result) == 1, PQnfields(result) == 1, PQgetisnull(result, 0, 0) == 0,
            let text = PQgetvalue(result, 0, 0)
        else { return nil }
        return WALPosition(String(cString: text))
    }

    /// Reads one WAL position with `sql`.
    private func readPosition(_ sql: String, checksInterruption: Bool = true) throws -> WALPosition {
        handle.deallocateRetired()
        let result = try handle.roundTrip(sql: sql, effect: .none, checksInterruption: checksInterruption) {
            PQsendQuery($0, sql)
        }
        defer { PQclear(result) }
        guard let position = Self.position(result) else {
            throw DatabaseError(kind: .other, message: "the server did not return a WAL position", sql: sql)
        }
        return position
    }

    /// How far the server's WAL reaches now: on the primary, a position past every commit so far.
    /// It runs even when the job was cancelled: a pool reads it after a write that succeeded.
    package func currentWritePosition() throws -> WALPosition {
        try readPosition("SELECT pg_current_wal_insert_lsn()::text", checksInterruption: false)
    }

    /// Whether the server is a standby, and how far it has replayed (a server that is not a
    /// standby: how far its WAL reaches, which says nothing of another server's positions).
    package func replicaState() throws -> (isStandby: Bool, replayed: WALPosition) {
        let sql = "SELECT pg_is_in_recovery()::text, COALESCE(pg_last_wal_replay_lsn(), pg_current_wal_lsn())::text"
        handle.deallocateRetired()
        let result = try handle.roundTrip(sql: sql, effect: .none) { PQsendQuery($0, sql) }
        defer { PQclear(result) }
        guard PQntuples(result) == 1, PQnfields(result) == 2, let standby = PQgetvalue(result, 0, 0),
            let position = PQgetvalue(result, 0, 1).flatMap({ WALPosition(String(cString: $0)) })
        else {
            throw DatabaseError(kind: .other, message: "the server did not say how far it has replayed", sql: sql)
        }
        return (String(cString: standby) == "true", position)
    }
}
