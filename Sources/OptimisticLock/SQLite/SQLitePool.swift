/// A `Sendable` pool for a SQLite file, for servers: one writer connection and several reader
/// connections (WAL lets readers read while the writer writes), each on a thread of the pool's own.
///
/// ```swift
/// let pool = SQLitePool(path: "app.sqlite")
/// let post = try await pool.read { db in try Post.find(db, id: id) }
/// try await pool.write { db in
///     var post = post!
///     post.title = "Edited"
///     try post.update(db)
/// }
/// ```
///
/// SQLite has one writer at a time, so writes queue for the writer connection (a request waiting
/// for it suspends; it holds no thread). Each `write` is a `BEGIN IMMEDIATE` transaction; each
/// `read` a `BEGIN DEFERRED` one on a reader opened with `PRAGMA query_only`, so it cannot write.
/// Connections are opened at first use.
public final class SQLitePool: DatabasePool {
    /// `SQLiteConnection`.
    public typealias Connection = SQLiteConnection

    /// How a pool opens its connections and how long requests wait.
    public struct Configuration: Sendable {
        /// Reader connections beside the writer; 0 runs reads on the writer (always so for `":memory:"`,
        /// where every connection would have a database of its own).
        public var readers: Int
        /// How long a statement waits for another connection's lock (another process's, or a
        /// checkpoint) before failing with a busy `DatabaseError`, in seconds.
        public var busyTimeout: Double
        /// How long a request waits for a free connection before failing with a `.timeout`
        /// `DatabaseError`; nil waits as long as it takes.
        public var acquireTimeout: Duration?

        /// Told about the pool's statements, transactions, conflicts, retries, waits and
        /// connections (see `DatabaseObserver`; `Telemetry` in `OptimisticLockTelemetry`); nil for none.
        public var observer: (any DatabaseObserver)?

        /// A configuration: 4 readers, a 10 s busy timeout, a 30 s acquire timeout by default.
        public init(
            readers: Int = 4, busyTimeout: Double = 10, acquireTimeout: Duration? = .seconds(30),
            observer: (any DatabaseObserver)? = nil
        ) {
            self.readers = readers
            self.busyTimeout = busyTimeout
            self.acquireTimeout = acquireTimeout
            self.observer = observer
        }
    }

    /// The database file.
    public let path: String
    /// The observer told about the pool's work; nil for none.
    public let observer: (any DatabaseObserver)?
    private let writer: ConnectionPool<SQLiteConnection>
    private let readers: ConnectionPool<SQLiteConnection>?

    /// A pool for the database at `path` (created at first use if missing).
    public init(path: String, configuration: Configuration = Configuration()) {
        self.path = path
        let busyTimeout = configuration.busyTimeout
        let observer = configuration.observer
        self.observer = observer
        writer = ConnectionPool(
            name: "sqlite-writer", capacity: 1, maxWrites: 1,
            acquireTimeout: configuration.acquireTimeout, observer: observer
        ) { _, _ in
            try SQLiteConnection(path: path, busyTimeout: busyTimeout, observer: observer)
        }
        let inMemory = path == ":memory:" || path.isEmpty
        if configuration.readers > 0 && !inMemory {
            readers = ConnectionPool(
                name: "sqlite-reader", capacity: configuration.readers,
                maxWrites: configuration.readers, acquireTimeout: configuration.acquireTimeout, observer: observer
            ) { _, _ in
                try SQLiteConnection(path: path, busyTimeout: busyTimeout, observer: observer)
            }
        } else {
            readers = nil
        }
    }

    /// Runs `body` in one transaction on the writer connection.
    public func write<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await writer.run(.write, body)
    }

    /// Runs `body` on the writer connection without a transaction around it.
    public func writeWithoutTransaction<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await writer.run(.writeWithoutTransaction, body)
    }

    /// Runs `body` in a read transaction on a reader connection.
    public func read<T: Sendable>(_ body: @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        if let readers { return try await readers.run(.read, body) }
        return try await writer.run(.read, body)
    }

    /// Closes the pool (see `DatabasePool.close()`).
    public func close() async {
        await writer.close()
        await readers?.close()
    }
}
