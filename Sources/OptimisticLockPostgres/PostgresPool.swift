import OptimisticLock
import Synchronization

/// A `Sendable` pool of PostgreSQL connections, for servers: each connection on a thread of the
/// pool's own, opened at first use and replaced when it breaks.
///
/// ```swift
/// let pool = PostgresPool(url: "postgresql://app@db.internal/shop")
/// let item = try await pool.retryOnConflict { db in
///     var item = try Item.find(db, id: id)!
///     item.stock -= 1
///     try item.update(db)
///     return item
/// }
/// ```
///
/// A connection that broke (a server restart, `pg_terminate_backend`, a failover that left it on a
/// standby) is noticed — by its failure, or by polling its socket before it is handed out — and
/// replaced with a new one. The requests that were running on it fail with a `DatabaseError` of
/// kind `.connection` (or `.outcomeUnknown` for a commit that got no answer); they are never
/// retried on their own.
///
/// At most `maxConcurrentWrites` connections run writes at once (one fewer than the pool has, by
/// default), so reads always find a connection while writers wait on row locks. With
/// `readReplicas`, reads run on replicas that have replayed the pool's last commit (see
/// `read(after:_:)`).
public final class PostgresPool: DatabasePool {
    /// `PostgresConnection`.
    public typealias Connection = PostgresConnection

    let primary: ConnectionPool<PostgresConnection>
    let replicas: [ConnectionPool<PostgresConnection>]
    let router: ThreadLock<ReplicaRouter<ContinuousClock.Instant>>
    let replicaWaitTimeout: Duration
    let replicaTimeout: Duration?
    let requestTimeout: Duration?
    /// The observer told about the pool's work; nil for none.
    public let observer: (any DatabaseObserver)?
    /// How many writes' positions could not be read (their connection broke right after) since
    /// the primary's was last read instead: reads go to the primary while it is not 0.
    private let unknownPositions = Atomic<UInt64>(0)
    /// The WAL position of the pool's last commit (0: none yet, or no replicas to track it for).
    private let lastWrite = Atomic<UInt64>(0)

    /// A pool for the server at `url` (`postgresql://user:password@host:5432/database`, or a
    /// `key=value` string; several hosts with `target_session_attrs=read-write` for failover).
    /// Nothing connects until the first request; a bad URL or a refused connection fails that
    /// request with a `.connection` `DatabaseError`.
    public init(url: String, configuration: Configuration = Configuration()) {
        let connections = max(1, configuration.connections)
        let writes = configuration.maxConcurrentWrites ?? max(1, connections - 1)
        let tracksPositions = !configuration.readReplicas.isEmpty
        primary = ConnectionPool(
            name: "postgres", capacity: connections, maxWrites: writes,
            acquireTimeout: configuration.acquireTimeout, requestTimeout: configuration.requestTimeout,
            observer: configuration.observer,
            connect: Self.connector(url: url, configuration, tracksPositions: tracksPositions, toReplica: false))
        replicas = configuration.readReplicas.enumerated().map { index, replica in
            ConnectionPool(
                name: "postgres-replica-\(index)", capacity: connections, maxWrites: connections,
                acquireTimeout: configuration.acquireTimeout, requestTimeout: configuration.requestTimeout,
                observer: configuration.observer,
                connect: Self.connector(url: replica, configuration, tracksPositions: false, toReplica: true))
        }
        router = ThreadLock(ReplicaRouter(count: configuration.readReplicas.count))
        replicaWaitTimeout = configuration.replicaWaitTimeout
        replicaTimeout = configuration.replicaTimeout
        observer = configuration.observer
        requestTimeout = configuration.requestTimeout
    }

