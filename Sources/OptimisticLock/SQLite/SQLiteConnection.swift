import CSQLite
import OptimisticLockSQL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A connection to a SQLite database through the system libsqlite3.
///
/// Opening a file turns on WAL (readers never block the writer), foreign keys, and a busy timeout so
/// that concurrent writers wait for each other instead of failing. Statements are prepared once and
/// cached. A connection is used by one thread at a time (it is not `Sendable`); open one per thread
/// or process — SQLite and optimistic locking take care of the rest.
public final class SQLiteConnection: DatabaseConnection {
    /// `SQLiteStatement`.
    public typealias Statement = SQLiteStatement

    /// The path given to `init`.
    public let path: String
    /// Always `.sqlite`.
    public var dialect: SQLDialect { .sqlite }
    /// The sqlite3 handle, for calls this type does not wrap. Do not close it.
    public let handle: OpaquePointer

    /// This connection's source of version tokens.
    public let versionGenerator = VersionGenerator()

    private let statements = StatementCache<SQLiteStatement>()
    private let nesting = TransactionNesting()
    /// The transaction depth and the interrupt, shared with the statements (see `SQLiteStatement`).
    let state = ConnectionState()

    /// Opens (creating if needed) the database at `path`; `":memory:"` is a private in-memory database.
    ///
    /// - Parameters:
    ///   - path: a file path, or `":memory:"`.
    ///   - busyTimeout: how long a statement waits for another connection's lock before failing with
    ///     a busy `DatabaseError`, in seconds.
    ///   - readOnly: open an existing database for reading only; writes fail with a `.readOnly` error.
    ///   - useWAL: turn on write-ahead logging (the default: readers never block the writer); false
    ///     keeps the file's journal mode, e.g. a rollback journal on a file system without shared memory.
    ///   - observer: told about the connection's statements, transactions and conflicts (see
    ///     `DatabaseObserver`); nil for none.
    /// - Throws: `DatabaseError` when the file cannot be opened or is not a database.
    public init(
        path: String, busyTimeout: Double = 10, readOnly: Bool = false, useWAL: Bool = true,
        observer: (any DatabaseObserver)? = nil
    ) throws {
        self.path = path
        state.namespace = path.split(separator: "/").last.map(String.init) ?? path
        state.observer = observer
        var db: OpaquePointer?
        let access = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let flags = access | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let error = DatabaseError.sqlite(rc, db: db, sql: nil)
            sqlite3_close_v2(db)
            throw error.prefixingMessage("cannot open database at \(path): ")
        }
        self.handle = db
        sqlite3_extended_result_codes(db, 1)
        // Every name the library writes is double-quoted: with SQLite's legacy fallback, a quoted
        // column that does not exist (dropped by hand, misspelled in your SQL) would be read as a
        // string literal — a String field would silently hold its own column name.
        optimistic_lock_sqlite_disable_dqs(db)
        // sqlite3_interrupt may be called from any thread while the connection is open; the handle
        // travels as an address, and `deinit` removes the interrupt before closing.
        let address = UInt(bitPattern: db)
        state.interruption.setNative { sqlite3_interrupt(OpaquePointer(bitPattern: address)) }
        // sqlite3_interrupt stops only statements already running: one that started an instant
        // before a pool's interrupt arrived stops within its next 1,000 virtual-machine steps — but
        // only inside a transaction, which then rolls back. Outside one, SQLite checks the handler
        // once more after a statement has committed on its own, and an interrupt there would report
        // a committed write as not done: such a statement runs to its end and reports what it did.
        // (Allowing it when no running statement can write does not work: a write that has just
        // committed is no longer running when SQLite makes that last check.)
        state.handle = db
        let context = Unmanaged.passUnretained(state).toOpaque()
        sqlite3_progress_handler(
            db, 1_000,
            { context in
                guard let context else { return 0 }
                let state = Unmanaged<ConnectionState>.fromOpaque(context).takeUnretainedValue()
                guard state.interruption.isRequested, let handle = state.handle else { return 0 }
                return sqlite3_get_autocommit(handle) == 0 ? 1 : 0
            }, context)
        // SQLite's own parser says which statements end a transaction: one prepared for later is
        // marked (and refused when it runs inside a `transaction { }`), one of a script that runs
        // inside a `transaction { }` is denied at once.
        sqlite3_set_authorizer(
            db,
            { context, action, operation, _, _, _ in
                guard let context else { return SQLITE_OK }
                let state = Unmanaged<ConnectionState>.fromOpaque(context).takeUnretainedValue()
                // Schema changes (CREATE, DROP, ALTER, REINDEX, ANALYZE): their commit counts even
                // though they change no row.
                if (action >= SQLITE_CREATE_INDEX && action <= SQLITE_DROP_VIEW && action != SQLITE_DELETE)
                    || (action >= SQLITE_ALTER_TABLE && action <= SQLITE_DROP_VTABLE)
                {
                    if state.isPreparing { state.preparedSchemaChange = true } else { state.schemaChangePending = true }
                    return SQLITE_OK
                }
                guard action == SQLITE_TRANSACTION, let operation, strcmp(operation, "BEGIN") != 0 else { return SQLITE_OK }
                if state.isPreparing {
                    state.preparedTransactionEnd = true
                    return SQLITE_OK
                }
                guard state.depth.pointee > 0 else { return SQLITE_OK }
                state.refusedTransactionEnd = true
                return SQLITE_DENY
            }, context)
        // Every commit that wrote (a COMMIT, or a statement outside a transaction, that changed
        // rows or the schema; SQLite commits a write transaction even when it changed nothing) is
        // counted, so that a pool can tell a job stopped halfway that some of it was kept.
        sqlite3_commit_hook(
            db,
            { context in
                guard let context else { return 0 }
                // SQLite counts a statement's changes after its commit: the count is settled once
                // the statement has returned (`settleCommit`).
                Unmanaged<ConnectionState>.fromOpaque(context).takeUnretainedValue().committed = true
                return 0
            }, context)
        sqlite3_rollback_hook(
            db,
            { context in
                guard let context else { return }
                Unmanaged<ConnectionState>.fromOpaque(context).takeUnretainedValue().rollingBack()
            }, context)
        // Waiting for another connection's lock: sqlite3_busy_timeout's waits, but a cancelled
        // request stops waiting (its statement then fails as busy, having done nothing).
        sqlite3_busy_handler(
            db,
            { context, count in
                guard let context else { return 0 }
                return Unmanaged<ConnectionState>.fromOpaque(context).takeUnretainedValue().waitForLock(attempt: count) ? 1 : 0
            }, context)
        // Opening reads the file header and the WAL index, which another connection opening at the
        // same moment may hold for an instant: wait at least a second for that, then use `busyTimeout`.
        let milliseconds: Int32 =
            busyTimeout.isNaN || busyTimeout <= 0
            ? 0
            : busyTimeout >= Double(Int32.max) / 1000 ? Int32.max : Int32(busyTimeout * 1000)
        state.busyTimeoutMilliseconds = max(milliseconds, 1_000)
        defer { state.busyTimeoutMilliseconds = milliseconds }
        do {
            try executeScript("PRAGMA foreign_keys = ON")
            if readOnly {
                // Reads the file header: a file that is not a database fails here rather than at first use.
                try executeScript("PRAGMA schema_version")
            } else if path != ":memory:" && !path.isEmpty {
                // Reading the journal mode reads the file header: a file that is not a database fails here.
                // It is set only when it is not WAL yet, since setting it takes a lock.
                let mode = try query("PRAGMA journal_mode").first?[0]
                if useWAL && mode != .text("wal") {
                    try executeScript("PRAGMA journal_mode = WAL")
                }
            }
        } catch let error as DatabaseError {
            throw error.prefixingMessage("cannot open database at \(path): ")
        }
    }

    deinit {
        state.interruption.setNative(nil)
        // Statements finalize when released; close_v2 waits for any a caller still holds.
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// The observer told about this connection's work (see `DatabaseObserver`); nil for none.
    public var observer: (any DatabaseObserver)? {
        get { state.observer }
        set { state.observer = newValue }
    }

    /// What this connection's work belongs to now, for its observer.
    public var observerContext: (any Sendable)? {
        get { state.observerContext }
        set { state.observerContext = newValue }
    }

    /// The rowid of the last row inserted through this connection.
    public var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// True while a `transaction { }` is open.
    public var isInTransaction: Bool { nesting.depth > 0 }

    // MARK: Statements

    /// The cached statement for a model's SQL (found again by its identity, see `SQLStatement`).
    public func prepare(_ statement: SQLStatement) throws -> SQLiteStatement {
        try state.owner.enter(sql: nil)
        do {
            return try statements.statement(statement, dialect: .sqlite) { try compile($0, clearsBindings: false) }
                .taken()
        } catch {
            state.owner.exit()
            throw error
        }
    }

    /// The cached statement for SQL text. Inside a `transaction { }`, a statement that would end
    /// the transaction (`COMMIT`, `END`, `ROLLBACK`, as SQLite's own parser sees it) is refused
    /// when it runs: the closure commits by returning.
    public func prepare(_ sql: String) throws -> SQLiteStatement {
        try state.owner.enter(sql: sql)
        do {
            return try statements.statement(sql) { sql in
                var text = sql
                return try text.withUTF8 { try compile($0, clearsBindings: true) }
            }.taken()
        } catch {
            state.owner.exit()
            throw error
        }
    }

    private func compile(_ utf8: UnsafeBufferPointer<UInt8>, clearsBindings: Bool) throws -> SQLiteStatement {
        let count = utf8.count
        guard let bytes = utf8.baseAddress, count > 0 else {
            throw DatabaseError.misuse("no SQL statement to prepare", sql: "")
        }
        let sql = String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
        let start = UnsafeRawPointer(bytes).assumingMemoryBound(to: CChar.self)
        var statement: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        state.preparedTransactionEnd = false
        state.preparedSchemaChange = false
        state.isPreparing = true
        let rc = sqlite3_prepare_v3(
            handle, start, Int32(clamping: count), UInt32(SQLITE_PREPARE_PERSISTENT),
            &statement, &tail)
        state.isPreparing = false
        guard rc == SQLITE_OK else {
            sqlite3_finalize(statement)
            throw DatabaseError.sqlite(rc, db: handle, sql: sql)
        }
        guard let statement else {
            throw DatabaseError.misuse("no SQL statement to prepare", sql: sql)
        }
        if let tail {
            let used = tail - start
            let rest = String(decoding: UnsafeBufferPointer(start: bytes + used, count: count - used), as: UTF8.self)
            if rest.contains(where: { !$0.isWhitespace && $0 != ";" }) {
                sqlite3_finalize(statement)
                throw DatabaseError.misuse("more than one statement: use executeScript for scripts", sql: sql)
            }
        }
        return SQLiteStatement(
            handle: statement, db: handle, clearsBindings: clearsBindings, state: state,
            endsTransaction: state.preparedTransactionEnd, changesSchema: state.preparedSchemaChange)
    }

    /// Runs SQL that may hold several statements, without parameters. Inside a `transaction { }`,
    /// a statement that would end the transaction (`COMMIT`, `END`, `ROLLBACK`, as SQLite's own
    /// parser sees it) is refused before it runs (the statements before it have run, inside the
    /// transaction): the transaction belongs to the closure, which commits it by returning.
    public func executeScript(_ sql: String) throws {
        try checkTransactionIsAlive(sql)
        do {
            try execute(script: sql)
        } catch let error as DatabaseError where state.refusedTransactionEnd {
            state.refusedTransactionEnd = false
            _ = error
            throw TransactionControl.refusal(sql: sql)
        }
    }

    /// Refuses to run anything inside a `transaction { }` whose transaction SQLite already rolled back
    /// on its own (an interrupt, a full disk): in autocommit mode it would commit on its own, and a
    /// nested `SAVEPOINT` would even open a transaction of its own whose `RELEASE` commits.
    private func checkTransactionIsAlive(_ sql: String) throws {
        if _slowPath(state.depth.pointee > 0 && sqlite3_get_autocommit(handle) != 0) {
            throw DatabaseError.misuse(
                "SQLite already rolled this transaction back after an earlier error; leave the transaction and start again",
                sql: sql)
        }
    }

    /// Runs a script without the check: the transaction statements themselves.
    private func execute(script sql: String) throws {
        try state.owner.enter(sql: sql)
        defer { state.owner.exit() }
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if state.committed { state.settleCommit() }
        let text = message.map { String(cString: $0) }
        sqlite3_free(message)
        guard rc == SQLITE_OK else {
            let error = DatabaseError.sqlite(rc, db: handle, sql: sql)
            throw DatabaseError(
                kind: error.kind, code: error.code, extendedCode: error.extendedCode,
                message: text ?? error.message, sql: sql)
        }
    }

    // MARK: Transactions

    /// Runs `body` in a transaction (`BEGIN IMMEDIATE`: the write lock is taken at the start, waiting up
    /// to the busy timeout, so two writers never deadlock on a lock upgrade). Commits when `body`
    /// returns, rolls back and rethrows when it throws. Nested calls are savepoints.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try run(begin: "BEGIN IMMEDIATE", body)
    }

    /// Runs `body` in a read transaction (`BEGIN DEFERRED`): its reads see one snapshot of the
    /// database, and it takes no write lock unless it writes. Nested calls are savepoints.
    public func readTransaction<T>(_ body: () throws -> T) throws -> T {
        try run(begin: "BEGIN DEFERRED", body)
    }

    /// Runs `body` in a `BEGIN DEFERRED` transaction that is rolled back when it ends, whatever it
    /// did: a pool's reads.
    func rolledBackTransaction<T>(_ body: () throws -> T) throws -> T {
        try run(begin: "BEGIN DEFERRED", commit: { try self.execute(script: "ROLLBACK") }, body)
    }

    private func run<T>(begin: String, commit: (() throws -> Void)? = nil, _ body: () throws -> T) throws -> T {
        // The thread that opens a transaction owns the connection until it ends: another thread's
        // statement would otherwise run inside it, reported as done, and roll back with it.
        try state.owner.enter(sql: begin)
        defer { state.owner.exit() }
        if _slowPath(state.isObserved) && nesting.depth == 0 && commit == nil, let observer = state.observer {
            return try observedTransaction(observer) { try runUnobserved(begin: begin, commit: commit, body) }
        }
        return try runUnobserved(begin: begin, commit: commit, body)
    }

    /// Runs a transaction its observer is told about, as the parent of its statements.
    private func observedTransaction<T>(_ observer: any DatabaseObserver, _ run: () throws -> T) throws -> T {
        let operation = state.operation(sql: nil, summary: nil)
        let start = ContinuousClock.now
        let token = observer.started(operation)
        let outer = state.observerContext
        state.observerContext = token ?? outer
        defer { state.observerContext = outer }
        do {
            let result = try run()
            observer.finished(operation, token: token, outcome: .init(duration: start.duration(to: .now)))
            return result
        } catch {
            observer.finished(operation, token: token, outcome: .init(duration: start.duration(to: .now), error: error))
            throw error
        }
    }

    private func runUnobserved<T>(begin: String, commit: (() throws -> Void)?, _ body: () throws -> T) throws -> T {
        try checkTransactionIsAlive(begin)
        // SQLite may roll back on its own (after a full disk, say): then there is nothing left to undo.
        let counted = { () throws -> T in
            self.state.depth.pointee += 1
            defer { self.state.depth.pointee -= 1 }
            return try body()
        }
        return try nesting.run(
            begin: begin, execute: { try execute(script: $0) }, commit: commit ?? self.commit,
            isOpen: { sqlite3_get_autocommit(handle) == 0 }, counted)
    }

    /// Commits; when SQLite already rolled the transaction back on its own, says so instead of
    /// SQLite's "cannot commit - no transaction is active".
    private func commit() throws {
        // A pool's request was cancelled: whatever the body did after the cancellation's error
        // (caught and ignored, say), nothing of the transaction is kept.
        try state.interruption.check(sql: "COMMIT")
        guard sqlite3_get_autocommit(handle) == 0 else {
            throw DatabaseError.misuse(
                "SQLite rolled the transaction back after an earlier error; nothing of it was committed", sql: "COMMIT")
        }
        try execute(script: "COMMIT")
    }
}

