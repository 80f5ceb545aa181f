/// A statement or a transaction, as a `DatabaseObserver` sees it: what it is, where it runs, and
/// what it belongs to. Named after OpenTelemetry's database conventions.
public struct DatabaseOperation: Sendable {
    /// A statement, or a transaction.
    public var isTransaction: Bool
    /// The statement's SQL, with its parameters as placeholders (never the values); nil for a
    /// transaction.
    public var sql: String?
    /// `SELECT`, `INSERT`, `UPDATE`, `DELETE`, ... (`db.operation.name`); for a transaction,
    /// `TRANSACTION`.
    public var operationName: String?
    /// The table the statement works on, when it names one (`db.collection.name`).
    public var collectionName: String?
    /// `sqlite` or `postgresql` (`db.system.name`).
    public var system: String
    /// The database: a SQLite file's name, a PostgreSQL database's name (`db.namespace`).
    public var namespace: String?
    /// The PostgreSQL server's host (`server.address`), nil for SQLite.
    public var serverAddress: String?
    /// The PostgreSQL server's port (`server.port`).
    public var serverPort: Int?
    /// What it belongs to: the token of the transaction it runs in, or the context of the pool
    /// request (`DatabaseObserver.currentContext()`), or nil.
    public var parent: (any Sendable)?

    /// An operation.
    public init(
        isTransaction: Bool, sql: String?, operationName: String?, collectionName: String?, system: String,
        namespace: String?, serverAddress: String? = nil, serverPort: Int? = nil, parent: (any Sendable)?
    ) {
        self.isTransaction = isTransaction
        self.sql = sql
        self.operationName = operationName
        self.collectionName = collectionName
        self.system = system
        self.namespace = namespace
        self.serverAddress = serverAddress
        self.serverPort = serverPort
        self.parent = parent
    }

    /// How an operation ended.
    public struct Outcome: Sendable {
        /// How long it took.
        public var duration: Duration
        /// The rows a statement changed, when it ran to its end and said.
        public var rowsChanged: Int?
        /// Why it failed; nil when it succeeded (a transaction: committed).
        public var error: (any Error)?

        /// An outcome.
        public init(duration: Duration, rowsChanged: Int? = nil, error: (any Error)? = nil) {
            self.duration = duration
            self.rowsChanged = rowsChanged
            self.error = error
        }
    }
}

extension SQLDialect {
    /// OpenTelemetry's name of the database system (`db.system.name`): `sqlite`, `postgresql`.
    public var systemName: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres: "postgresql"
        }
    }
}
