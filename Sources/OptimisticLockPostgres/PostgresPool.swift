import OptimisticLock

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
/// A connection that broke (a server restart, `pg_terminate_backend`) is noticed — by its failure,
/// or by polling its socket before it is handed out — and replaced with a new one. The requests
/// that were running on it fail with a `DatabaseError` of kind `.connection`; they are never retried
/// on their own, because a write may have committed before the connection broke.
///
/// At most `maxConcurrentWrites` connections run writes at once (one fewer than the pool has, by
/// default), so reads always find a connection while writers wait on row locks.
public final class PostgresPool: DatabasePool {
    /// `PostgresConnection`.
    public typealias Connection = PostgresConnection

    /// How many connections a pool opens and how long requests wait.
    public struct Configuration: Sendable {
        /// The most connections.
        public var connections: Int
        /// The most connections running `write` (and `retryOnConflict`) at once; nil for one fewer
        /// than `connections` (at least 1).
        public var maxConcurrentWrites: Int?
        /// How long a request waits for a free connection before failing with a `.timeout`
        /// `DatabaseError`; nil waits as long as it takes (but never past `requestTimeout`).
        public var acquireTimeout: Duration?
        /// How long a request may take, from the call to its answer: waiting for a connection,
        /// connecting, and every round trip to the server. When it passes, the running statement is
        /// cancelled; if the server does not answer the cancel within 2 seconds either (it stopped,
        /// the network dropped the connection, a `COMMIT` waits for a standby that is gone), the
        /// connection is closed and replaced. The request then fails with `.timeout` (nothing was
        /// kept: the transaction is rolled back) or `.outcomeUnknown` (a `COMMIT`, or a statement of
        /// `writeWithoutTransaction`, was sent and got no answer). So every request ends within
        /// `requestTimeout` + 2 s, and `close()` returns within that too. nil for no limit: a
        /// request then waits as long as the server takes (cancelling its task still ends it within
        /// 2 s). `migrate` through the pool runs under it too. 60 seconds by default.
        public var requestTimeout: Duration?
        /// PostgreSQL's `statement_timeout` for every statement (a `.timeout` `DatabaseError` past
        /// it, sent by the server, which keeps the connection); nil keeps the server's, `.zero` sets
        /// none. At most 2^31 - 1 ms (about 24.8 days, PostgreSQL's limit): a longer one is that; a
        /// shorter positive one is at least 1 ms. A negative one fails every request with `.misuse`.
        public var statementTimeout: Duration?

        /// A configuration: 8 connections, 7 of them for writes, a 30 s acquire timeout and a 60 s
        /// request timeout by default.
        public init(
            connections: Int = 8, maxConcurrentWrites: Int? = nil, acquireTimeout: Duration? = .seconds(30),
            requestTimeout: Duration? = .seconds(60), statementTimeout: Duration? = nil
        ) {
            self.connections = connections
            self.maxConcurrentWrites = maxConcurrentWrites
            self.acquireTimeout = acquireTimeout
            self.requestTimeout = requestTimeout
            self.statementTimeout = statementTimeout
        }

        /// The `SET statement_timeout` value in milliseconds, or nil; throws for a negative timeout.
        func statementTimeoutMilliseconds() throws -> Int64? {
            guard let duration = statementTimeout else { return nil }
            guard duration >= .zero else {
                throw DatabaseError.misuse(
                    "statementTimeout is negative (\(duration)): use .zero for none, or nil for the server's", sql: nil)
            }
            if duration == .zero { return 0 }
            // PostgreSQL takes at most 2^31 - 1 ms (about 24.8 days); a longer timeout is that.
            let (seconds, attoseconds) = duration.components
            guard seconds < Int64(Int32.max) / 1_000 else { return Int64(Int32.max) }
            return max(1, seconds * 1_000 + attoseconds / 1_000_000_000_000_000)
        }
    }

    private let pool: ConnectionPool<PostgresConnection>

    /// A pool for the server at `url` (`postgresql://user:password@host:5432/database`, or a
    /// `key=value` string). Nothing connects until the first request; a bad URL or a refused
    /// connection fails that request with a `.connection` `DatabaseError`.
    public init(url: String, configuration: Configuration = Configuration()) {
        let connections = max(1, configuration.connections)
        let writes = configuration.maxConcurrentWrites ?? max(1, connections - 1)
        let requestTimeout = configuration.requestTimeout
        pool = ConnectionPool(
            name: "postgres", capacity: connections, maxWrites: writes,
            acquireTimeout: configuration.acquireTimeout, requestTimeout: requestTimeout
        ) { isCancelled, deadline in
            let timeout = try configuration.statementTimeoutMilliseconds()
            let db = try PostgresConnection(url: url, isCancelled: isCancelled, deadline: deadline)
            db.handle.job.pointee.timeout = requestTimeout
            if let timeout {
                if let deadline {
                    db.handle.job.pointee.deadline = deadline
                    db.handle.job.pointee.hasDeadline = true
                }
                defer { db.handle.job.pointee.hasDeadline = false }
                try db.run("SET statement_timeout = \(timeout)", effect: .none)
            }
            return db
        }
    }

    /// Runs `body` in one transaction on a connection.
    public func write<T: Sendable>(_ body: @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.run(.write, body)
    }

    /// Runs `body` on a connection without a transaction around it (it counts as a write).
    public func writeWithoutTransaction<T: Sendable>(_ body: @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.run(.writeWithoutTransaction, body)
    }

    /// Runs `body` on a connection, outside a transaction.
    public func read<T: Sendable>(_ body: @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.run(.read, body)
    }

    /// Closes the pool (see `DatabasePool.close()`).
    public func close() async {
        await pool.close()
    }
}
