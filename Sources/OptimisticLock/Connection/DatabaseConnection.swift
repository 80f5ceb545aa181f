/// What generated code talks to: one connection to one database.
///
/// A connection is used by one thread at a time: it is deliberately not `Sendable`. Give every
/// thread, task or process its own connection (several connections to one SQLite file, or to one
/// PostgreSQL server, are exactly what optimistic locking is for).
public protocol DatabaseConnection: AnyObject {
    /// The backend's prepared statement type.
    associatedtype Statement: PreparedStatement

    /// The dialect of this connection's SQL.
    var dialect: SQLDialect { get }

    /// True while a `transaction { }` is open.
    var isInTransaction: Bool { get }

    /// The prepared statement for static SQL, compiled on first use and then reused.
    /// Bind, run, and `reset()` it before preparing it again.
    func prepare(_ statement: SQLStatement) throws -> Statement

    /// The prepared statement for SQL text (one statement), cached by its text.
    func prepare(_ sql: String) throws -> Statement

    /// Runs SQL that may hold several statements separated by `;`, without parameters (DDL).
    func executeScript(_ sql: String) throws

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws (the error
    /// is rethrown). Nested calls become savepoints, rolled back on their own.
    func transaction<T>(_ body: () throws -> T) throws -> T
}

extension DatabaseConnection {
    /// Runs the spelling of `statement` for this connection's dialect as a script.
    public func executeScript(_ statement: SQLStatement) throws {
        try executeScript(statement.text(for: dialect).description)
    }

    /// Runs one statement with bound arguments and returns the number of rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ arguments: [DatabaseValue] = []) throws -> Int {
        let statement = try prepare(sql)
        statement.bind(arguments)
        return try statement.execute()
    }

    /// Runs one query with bound arguments and returns every row.
    public func query(_ sql: String, _ arguments: [DatabaseValue] = []) throws -> [Row] {
        let statement = try prepare(sql)
        defer { statement.reset() }
        statement.bind(arguments)
        var rows: [Row] = []
        var columns: [String]?
        while try statement.step() {
            let names = columns ?? (0..<statement.columnCount).map { statement.columnName(at: $0) }
            columns = names
            rows.append(Row(columns: names, values: (0..<statement.columnCount).map { statement.value(at: $0) }))
        }
        return rows
    }
}
