import OptimisticLockSQL
// Queries beyond the generated finders, for every model, from the runtime: predicates on `Column`
// cases, keyset pagination by primary key, and hand-written SQL decoded strictly into models.
// Their SQL is built per call and prepared once per connection (cached by its text).

extension SchemaModel {
    /// The model's columns in field order, quoted and separated by commas: what a hand-written
    /// `SELECT` for `fetchAll(_:sql:arguments:)` lists, e.g. `"id", "version", "title"`.
    public static var columnList: String {
        Column.allCases.map { SQLDialect.sqlite.quote($0.rawValue) }.joined(separator: ", ")
    }

    static func tableStatements(_ dialect: SQLDialect) -> TableStatements {
        TableStatements(
            dialect: dialect, table: tableName, columns: Column.allCases.map(\.rawValue),
            key: keyColumn.rawValue, version: nil, keyIsAssignedByDatabase: false)
    }

    /// The records meeting every predicate, in `orderBy` order and then key order, at most `limit`.
    public static func fetchAll(
        _ db: some DatabaseConnection, where predicates: Predicate<Self>...,
        orderBy: [Ordering<Self>] = [], limit: Int? = nil
    ) throws -> [Self] {
        try query(db, predicates, orderBy: orderBy, after: nil, limit: limit)
    }

    /// The first record meeting every predicate in `orderBy` order (then key order), or `nil`.
    public static func fetchOne(
        _ db: some DatabaseConnection, where predicates: Predicate<Self>...,
        orderBy: [Ordering<Self>] = []
    ) throws -> Self? {
        try query(db, predicates, orderBy: orderBy, after: nil, limit: 1).first
    }

    /// The number of records meeting every predicate.
    public static func count(_ db: some DatabaseConnection, where predicates: Predicate<Self>...) throws -> Int {
        var next = 1
        let conditions = predicates.map { $0.sql(db.dialect, next: &next) }
        let statement = try db.prepare(tableStatements(db.dialect).count(conditions: conditions))
        defer { statement.reset() }
        bind(predicates, to: statement)
        guard try statement.step() else { return 0 }
        return try statement.read(Int.self, at: 0)
    }

    /// One page of the records meeting every predicate, in key order: those after the key `after`
    /// (nil for the first page), at most `limit` (at least 1), with the cursor of the next page
    /// (one more row is read to know whether there is one). The next page starts after the last
    /// record's key, so pages never skip or repeat a row, however rows are inserted or deleted in
    /// between.
    ///
    /// ```swift
    /// let first = try Post.fetchPage(db, where: .equal(.authorID, 7), after: nil, limit: 20)
    /// let second = try Post.fetchPage(db, where: .equal(.authorID, 7), after: first.nextCursor, limit: 20)
    /// ```
    public static func fetchPage(
        _ db: some DatabaseConnection, where predicates: Predicate<Self>...,
        after: Key?, limit: Int
    ) throws -> RecordPage<Self> {
        guard limit >= 1 else { throw DatabaseError.misuse("a page's limit is \(limit); it must be at least 1", sql: nil) }
        var records = try query(db, predicates, orderBy: [], after: after, limit: limit == Int.max ? limit : limit + 1)
        guard records.count > limit else { return RecordPage(records: records, nextCursor: nil) }
        records.removeLast(records.count - limit)
        return RecordPage(records: records, nextCursor: records.last?.primaryKey)
    }

    static func query(
        _ db: some DatabaseConnection, _ predicates: [Predicate<Self>], orderBy: [Ordering<Self>],
        after: Key?, limit: Int?
    ) throws -> [Self] {
        if let limit, limit < 0 {
            throw DatabaseError.misuse("limit \(limit) is negative", sql: nil)
        }
        let dialect = db.dialect
        var next = 1
        var conditions = predicates.map { $0.sql(dialect, next: &next) }
        if after != nil {
            conditions.append("\(dialect.quote(keyColumn.rawValue)) > \(dialect.placeholder(next))")
            next += 1
        }
        let limitPlaceholder = limit == nil ? nil : dialect.placeholder(next)
        let sql = tableStatements(dialect).select(
            conditions: conditions, order: orderBy.map { $0.sql(dialect) },
            limit: limitPlaceholder)
        let statement = try db.prepare(sql)
        defer { statement.reset() }
        var index = bind(predicates, to: statement)
        if let after {
            after.bind(to: statement, at: index)
            index += 1
        }
        if let limit { statement.bind(int64: Int64(limit), at: index) }
        return try decodeAll(statement)
    }

