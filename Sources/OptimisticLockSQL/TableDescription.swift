/// The column a `REFERENCES` clause names.
public struct ColumnReference: Sendable, Hashable {
    /// The referenced table.
    public var table: String
    /// The referenced column (its primary key).
    public var column: String

    /// A reference.
    public init(table: String, column: String) {
        self.table = table
        self.column = column
    }
}

/// One column of a table description.
public struct ColumnDescription: Sendable, Hashable {
    /// The SQL name (unquoted).
    public var name: String
    /// How it stores its values.
    public var type: ColumnType
    /// True when it may be NULL.
    public var isOptional: Bool
    /// The declared default, if any.
    public var defaultValue: ColumnDefault?
    /// True for a single-column `UNIQUE`.
    public var isUnique: Bool
    /// The table and column a `REFERENCES` clause names, if any.
    public var references: ColumnReference?

    /// Describes a column.
    public init(
        name: String, type: ColumnType, isOptional: Bool = false, defaultValue: ColumnDefault? = nil,
        isUnique: Bool = false, references: ColumnReference? = nil
    ) {
        self.name = name
        self.type = type
        self.isOptional = isOptional
        self.defaultValue = defaultValue
        self.isUnique = isUnique
        self.references = references
    }
}

/// A model's table, neutral of dialect: names, column types, key, version, constraints and
/// indexes, and no SQL text. `OptimisticLockSQL` spells every statement from it — the DDL here
/// (`createTable(_:)`), the DML through `statements(_:)` — with an exhaustive `switch` over the
/// dialect wherever the dialects differ, so a new dialect cannot compile until every spelling
/// names it.
public struct TableDescription: Sendable, Hashable {
    /// The table's SQL name (unquoted).
    public var name: String
    /// Every column in field order.
    public var columns: [ColumnDescription]
    /// The primary-key column's name.
    public var key: String
    /// True when the database assigns the key (an integer key).
    public var keyIsAssignedByDatabase: Bool
    /// The version column's name; nil for an `@unversioned` model.
    public var version: String?
    /// Multi-column `UNIQUE` constraints, by column names.
    public var uniques: [[String]]
    /// The indexes, by column names, in DDL order.
    public var indexes: [[String]]

    /// Describes a table.
    public init(
        name: String, columns: [ColumnDescription], key: String, keyIsAssignedByDatabase: Bool, version: String?,
        uniques: [[String]] = [], indexes: [[String]] = []
    ) {
        self.name = name
        self.columns = columns
        self.key = key
        self.keyIsAssignedByDatabase = keyIsAssignedByDatabase
        self.version = version
        self.uniques = uniques
        self.indexes = indexes
    }

    /// What makes the description one no table can follow, each said in a sentence: no columns, a
    /// column named twice, a key, version, unique or index column that is not among the columns, a
    /// database-assigned key that is not an integer. Empty for every description the generator
    /// writes; the runtime refuses to create or migrate a table from one that has problems, since
    /// its DDL would silently lack a primary key or an index.
    public var problems: [String] {
        var found: [String] = []
        let names = columns.map(\.name)
        if names.isEmpty { found.append("table \"\(name)\" has no columns") }
        var seen: Set<String> = []
        for column in names where !seen.insert(column).inserted {
            found.append("column \"\(column)\" of \"\(name)\" is described twice")
        }
        func check(_ column: String, _ role: String) {
            if !names.contains(column) { found.append("the \(role) \"\(column)\" is not a column of \"\(name)\"") }
        }
        check(key, "key")
        if let version { check(version, "version column") }
        for column in uniques.joined() { check(column, "unique column") }
        for column in indexes.joined() { check(column, "indexed column") }
        if keyIsAssignedByDatabase, let keyColumn = columns.first(where: { $0.name == key }),
            keyColumn.type != .integer64 && keyColumn.type != .integer32
        {
            found.append("the key \"\(key)\" of \"\(name)\" is assigned by the database but is not an integer")
        }
        return found
    }

    /// The table's statements spelled for `dialect` (the library's own: not part of its API).
    package func statements(_ dialect: SQLDialect) -> TableStatements {
        TableStatements(
            dialect: dialect, table: name, columns: columns.map(\.name), key: key, version: version,
            keyIsAssignedByDatabase: keyIsAssignedByDatabase)
    }

    /// `table_col1_col2_idx`, shortened with a hash when longer than PostgreSQL's 63-byte limit:
    /// the name `createTable` gives an index on `columns`.
    public static func indexName(table: String, columns: [String]) -> String {
        ObjectNames.fitted(([table] + columns + ["idx"]).joined(separator: "_"), suffix: "idx")
    }

    /// `CREATE TABLE IF NOT EXISTS` with its constraints, then one `CREATE INDEX IF NOT EXISTS` per
    /// index; each statement `;`-terminated on lines of its own.
    public func createTable(_ dialect: SQLDialect) -> String {
        createStatements(dialect, ifNotExists: true).map { $0 + ";\n" }.joined()
    }

    /// The statements that create the table and then its indexes, one per element, unterminated.
    /// `ifNotExists: false` is what `migrate` runs for a table it found missing: a name another
    /// object already holds must fail, not leave the table or an index out. `tableName` creates the
    /// table under another name (a rebuild's new table, renamed afterwards); the indexes keep the
    /// table's own name and are created on it.
    public func createStatements(_ dialect: SQLDialect, ifNotExists: Bool, tableName: String? = nil) -> [String] {
        let condition = ifNotExists ? "IF NOT EXISTS " : ""
        var lines = columns.map { "    " + definition($0, dialect) }
        for unique in uniques {
            lines.append("    UNIQUE (" + unique.map(dialect.quote).joined(separator: ", ") + ")")
        }
        var statements = [
            "CREATE TABLE \(condition)\(dialect.quote(tableName ?? name)) (\n" + lines.joined(separator: ",\n") + "\n)"
        ]
        for index in indexes {
            let indexName = Self.indexName(table: name, columns: index)
            statements.append(
                "CREATE INDEX \(condition)\(dialect.quote(indexName)) ON \(dialect.quote(name)) ("
                    + index.map(dialect.quote).joined(separator: ", ") + ")")
        }
        return statements
    }

    private func definition(_ column: ColumnDescription, _ dialect: SQLDialect) -> String {
        var parts = [dialect.quote(column.name)]
        if column.name == key, keyIsAssignedByDatabase {
            // AUTOINCREMENT / IDENTITY never hand out a deleted row's id again, so a stale record
            // can never match a newer row that happens to reuse its id and version.
            switch dialect {
            case .sqlite: parts.append("INTEGER PRIMARY KEY AUTOINCREMENT")
            case .postgres: parts.append("bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
            }
            return parts.joined(separator: " ")
        }
        parts.append(column.type.sql(dialect))
        if !column.isOptional { parts.append("NOT NULL") }
        if column.name == key { parts.append("PRIMARY KEY") }
        if let value = column.defaultValue { parts.append("DEFAULT " + value.sql(dialect)) }
        if column.isUnique { parts.append("UNIQUE") }
        if let target = column.references {
            parts.append("REFERENCES \(dialect.quote(target.table)) (\(dialect.quote(target.column)))")
        }
        return parts.joined(separator: " ")
    }
}
