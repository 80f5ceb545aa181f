import CLibPQ
import OptimisticLock
import OptimisticLockSQL

/// Owns a libpq connection; statements keep it alive as long as they exist.
final class PostgresHandle {
    let connection: OpaquePointer
    private var nextStatement = 0
    /// Server-side statements no longer used, deallocated when the connection is next idle.
    private var retired: [String] = []
    /// What the round trips of the current job need to know, in memory of their own: read before
    /// every statement without an exclusivity check.
    let job: UnsafeMutablePointer<JobState>
    /// The thread using the connection (see `ConnectionOwner`).
    let owner = ConnectionOwner()
    /// The connection's observer (see `DatabaseObserver`), and whether it observes statements
    /// (read on every round trip).
    var observer: (any DatabaseObserver)? {
        didSet { isObserved = observer?.observesOperations ?? false }
    }
    private(set) var isObserved = false
    /// What the connection's work belongs to now (the open transaction's token, or a pool
    /// request's context).
    var observerContext: (any Sendable)?
    /// What statements do, read from their SQL once each for observers.
    private var summaries: [String: SQLSummary] = [:]

    /// An operation of this connection, for its observer.
    func operation(sql: String?) -> DatabaseOperation {
        var summary: SQLSummary?
        if let sql {
            if let known = summaries[sql] {
                summary = known
            } else {
                if summaries.count >= 256 { summaries.removeAll() }
                let made = SQLSummary(sql)
                summaries[sql] = made
                summary = made
            }
        }
        return DatabaseOperation(
            isTransaction: sql == nil, sql: sql, operationName: sql == nil ? "TRANSACTION" : summary?.operation,
            collectionName: summary?.collection, system: "postgresql",
            namespace: PQdb(connection).map { String(cString: $0) },
            serverAddress: PQhost(connection).map { String(cString: $0) },
            serverPort: PQport(connection).flatMap { Int(String(cString: $0)) }, parent: observerContext)
    }

    /// What opens a transaction in a pool's write: `BEGIN READ WRITE` (a standby refuses it at
    /// once), and behind a pooler in transaction mode the pool's statement timeout for the
    /// transaction (`SET LOCAL`), in the same round trip. A connection of no pool says `BEGIN`.
    var beginWrite = "BEGIN"
    /// What opens a transaction in a pool's read: `BEGIN READ ONLY` (and the statement timeout).
    var beginRead = "BEGIN"
    /// A pool's interrupt for the running job: statements refuse to start once it is requested, and
    /// the statement in flight is cancelled with `PQcancel` (which may block, so on a thread of its own).
    let interruption = ConnectionInterruption(nativeBlocks: true)
    /// Set (to 1) by the notice receiver when the server sent a FATAL error outside a statement.
    let fatalNotice: UnsafeMutablePointer<Int32> = {
        let flag = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        flag.initialize(to: 0)
        return flag
    }()

    /// How SQL of the caller's ended a `transaction { }`.
    enum TransactionEnd {
        /// A `COMMIT` (or `PREPARE TRANSACTION`): what ran before it is committed.
        case committed
        /// A `ROLLBACK`: nothing of the transaction is kept.
        case rolledBack
    }