    /// Binds the predicates' values in order; returns the next parameter index.
    @discardableResult
    static func bind(_ predicates: [Predicate<Self>], to statement: some PreparedStatement) -> Int32 {
        var index: Int32 = 1
        for predicate in predicates {
            for value in predicate.values {
                value.bind(to: statement, at: index)
                index += 1
            }
        }
        return index
    }

    // MARK: Your own SQL

    /// The records your own SQL selects. It must select the model's columns, by name, in any order
    /// (`SELECT * FROM "posts"` keeps working after `migrate` added a column, which goes last;
    /// `SELECT p.*, a."name" FROM ...` may select others too); each row is read strictly, as `find`
    /// reads one. Placeholders are the backend's: `?` on SQLite, `$1`, `$2`, ... on PostgreSQL.
    ///
    /// - Throws: `DatabaseError` of kind `.misuse` naming the missing columns, or those selected
    ///   twice; `.invalidStoredValue` for a value that does not fit its field; or the database's error.
    public static func fetchAll(_ db: some DatabaseConnection, sql: String, arguments: [DatabaseValue] = []) throws -> [Self] {
        let statement = try db.prepare(sql)
        defer { statement.reset() }
        try statement.bind(arguments)
        return try decodeAll(statement, checkingColumns: true)
    }

    /// The first record your own SQL selects, or `nil` (see `fetchAll(_:sql:arguments:)`).
    public static func fetchOne(_ db: some DatabaseConnection, sql: String, arguments: [DatabaseValue] = []) throws -> Self? {
        let statement = try db.prepare(sql)
        defer { statement.reset() }
        try statement.bind(arguments)
        let found = try statement.step()
        // Checked whether a row came back or not, as `fetchAll` checks.
        let order = try columnOrder(statement)
        guard found else { return nil }
        if let order { return try decode(ColumnsByName(statement, order: order)) }
        return try decode(statement)
    }

    /// The record of the statement's current row; a value that does not fit names the row's key.
    private static func decode(_ statement: some PreparedStatement) throws -> Self {
        do {
            return try Self(row: statement)
        } catch let error as DatabaseError {
            throw misfit(error, in: statement)
        }
    }

    static func decodeAll(_ statement: some PreparedStatement, checkingColumns: Bool = false) throws -> [Self] {
        let more = try statement.step()
        // The columns are known once the statement ran, rows or not: a query whose columns are
        // wrong fails on an empty table too, not only once it has rows.
        if checkingColumns, let order = try columnOrder(statement) {
            return try decodeRows(ColumnsByName(statement, order: order), more: more)
        }
        return try decodeRows(statement, more: more)
    }

    private static func decodeRows(_ statement: some PreparedStatement, more first: Bool) throws -> [Self] {
        var records: [Self] = []
        var more = first
        do {
            while more {
                records.append(try Self(row: statement))
                more = try statement.step()
            }
        } catch let error as DatabaseError where error.kind == .invalidStoredValue {
            throw misfit(error, in: statement)
        }
        return records
    }

    /// Where each of the model's columns is in the result: nil when they are exactly the result's
    /// columns in field order (read as they are); else the result's index of each, in field order.
    /// Refuses a result that lacks a column or has one twice: never a default for a column that is
    /// not there, never a value read from the wrong column.
    static func columnOrder(_ statement: some PreparedStatement) throws -> [Int32]? {
        let expected = Column.allCases.map(\.rawValue)
        let actual = (0..<statement.columnCount).map { statement.columnName(at: $0) }
        if actual == expected { return nil }
        var order: [Int32] = []
        var missing: [String] = []
        var twice: [String] = []
        for name in expected {
            let found = actual.indices.filter { actual[$0] == name }
            if found.isEmpty { missing.append(name) }
            if found.count > 1 { twice.append(name) }
            order.append(Int32(found.first ?? 0))
        }
        guard missing.isEmpty && twice.isEmpty else {
            var problems: [String] = []
            if !missing.isEmpty { problems.append("missing " + missing.map { "\"\($0)\"" }.joined(separator: ", ")) }
            if !twice.isEmpty { problems.append("selected twice " + twice.map { "\"\($0)\"" }.joined(separator: ", ")) }
            throw DatabaseError.misuse(
                "the query's columns are not those of \(Self.self) (\(problems.joined(separator: "; "))): select \(columnList)",
                sql: statement.sql)
        }
        return order
    }
}
