/// The statements a model runs, spelled for one dialect from its table and column names.
///
/// This is the only place their SQL is written: the schema compiler calls it (through
/// `TableDescription.statements(_:)`) to emit each model's statements as static strings, and the
/// runtime calls it for the statements it builds on demand (`update(_:columns:)`). Every identifier is quoted and every value is a parameter.
///
/// Parameter order, which generated code and the runtime bind by:
/// - insert: the value columns, then the version, then the key (when the key is given);
/// - update: the value columns, then the new version, then the key, then the expected version;
/// - delete and currentVersion: the key, then the expected version;
/// - find: the key.
public struct TableStatements: Sendable {
    /// The dialect of the spelled statements.
    public let dialect: SQLDialect
    /// The table's SQL name (unquoted).
    public let table: String
    /// Every column in field order (unquoted): the order of `SELECT` lists.
    public let columns: [String]
    /// The primary-key column.
    public let key: String
    /// The version column; nil for an `@unversioned` model.
    public let version: String?
    /// True when the database assigns the key (an integer key): the insert without a key returns it.
    public let keyIsAssignedByDatabase: Bool

    /// Describes a table.
    public init(
        dialect: SQLDialect, table: String, columns: [String], key: String, version: String?,
        keyIsAssignedByDatabase: Bool
    ) {
        self.dialect = dialect
        self.table = table
        self.columns = columns
        self.key = key
        self.version = version
        self.keyIsAssignedByDatabase = keyIsAssignedByDatabase
    }

    private var quotedTable: String { dialect.quote(table) }

    /// The columns that are neither the key nor the version, in field order.
    public var valueColumns: [String] { columns.filter { $0 != key && $0 != version } }

    /// `INSERT INTO t (values..., version[, key]) VALUES (...)`; on PostgreSQL an insert without the key
    /// returns the key the database assigned.
    public func insert(withKey: Bool) -> String {
        var names = valueColumns
        if let version { names.append(version) }
        if withKey || !keyIsAssignedByDatabase { names.append(key) }
        let list = names.map(dialect.quote).joined(separator: ", ")
        let values = names.indices.map { dialect.placeholder($0 + 1) }.joined(separator: ", ")
        var sql = "INSERT INTO \(quotedTable) (\(list)) VALUES (\(values))"
        if !withKey, keyIsAssignedByDatabase {
            // SQLite reports the assigned key through sqlite3_last_insert_rowid.
            switch dialect {
            case .sqlite: break
            case .postgres: sql += " RETURNING \(dialect.quote(key))"
            }
        }
        return sql
    }

    /// The full update: every value column, a new version, where key and expected version match.
    public func update() -> String {
        update(columns: valueColumns)
    }

    /// `UPDATE t SET c1 = ?, ..., version = ? WHERE key = ? AND version = ?` for the given columns, in
    /// order (the key and the version among them are ignored). Without a version column (an
    /// `@unversioned` model) there is neither the new version nor the check; an empty list then sets
    /// the key to itself, so the statement still reports whether the row exists.
    public func update(columns selected: [String]) -> String {
        var assignments: [String] = []
        var next = 1
        for column in selected where column != key && column != version {
            assignments.append("\(dialect.quote(column)) = \(dialect.placeholder(next))")
            next += 1
        }
        if let version {
            assignments.append("\(dialect.quote(version)) = \(dialect.placeholder(next))")
            next += 1
        }
        if assignments.isEmpty {
            assignments.append("\(dialect.quote(key)) = \(dialect.quote(key))")
        }
        var sql = "UPDATE \(quotedTable) SET \(assignments.joined(separator: ", "))"
        sql += " WHERE \(dialect.quote(key)) = \(dialect.placeholder(next))"
        if let version {
            sql += " AND \(dialect.quote(version)) = \(dialect.placeholder(next + 1))"
        }
        return sql
    }

    /// Inserts, or on a key conflict overwrites the value columns: `save` of an `@unversioned` model.
    public func upsert() -> String {
        let assignments = valueColumns.map { "\(dialect.quote($0)) = excluded.\(dialect.quote($0))" }
        let action = assignments.isEmpty ? "DO NOTHING" : "DO UPDATE SET " + assignments.joined(separator: ", ")
        return insert(withKey: true) + " ON CONFLICT (\(dialect.quote(key))) " + action
    }

    /// `DELETE FROM t WHERE key = ? [AND version = ?]`.
    public func delete() -> String {
        var sql = "DELETE FROM \(quotedTable) WHERE \(dialect.quote(key)) = \(dialect.placeholder(1))"
        if let version {
            sql += " AND \(dialect.quote(version)) = \(dialect.placeholder(2))"
        }
        return sql
    }

    /// `SELECT` of every column in field order, without a clause.
    public func select() -> String {
        "SELECT " + columns.map(dialect.quote).joined(separator: ", ") + " FROM \(quotedTable)"
    }

    /// One row by a column's value.
    public func select(where column: String) -> String {
        select() + " WHERE \(dialect.quote(column)) = \(dialect.placeholder(1))"
    }

    /// Every column of the rows meeting every condition (`AND`), in `order` (`"col" DESC` fragments;
    /// the key last, so the order is stable), at most `limit` (a placeholder) rows.
    public func select(conditions: [String], order: [String], limit: String?) -> String {
        var sql = select()
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY " + (order + [dialect.quote(key)]).joined(separator: ", ")
        if let limit { sql += " LIMIT " + limit }
        return sql
    }

    /// Every column of the rows whose `columns` equal parameters 1, 2, ..., in key order: a finder.
    public func select(whereEqual columns: [String]) -> String {
        select(conditions: equalities(columns), order: [], limit: nil)
    }

    /// The number of rows whose `columns` equal parameters 1, 2, ...: a finder's count.
    public func count(whereEqual columns: [String]) -> String {
        count(conditions: equalities(columns))
    }

    private func equalities(_ columns: [String]) -> [String] {
        columns.enumerated().map { "\(dialect.quote($0.element)) = \(dialect.placeholder($0.offset + 1))" }
    }

    /// The number of rows meeting every condition.
    public func count(conditions: [String]) -> String {
        conditions.isEmpty ? count() : count() + " WHERE " + conditions.joined(separator: " AND ")
    }

    /// Every row in key order.
    public func fetchAll() -> String {
        select() + " ORDER BY \(dialect.quote(key))"
    }

    /// The number of rows.
    public func count() -> String {
        "SELECT COUNT(*) FROM \(quotedTable)"
    }

    /// The current version of one row: asked only after a conditional statement changed nothing.
    /// Empty for an `@unversioned` model.
    public func currentVersion() -> String {
        guard let version else { return "" }
        return "SELECT \(dialect.quote(version)) FROM \(quotedTable) WHERE \(dialect.quote(key)) = \(dialect.placeholder(1))"
    }
}
