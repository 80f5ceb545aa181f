#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension SchemaModel {
    /// Creates the model's table and its indexes when they do not exist yet. Create the tables a
    /// model references first (PostgreSQL checks references at once).
    public static func createTable(_ db: some DatabaseConnection) throws {
        try DatabaseSchema.refuseProblems(of: [table])
        try db.executeScript(statements.createTable)
    }

    /// The record with this primary key, or `nil`.
    @inlinable
    public static func find(_ db: some DatabaseConnection, id: Key) throws -> Self? {
        try _fetchOne(db, statements.find) { id.bind(to: $0, at: 1) }
    }

    /// Every record, in primary-key order.
    @inlinable
    public static func fetchAll(_ db: some DatabaseConnection) throws -> [Self] {
        try _fetchAll(db, statements.fetchAll) { _ in }
    }

    /// The number of rows.
    @inlinable
    public static func count(_ db: some DatabaseConnection) throws -> Int {
        let statement = try db.prepare(statements.count)
        defer { statement.reset() }
        guard try statement.step() else { return 0 }
        return try statement.read(Int.self, at: 0)
    }

    /// Replaces every field, the version included, with the row as it is now.
    ///
    /// - Throws: `RecordNotFound` when the row no longer exists (or the record was never inserted).
    @inlinable
    public mutating func reload(_ db: some DatabaseConnection) throws {
        guard let key = primaryKey else { throw RecordNotFound(table: Self.tableName, primaryKey: nil) }
        guard let current = try Self.find(db, id: key) else {
            throw RecordNotFound(table: Self.tableName, primaryKey: String(describing: key))
        }
        self = current
    }

    /// The first record a static statement with one parameter selects, or `nil`: generated finders.
    @_spi(Generated) @inlinable
    public static func fetchOneWhere(
        _ db: some DatabaseConnection, _ statement: SQLStatement,
        _ a: some DatabaseBindable
    ) throws -> Self? {
        try _fetchOne(db, statement) { a.bind(to: $0, at: 1) }
    }

    /// The first record a static statement with two parameters selects, or `nil`: generated finders.
    @_spi(Generated) @inlinable
    public static func fetchOneWhere(
        _ db: some DatabaseConnection, _ statement: SQLStatement,
        _ a: some DatabaseBindable, _ b: some DatabaseBindable
    ) throws -> Self? {
        try _fetchOne(db, statement) {
            a.bind(to: $0, at: 1)
            b.bind(to: $0, at: 2)
        }
    }

    /// The first record a static statement with three parameters selects, or `nil`: generated finders.
    @_spi(Generated) @inlinable
    public static func fetchOneWhere(
        _ db: some DatabaseConnection, _ statement: SQLStatement,
        _ a: some DatabaseBindable, _ b: some DatabaseBindable,
        _ c: some DatabaseBindable
    ) throws -> Self? {
        try _fetchOne(db, statement) {
            a.bind(to: $0, at: 1)
            b.bind(to: $0, at: 2)
            c.bind(to: $0, at: 3)
        }
    }

    /// Every record a static statement with one parameter selects: generated finders.
    @_spi(Generated) @inlinable
    public static func fetchAllWhere(
        _ db: some DatabaseConnection, _ statement: SQLStatement,
        _ a: some DatabaseBindable
    ) throws -> [Self] {
        try _fetchAll(db, statement) { a.bind(to: $0, at: 1) }
    }

    /// Every record a static statement with two parameters selects: generated finders.
    @_spi(Generated) @inlinable
    public static func fetchAllWhere(
        _ db: some DatabaseConnection, _ statement: SQLStatement,
        _ a: some DatabaseBindable, _ b: some DatabaseBindable
    ) throws -> [Self] {
        try _fetchAll(db, statement) {
            a.bind(to: $0, at: 1)
            b.bind(to: $0, at: 2)
        }
    }

    /// Every record a static statement with three parameters selects: generated finders.
    @_spi(Generated) @inlinable
    public static func fetchAllWhere(
        _ db: some DatabaseConnection, _ statement: SQLStatement,
        _ a: some DatabaseBindable, _ b: some DatabaseBindable,
        _ c: some DatabaseBindable
    ) throws -> [Self] {
        try _fetchAll(db, statement) {
            a.bind(to: $0, at: 1)
            b.bind(to: $0, at: 2)
            c.bind(to: $0, at: 3)
        }
    }

    /// The number a static `COUNT(*)` statement with one to three parameters counts: generated finders.
    @_spi(Generated) @inlinable
    public static func countWhere(
        _ db: some DatabaseConnection, _ statement: SQLStatement,
        _ values: any DatabaseBindable...
    ) throws -> Int {
        let prepared = try db.prepare(statement)
        defer { prepared.reset() }
        for (offset, value) in values.enumerated() {
            value.bind(to: prepared, at: Int32(offset + 1))
        }
        guard try prepared.step() else { return 0 }
        return try prepared.read(Int.self, at: 0)
    }

    @inlinable
    static func _fetchOne<Connection: DatabaseConnection>(
        _ db: Connection, _ sql: SQLStatement, _ bind: (Connection.Statement) -> Void
    ) throws -> Self? {
        let statement = try db.prepare(sql)
        defer { statement.reset() }
        bind(statement)
        guard try statement.step() else { return nil }
        do {
            return try Self(row: statement)
        } catch let error as DatabaseError {
            throw misfit(error, in: statement)
        }
    }

    @inlinable
    static func _fetchAll<Connection: DatabaseConnection>(
        _ db: Connection, _ sql: SQLStatement, _ bind: (Connection.Statement) -> Void
    ) throws -> [Self] {
        let statement = try db.prepare(sql)
        defer { statement.reset() }
        bind(statement)
        var records: [Self] = []
        do {
            while try statement.step() {
                records.append(try Self(row: statement))
            }
        } catch let error as DatabaseError {
            throw misfit(error, in: statement)
        }
        return records
    }

    /// A value of the current row that did not fit, reported with the table and the row's key.
    @usableFromInline
    static func misfit(_ error: DatabaseError, in statement: some PreparedStatement) -> DatabaseError {
        error.reading(table: tableName, primaryKey: keyText(in: statement))
    }

    /// The key of the current row as text, for error messages (the key column's position in field order).
    @usableFromInline
    static func keyText(in statement: some PreparedStatement) -> String? {
        guard let position = Column.allCases.firstIndex(of: keyColumn) else { return nil }
        let index = Int32(Column.allCases.distance(from: Column.allCases.startIndex, to: position))
        guard index < statement.columnCount else { return nil }
        switch try? statement.value(at: index) {
        case .null, nil: return nil
        case .integer(let value): return String(value)
        case .real(let value): return String(value)
        case .text(let value): return value
        case .blob(let bytes):
            return UUID(databaseValue: .blob(bytes))?.uuidString ?? "<\(bytes.count) bytes>"
        }
    }
}