/// What a connection's statements check before they run: how many `transaction { }` closures are
/// running (in memory of its own, read without exclusivity checks on every write), and whether a
/// pool asked the running job to stop.
final class ConnectionState {
    let depth: UnsafeMutablePointer<Int>
    /// The thread using the connection (see `ConnectionOwner`).
    let owner = ConnectionOwner()
    /// The connection's observer (see `DatabaseObserver`), and whether it observes statements
    /// (read on every statement).
    var observer: (any DatabaseObserver)? {
        didSet { isObserved = observer?.observesOperations ?? false }
    }
    private(set) var isObserved = false
    /// What the connection's work belongs to now (the open transaction's token, or a pool
    /// request's context).
    var observerContext: (any Sendable)?
    /// The database's name for observers: the file's name.
    var namespace: String?
    let interruption = ConnectionInterruption()
    /// The sqlite3 handle, once open (for the progress handler).
    var handle: OpaquePointer?
    /// How long a statement waits for another connection's lock.
    var busyTimeoutMilliseconds: Int32 = 0
    private var busySince = ContinuousClock.now
    /// How many times the connection committed a change (SQLite's commit hook).
    var commits: UInt64 = 0
    /// `sqlite3_total_changes64` at the last commit or rollback: a commit that moved it wrote rows.
    private var changesAtLastEnd: Int64 = 0
    /// Set when a statement that changes the schema is about to run (or ran) in the transaction.
    var schemaChangePending = false
    /// Set by the authorizer when the statement being prepared changes the schema.
    var preparedSchemaChange = false
    /// True while `prepare` compiles a statement: the authorizer marks it instead of denying it.
    var isPreparing = false
    /// Set by the authorizer when the statement being prepared ends a transaction.
    var preparedTransactionEnd = false
    /// Set by the authorizer when it denied a statement of a script for ending the transaction.
    var refusedTransactionEnd = false
    /// Set when a pool's read could not turn `PRAGMA query_only` off again: the connection is
    /// replaced rather than used for writes it would refuse.
    var isStuckReadOnly = false