    /// The state round trips read and keep.
    struct JobState {
        /// When the current request's time is up: no round trip waits past it (when `hasDeadline`;
        /// kept apart from an optional so the hot path copies no optional instant).
        var deadline = ContinuousClock.Instant.now
        /// Whether `deadline` applies.
        var hasDeadline = false
        /// The request's timeout, for messages.
        var timeout: Duration?
        /// True in a pool's read: its statements are not counted as writes whose outcome matters.
        var readsOnly = false
        /// True while a `transaction { }` is open: a statement that finds the server outside a
        /// transaction then is refused (the transaction ended under the closure).
        var transactionOpen = false
        /// Set when a round trip gave up on its answer and shut the socket down: nothing is sent on
        /// the connection again, and a pool replaces it.
        var abandoned = false
        /// Set when a round trip's deadline passed while the server was still working on it.
        var deadlineCancelled = false
        /// Commits so far: `COMMIT`s and statements that may have written outside a transaction.
        var commits: UInt64 = 0
        /// Set when SQL of the caller's ended the open `transaction { }` (a `COMMIT` or `ROLLBACK`
        /// that got past the refusal): nothing more is sent in it, and it fails saying what was kept.
        var transactionEnd: TransactionEnd?
        /// Whether retired statements wait for deallocation.
        var hasRetired = false
        /// True in a pool job: a server that refuses writes (25006, a standby after a failover)
        /// fails the job as `.connection`, and the connection is replaced.
        var pooled = false
        /// True when the pool has read replicas: a `COMMIT` also reads the WAL position it reached.
        var tracksPositions = false
        /// True for a connection a pool opened to a read replica: nothing it runs can commit.
        var toReplica = false
        /// What a replica connection last learned of its server: whether it is a standby, and how
        /// far it has replayed (0 before the first look). Kept per connection, not per URL: one
        /// URL may reach several servers (a load balancer, DNS).
        var replicaIsStandby = false
        var replicaReplayed: UInt64 = 0
        /// What this connection set `default_transaction_read_only` to, for servers that do not
        /// report the setting (before PostgreSQL 14).
        var readOnlySessionSet: Bool?
        /// The WAL position the last `COMMIT` reached (when `tracksPositions`), or 0.
        var lastCommitPosition: UInt64 = 0
        /// Set when a result's tag said `ROLLBACK` (a `COMMIT` of an aborted transaction says so).
        var sawRollback = false
        /// True behind a pooler in transaction mode: statements run unnamed, and nothing is kept
        /// in the session (see `PostgresPool.Configuration.transactionPooling`).
        var unnamedStatements = false
    }

    init(_ connection: OpaquePointer) {
        self.connection = connection
        job = .allocate(capacity: 1)
        job.initialize(to: JobState())
        optimistic_lock_watch_notices(connection, fatalNotice)
        if let cancel = PQgetCancel(connection) {
            let canceller = PostgresCanceller(cancel)
            interruption.setNative { canceller.cancel() }
        }
    }

    deinit {
        interruption.setNative(nil)
        PQfinish(connection)
        job.deinitialize(count: 1)
        job.deallocate()
        fatalNotice.deallocate()
    }

    /// A new server-side statement name, unique on this connection.
    func statementName() -> String {
        nextStatement += 1
        return "optimistic_lock_\(nextStatement)"
    }

    /// True when no transaction is open (nor aborted) on the server.
    var isIdle: Bool { PQtransactionStatus(connection) == PQTRANS_IDLE }

    /// Counts the times every server-side statement of the connection was found gone (`DISCARD
    /// ALL` or `DEALLOCATE ALL` ran, or the server said a prepared statement does not exist): a
    /// statement whose variants were prepared under another count prepares them again.
    var serverStatementsGeneration: UInt64 = 0

    /// Forgets a server-side statement (deallocated later, outside any transaction).
    func retire(_ name: String) {
        retired.append(name)
        job.pointee.hasRetired = true
    }

    /// Deallocates retired statements when the connection is idle (a failed DEALLOCATE is harmless).
    func deallocateRetired() {
        guard _slowPath(job.pointee.hasRetired), isIdle, !job.pointee.abandoned else { return }
        let names = retired
        retired.removeAll()
        job.pointee.hasRetired = false
        for (index, name) in names.enumerated() {
            let sql = "DEALLOCATE \"\(name)\""
            guard let result = try? roundTrip(sql: sql, effect: .none, { PQsendQuery($0, sql) }) else {
                // Interrupted, or the connection went: the rest waits for the next idle moment.
                retired.append(contentsOf: names[(index + 1)...])
                job.pointee.hasRetired = !retired.isEmpty
                return
            }
            PQclear(result)
        }
    }
}

/// libpq's cancel object for one connection: `PQcancel` may be called from any thread, even after
/// the connection closed (it opens a connection of its own to the server). The pointer travels as an
/// address so that the object can be `Sendable`; it is freed when the last reference goes.
final class PostgresCanceller: Sendable {
    private let address: UInt

    init(_ cancel: OpaquePointer) {
        address = UInt(bitPattern: cancel)
    }

    deinit {
        PQfreeCancel(OpaquePointer(bitPattern: address))
    }

    /// Asks the server to cancel the connection's running statement (nothing happens when none runs).
    func cancel() {
        var message = [CChar](repeating: 0, count: 256)
        _ = PQcancel(OpaquePointer(bitPattern: address), &message, Int32(message.count))
    }
}
