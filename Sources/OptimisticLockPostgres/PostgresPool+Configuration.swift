import OptimisticLock

extension PostgresPool {
    /// How many connections a pool opens, how long requests wait, and which servers it reads from.
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
        /// Streaming replicas (connection URLs) that serve `read`: in turn, each only once it has
        /// replayed the pool's last commit (or the position a `read(after:)` names); writes, and
        /// reads no replica can serve in time, run on the primary. A replica that cannot be
        /// reached is skipped for a while (its connect timeout is 2 s unless its URL says
        /// otherwise). Each replica gets `connections` connections of its own.
        public var readReplicas: [String]
        /// How long a read waits for a replica to replay the position it needs before it reads on
        /// the primary instead. 50 ms by default.
        public var replicaWaitTimeout: Duration
        /// How long a read waits for a replica's answers before it gives up on that replica
        /// (skipping it for a while) and reads on the primary: what a replica that hangs — a
        /// partition, a stopped server — costs a read, instead of the request timeout. Reads that
        /// take longer than this on a replica run again on the primary. nil: the request timeout.
        /// 10 seconds by default.
        public var replicaTimeout: Duration?
        /// Told about the pool's statements, transactions, conflicts, retries, waits, connections
        /// and replicas (see `DatabaseObserver`; `Telemetry` in `OptimisticLockTelemetry`); nil for
        /// none.
        public var observer: (any DatabaseObserver)?
        /// True when the servers are reached through a pooler in transaction mode (PgBouncer, a
        /// cloud provider's pooler), which hands a server connection to another client after each
        /// transaction: then no named prepared statement and no session state is relied on.
        /// Statements run as unnamed statements (parsed by the server at each run, in the same
        /// round trip); `statementTimeout` holds for each `write` transaction (`SET LOCAL`, sent
        /// with its `BEGIN`), while statements outside a transaction are bounded by
        /// `requestTimeout` (whose cancel the pooler forwards); reads are not made read-only.
        /// Nothing set for one pool's requests reaches another client. False by default.
        public var transactionPooling: Bool

        /// A configuration: 8 connections, 7 of them for writes, a 30 s acquire timeout and a 60 s
        /// request timeout by default; no replicas.
        public init(
            connections: Int = 8, maxConcurrentWrites: Int? = nil, acquireTimeout: Duration? = .seconds(30),
            requestTimeout: Duration? = .seconds(60), statementTimeout: Duration? = nil, readReplicas: [String] = [],
            replicaWaitTimeout: Duration = .milliseconds(50), replicaTimeout: Duration? = .seconds(10),
            transactionPooling: Bool = false, observer: (any DatabaseObserver)? = nil
        ) {
            self.connections = connections
            self.maxConcurrentWrites = maxConcurrentWrites
            self.acquireTimeout = acquireTimeout
            self.requestTimeout = requestTimeout
            self.statementTimeout = statementTimeout
            self.readReplicas = readReplicas
            self.replicaWaitTimeout = replicaWaitTimeout
            self.replicaTimeout = replicaTimeout
            self.transactionPooling = transactionPooling
            self.observer = observer
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
}