    /// Opens a connection of the pool and applies its settings.
    /// (A replica's connect timeout is 2 s unless its URL says otherwise: a read waiting for an
    /// unreachable replica goes to the primary soon.)
    private static func connector(
        url: String, _ configuration: Configuration, tracksPositions: Bool, toReplica: Bool
    ) -> PoolWorker<PostgresConnection>.Connect {
        let connectTimeout: Duration? = toReplica ? .seconds(2) : nil
        let requestTimeout = configuration.requestTimeout
        return { isCancelled, deadline in
            let timeout = try configuration.statementTimeoutMilliseconds()
            let db = try PostgresConnection(
                url: url, isCancelled: isCancelled, deadline: deadline, connectTimeout: connectTimeout)
            db.handle.job.pointee.timeout = requestTimeout
            db.handle.job.pointee.tracksPositions = tracksPositions
            db.handle.job.pointee.toReplica = toReplica
            db.handle.observer = configuration.observer
            let local = timeout.map { "; SET LOCAL statement_timeout = \($0)" } ?? ""
            if configuration.transactionPooling {
                // Nothing in the session: the statement timeout holds for each transaction.
                db.handle.job.pointee.unnamedStatements = true
                db.handle.beginWrite = "BEGIN READ WRITE" + local
                db.handle.beginRead = "BEGIN READ ONLY" + local
            } else {
                db.handle.beginWrite = "BEGIN READ WRITE"
                db.handle.beginRead = "BEGIN READ ONLY"
                if let timeout {
                    if let deadline {
                        db.handle.job.pointee.deadline = deadline
                        db.handle.job.pointee.hasDeadline = true
                    }
                    defer { db.handle.job.pointee.hasDeadline = false }
                    try db.run("SET statement_timeout = \(timeout)", effect: .none)
                }
            }
            return db
        }
    }

    /// The WAL position of this pool's last commit, when the pool has read replicas (nil before
    /// its first write, or without replicas): a token for `read(after:_:)` in another pool or
    /// process, so that its reads see this pool's writes.
    public var lastWritePosition: WALPosition? {
        let value = lastWrite.load(ordering: .acquiring)
        return value == 0 ? nil : WALPosition(value)
    }

    /// The number of writes whose position is unknown (see `read(after:_:)`).
    var unknownPositionCount: UInt64 { unknownPositions.load(ordering: .acquiring) }

    /// Notes the primary's position, read after `count` writes whose own was unknown: it is past
    /// each of them, but not past one that became unknown since.
    func noteKnownAgain(_ position: UInt64, covering count: UInt64) {
        noteWrite(position)
        _ = unknownPositions.compareExchange(expected: count, desired: 0, ordering: .acquiringAndReleasing)
    }

    /// Notes a commit's position (the furthest wins); 0: it could not be read.
    func noteWrite(_ position: UInt64) {
        guard position > 0 else {
            unknownPositions.add(1, ordering: .releasing)
            return
        }
        var current = lastWrite.load(ordering: .relaxed)
        while current < position {
            let (exchanged, original) = lastWrite.compareExchange(
                expected: current, desired: position, successOrdering: .releasing, failureOrdering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// Runs `body` in one transaction on the primary.
    public func write<T: Sendable>(_ body: @Sendable (PostgresConnection) throws -> T) async throws -> T {
        guard !replicas.isEmpty else { return try await primary.run(.write, body) }
        return try await primary.run(
            .write, afterward: { db, _ in self.noteWrite(db.handle.job.pointee.lastCommitPosition) }, body)
    }

    /// Runs `body` on the primary without a transaction around it (it counts as a write).
    public func writeWithoutTransaction<T: Sendable>(_ body: @Sendable (PostgresConnection) throws -> T) async throws -> T {
        guard !replicas.isEmpty else { return try await primary.run(.writeWithoutTransaction, body) }
        // Statements committed on their own: where the WAL reaches now is past them (one more
        // round trip, only with replicas to route reads to).
        return try await primary.run(
            .writeWithoutTransaction,
            afterward: { db, committed in
                guard committed else { return }
                self.noteWrite((try? db.currentWritePosition())?.value ?? 0)
            }, body)
    }

    /// Runs `body` outside a transaction, read-only: on a replica that has replayed this pool's
    /// last commit, when the pool has replicas; else on the primary. See `read(after:_:)`.
    public func read<T: Sendable>(_ body: @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await read(after: nil, body)
    }

    /// Closes the pool and its replicas' connections (see `DatabasePool.close()`).
    public func close() async {
        await primary.close()
        for replica in replicas { await replica.close() }
    }
}