    init() {
        depth = .allocate(capacity: 1)
        depth.initialize(to: 0)
    }

    deinit {
        depth.deallocate()
    }

    /// Set by the commit hook; `settleCommit` counts the commit once the statement has returned.
    var committed = false

    /// Counts the commit that just happened when it changed rows or the schema.
    func settleCommit() {
        committed = false
        guard let handle else { return }
        let total = sqlite3_total_changes64(handle)
        if total != changesAtLastEnd || schemaChangePending { commits &+= 1 }
        changesAtLastEnd = total
        schemaChangePending = false
    }

    /// The rollback hook: what the transaction changed is not a change of the next commit.
    func rollingBack() {
        guard let handle else { return }
        changesAtLastEnd = sqlite3_total_changes64(handle)
        schemaChangePending = false
        committed = false
    }

    /// An operation of this connection, for its observer.
    func operation(sql: String?, summary: SQLSummary?) -> DatabaseOperation {
        DatabaseOperation(
            isTransaction: sql == nil, sql: sql, operationName: sql == nil ? "TRANSACTION" : summary?.operation,
            collectionName: summary?.collection, system: "sqlite", namespace: namespace, parent: observerContext)
    }

    /// The sleeps between lock attempts, in milliseconds; the last one repeats.
    private static let busyDelays: [Int64] = [1, 2, 5, 10]

    /// SQLite's busy handler: true to try the lock again after a short sleep, false to give up
    /// (the statement fails as busy) — when the timeout has passed, or the request was cancelled.
    /// Sleeps grow like sqlite3_busy_timeout's (1, 2, 5, 10 ms ...) but never past 10 ms, so a
    /// cancel is seen within 10 ms.
    func waitForLock(attempt: Int32) -> Bool {
        guard !interruption.isRequested else { return false }
        let now = ContinuousClock.now
        if attempt == 0 { busySince = now }
        let waited = busySince.duration(to: now)
        let limit = Duration.milliseconds(busyTimeoutMilliseconds)
        guard waited < limit else { return false }
        let delay = Duration.milliseconds(Self.busyDelays[min(Int(attempt), Self.busyDelays.count - 1)])
        let sleep = min(delay, limit - waited)
        let (seconds, attoseconds) = sleep.components
        usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
        return true
    }
}
