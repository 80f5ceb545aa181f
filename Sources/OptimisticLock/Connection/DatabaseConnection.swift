/// What generated code talks to: one connection to one database.
///
/// A connection is used by one thread at a time: it is deliberately not `Sendable`. Give every
/// thread, task or process its own connection (several connections to one SQLite file, or to one
/// PostgreSQL server, are exactly what optimistic locking is for), or use a pool.
public protocol DatabaseConnection: AnyObject {
    /// The backend's prepared statement type.
    associatedtype Statement: PreparedStatement

    /// The dialect of this connection's SQL.
    var dialect: SQLDialect { get }

    /// True while a `transaction { }` is open.
    var isInTransaction: Bool { get }

    /// This connection's source of version tokens (see `VersionGenerator`).
    var versionGenerator: VersionGenerator { get }

    /// The prepared statement for static SQL, compiled on first use and then reused.
    /// Bind every parameter, run, and `reset()` it before preparing it again.
    func prepare(_ statement: SQLStatement) throws -> Statement

    /// The prepared statement for SQL text (one statement), cached by its text. Parameters left
    /// unbound are NULL, never a previous run's values.
    func prepare(_ sql: String) throws -> Statement

    /// Runs SQL that may hold several statements separated by `;`, without parameters (DDL).
    func executeScript(_ sql: String) throws

    /// The observer told about this connection's work (see `DatabaseObserver`); nil for none.
    var observer: (any DatabaseObserver)? { get }

    /// What this connection's work belongs to now, for its observer: the token of the open
    /// transaction, or the context of the pool request it serves; nil otherwise.
    var observerContext: (any Sendable)? { get }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws (the error
    /// is rethrown). Nested calls become savepoints, rolled back on their own.
    ///
    /// A record written inside a transaction that rolls back keeps the new version its write gave it,
    /// which no row has: its next write throws `ConcurrentUpdate` (safely). Re-read such records.
    func transaction<T>(_ body: () throws -> T) throws -> T
}

extension DatabaseConnection {
    /// No observer.
    public var observer: (any DatabaseObserver)? { nil }

    /// No context.
    public var observerContext: (any Sendable)? { nil }

    /// A new version token from this connection's generator: what every write stores.
    @inlinable
    public func newVersion() -> Int64 {
        versionGenerator.next()
    }

    /// Runs the spelling of `statement` for this connection's dialect as a script.
    public func executeScript(_ statement: SQLStatement) throws {
        try executeScript(statement.text(for: dialect))
    }

    /// Runs one statement with bound arguments and returns the number of rows it changed.
    ///
    /// - Throws: `DatabaseError` of kind `.misuse` when the number of arguments is not the number of
    ///   parameters (nothing runs), or the database's error.
    @discardableResult
    public func execute(_ sql: String, _ arguments: [DatabaseValue] = []) throws -> Int {
        let statement = try prepare(sql)
        do {
            try statement.bind(arguments)
        } catch {
            statement.reset()
            throw error
        }
        return try statement.execute()
    }

    /// Runs one query with bound arguments and returns every row, values as they are stored.
    ///
    /// - Throws: `DatabaseError` of kind `.misuse` when the number of arguments is not the number of
    ///   parameters (nothing runs), or the database's error.
    public func query(_ sql: String, _ arguments: [DatabaseValue] = []) throws -> [Row] {
        let statement = try prepare(sql)
        defer { statement.reset() }
        try statement.bind(arguments)
        var rows: [Row] = []
        var columns: [String]?
        while try statement.step() {
            let names = columns ?? (0..<statement.columnCount).map { statement.columnName(at: $0) }
            columns = names
            rows.append(Row(columns: names, values: try (0..<statement.columnCount).map { try statement.value(at: $0) }))
        }
        return rows
    }
}
