/// Something a `DatabaseObserver` is told that is not a statement or a transaction: a conflict, a
/// retry, a wait for a connection, a change in a pool's connections. Which fields are set depends
/// on the kind.
public struct DatabaseEvent: Sendable {
    /// What happened. Kinds are values, so a release can add one without breaking a `switch`.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        /// The kind's stable name.
        public let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// The name.
        public var description: String { name }

        /// A checked write found the row changed or deleted (`conflict`).
        public static let conflict = Kind("conflict")
        /// `retryOnConflict` runs its closure again after `error`; `attempt` is the one that
        /// failed (1 for the first).
        public static let retry = Kind("retry")
        /// `retryOnConflict` gave up after `attempt` attempts, with `error`.
        public static let retriesExhausted = Kind("retriesExhausted")
        /// A pool request waited `duration` for a connection (`error` when it gave up: timeout,
        /// cancelled, pool closed).
        public static let waited = Kind("waited")
        /// A pool's connections changed: `idle` and `used` connections, `pending` requests.
        public static let usage = Kind("usage")
        /// A pool opened a connection.
        public static let connectionOpened = Kind("connectionOpened")
        /// A pool could not open a connection (`error`).
        public static let connectFailed = Kind("connectFailed")
        /// A pool found a connection broken, or left in a state it cannot reuse, and drops it; a
        /// new one replaces it at the next request.
        public static let connectionLost = Kind("connectionLost")
        /// A pool skips read replica `replica` for a while (`error`).
        public static let replicaSkipped = Kind("replicaSkipped")
    }

    /// What happened.
    public var kind: Kind
    /// `sqlite` or `postgresql`.
    public var system: String?
    /// The pool's name (`db.client.connection.pool.name`), for pool events.
    public var pool: String?
    /// The conflict, for `.conflict`.
    public var conflict: ConcurrentUpdate?
    /// The error, for retries, failed waits, failed connects, lost connections, skipped replicas.
    public var error: (any Error)?
    /// The attempt, for retries.
    public var attempt: Int?
    /// How long, for waits.
    public var duration: Duration?
    /// Idle connections, for `.usage`.
    public var idle: Int?
    /// Connections in use, for `.usage`.
    public var used: Int?
    /// Requests waiting for a connection, for `.usage`.
    public var pending: Int?
    /// The replica's index in the configuration, for `.replicaSkipped`.
    public var replica: Int?
    /// The context of the request it belongs to (see `DatabaseObserver.currentContext()`).
    public var context: (any Sendable)?

    /// An event of `kind`; set the fields it has.
    public init(_ kind: Kind, system: String? = nil, pool: String? = nil, context: (any Sendable)? = nil) {
        self.kind = kind
        self.system = system
        self.pool = pool
        self.context = context
    }
}
