/// Compares the tables a schema needs with the live ones and decides what `migrate` may do: create
/// what is missing and add what can be added without losing or inventing anything; refuse the rest,
/// with the SQL a person could review.
package struct MigrationPlanner {
    let dialect: SQLDialect
    let schema: DatabaseSchema
    let expected: [String: TableSnapshot]
    let live: [String: TableSnapshot]

    package init(
        dialect: SQLDialect, schema: DatabaseSchema, expected: [String: TableSnapshot],
        live: [String: TableSnapshot]
    ) {
        self.dialect = dialect
        self.schema = schema
        self.expected = expected
        self.live = live
    }

    private func quote(_ name: String) -> String { dialect.quote(name) }

    package func plan() -> MigrationPlan {
        var changes: [MigrationPlan.Change] = []
        var refusals: [MigrationPlan.Change] = []
        for table in schema.tables {
            guard let wanted = expected[table.name] else { continue }
            guard let existing = live[table.name] else {
                changes.append(
                    .init(
                        table: table.name, column: nil, summary: "create table \(quote(table.name))",
                        sql: Self.statements(table.ddl(dialect))))
                continue
            }
            let (tableChanges, tableRefusals) = compare(table, wanted, existing)
            changes += tableChanges
            refusals += tableRefusals
        }
        return MigrationPlan(changes: changes, refusals: refusals)
    }

    /// A script split into its statements (quote-aware: names may hold semicolons).
    static func statements(_ script: String) -> [String] {
        SQLScript.statements(script)
    }

    private func compare(_ table: DatabaseSchema.Table, _ wanted: TableSnapshot, _ existing: TableSnapshot)
        -> ([MigrationPlan.Change], [MigrationPlan.Change])
    {
        var changes: [MigrationPlan.Change] = []
        var refusals: [MigrationPlan.Change] = []
        let name = table.name
        func refuse(_ column: String?, _ summary: String, _ sql: [String]) {
            refusals.append(
                .init(
                    table: name, column: column, summary: "\(quote(name))\(column.map { ".\(quote($0))" } ?? ""): \(summary)",
                    sql: sql))
        }
        for column in wanted.columns where existing.column(column.name) == nil {
            let references = wanted.foreignKeys.first { $0.column == column.name }
            if column.primaryKey {
                refuse(column.name, "the primary key is a new column", rebuild(table, reason: "change the primary key"))
            } else if column.name == table.versionColumn {
                changes.append(addVersionColumn(table, column))
            } else if !column.notNull || column.defaultSQL != nil {
                changes.append(
                    .init(
                        table: name, column: column.name,
                        summary: "add column \(quote(name)).\(quote(column.name))",
                        sql: ["ALTER TABLE \(quote(name)) ADD COLUMN \(definition(column, references))"]))
            } else {
                var suggested = column
                suggested.defaultSQL = zero(for: column.type)
                refuse(
                    column.name, "a new non-optional field without a default: existing rows would have no value for it",
                    ["ALTER TABLE \(quote(name)) ADD COLUMN \(definition(suggested, references))  -- choose the default"])
            }
        }
        for column in existing.columns where wanted.column(column.name) == nil {
            refuse(
                column.name, "the database has a column the schema does not (a field removed or renamed)",
                ["ALTER TABLE \(quote(name)) DROP COLUMN \(quote(column.name))  -- after moving its data where it belongs"])
        }
        for column in wanted.columns {
            guard let current = existing.column(column.name) else { continue }
            if column.primaryKey != current.primaryKey {
                refuse(
                    column.name,
                    column.primaryKey
                        ? "is not the primary key in the database" : "is the primary key in the database but not in the schema",
                    rebuild(table, reason: "change the primary key"))
            } else if !sameType(column.type, current.type) {
                refuse(
                    column.name, "has type \(current.type) in the database but \(column.type) in the schema",
                    dialect == .postgres
                        ? [
                            "ALTER TABLE \(quote(name)) ALTER COLUMN \(quote(column.name)) TYPE \(column.type) USING \(quote(column.name))::\(column.type)"
                        ]
                        : rebuild(table, reason: "change the column's type"))
            } else if !column.primaryKey && column.notNull != current.notNull {
                refuse(
                    column.name,
                    column.notNull
                        ? "may be NULL in the database but not in the schema"
                        : "is NOT NULL in the database but optional in the schema",
                    dialect == .postgres
                        ? [
                            "ALTER TABLE \(quote(name)) ALTER COLUMN \(quote(column.name)) \(column.notNull ? "SET" : "DROP") NOT NULL"
                        ]
                        : rebuild(table, reason: "change the column's nullability"))
            }
        }
        let existingColumns = Set(existing.columns.map(\.name))
        for key in wanted.foreignKeys where existingColumns.contains(key.column) && !existing.foreignKeys.contains(key) {
            refuse(
                key.column, "references \(quote(key.table)) in the schema but not in the database",
                dialect == .postgres
                    ? [
                        "ALTER TABLE \(quote(name)) ADD FOREIGN KEY (\(quote(key.column))) REFERENCES \(quote(key.table)) (\(quote(key.targetColumn)))"
                    ]
                    : rebuild(table, reason: "add the reference"))
        }
        for key in existing.foreignKeys where wanted.column(key.column) != nil && !wanted.foreignKeys.contains(key) {
            refuse(
                key.column, "references \(quote(key.table)) in the database but not in the schema",
                dialect == .postgres
                    ? ["-- ALTER TABLE \(quote(name)) DROP CONSTRAINT <the foreign key of \(quote(key.column))>"]
                    : rebuild(table, reason: "drop the reference"))
        }
        for index in wanted.indexes
        where !existing.indexes.contains(where: { $0.columns == index.columns && $0.unique == index.unique }) {
            let indexName =
                index.name.hasPrefix("sqlite_autoindex") || index.name.hasSuffix("_key")
                ? ([name] + index.columns + ["key"]).joined(separator: "_") : index.name
            changes.append(
                .init(
                    table: name, column: nil,
                    summary:
                        "create \(index.unique ? "unique " : "")index \(quote(indexName)) on \(quote(name)) (\(index.columns.map(quote).joined(separator: ", ")))",
                    sql: [
                        "CREATE \(index.unique ? "UNIQUE " : "")INDEX IF NOT EXISTS \(quote(indexName)) ON \(quote(name)) (\(index.columns.map(quote).joined(separator: ", ")))"
                    ]))
        }
        return (changes, refusals)
    }

    /// `"name" type [NOT NULL] [DEFAULT x] [REFERENCES "t" ("c")]`.
    private func definition(_ column: TableSnapshot.Column, _ references: TableSnapshot.ForeignKey?) -> String {
        var parts = [quote(column.name), column.type]
        if column.notNull { parts.append("NOT NULL") }
        if let value = column.defaultSQL { parts.append("DEFAULT \(value)") }
        if let references { parts.append("REFERENCES \(quote(references.table)) (\(quote(references.targetColumn)))") }
        return parts.joined(separator: " ")
    }

    /// A new version column: added, then every existing row gets a fresh random version in
    /// `1...2^53-1` (distinct with probability 1 - n²/2^54 for n rows), then (PostgreSQL) NOT NULL.
    private func addVersionColumn(_ table: DatabaseSchema.Table, _ column: TableSnapshot.Column) -> MigrationPlan.Change {
        let name = quote(table.name)
        let version = quote(column.name)
        let sql: [String]
        switch dialect {
        case .sqlite:
            sql = [
                "ALTER TABLE \(name) ADD COLUMN \(version) \(column.type) NOT NULL DEFAULT 0",
                "UPDATE \(name) SET \(version) = (abs(random()) % 9007199254740991) + 1",
            ]
        case .postgres:
            sql = [
                "ALTER TABLE \(name) ADD COLUMN \(version) \(column.type)",
                "UPDATE \(name) SET \(version) = floor(random() * 9007199254740991)::bigint + 1",
                "ALTER TABLE \(name) ALTER COLUMN \(version) SET NOT NULL",
            ]
        }
        return .init(
            table: table.name, column: column.name,
            summary: "add the version column \(name).\(version); every existing row gets a fresh version", sql: sql)
    }

    /// SQLite cannot alter a column: the steps of a table rebuild, for a person to review.
    private func rebuild(_ table: DatabaseSchema.Table, reason: String) -> [String] {
        guard dialect == .sqlite else { return ["-- \(reason) by hand"] }
        let temporary = table.name + "_new"
        let create = table.ddl(.sqlite).replacingFirst(
            "CREATE TABLE IF NOT EXISTS \(quote(table.name))",
            with: "CREATE TABLE \(quote(temporary))")
        let columns = (expected[table.name]?.columns ?? []).map(\.name)
            .filter { live[table.name]?.column($0) != nil }.map(quote).joined(separator: ", ")
        return [
            "-- SQLite cannot \(reason) in place; rebuild the table (see https://www.sqlite.org/lang_altertable.html#otheralter):",
            "PRAGMA foreign_keys = OFF",
            "BEGIN",
        ] + Self.statements(create) + [
            "INSERT INTO \(quote(temporary)) (\(columns)) SELECT \(columns) FROM \(quote(table.name))",
            "DROP TABLE \(quote(table.name))",
            "ALTER TABLE \(quote(temporary)) RENAME TO \(quote(table.name))",
            "COMMIT",
            "PRAGMA foreign_keys = ON",
        ]
    }

    private func sameType(_ a: String, _ b: String) -> Bool {
        a.lowercased() == b.lowercased()
    }

    private func zero(for type: String) -> String {
        switch type.lowercased() {
        case "text": "''"
        case "blob": "x''"
        case "bytea": "''::bytea"
        case "boolean": "false"
        case "uuid": "'00000000-0000-0000-0000-000000000000'"
        case "timestamp with time zone": "now()"
        default: "0"
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }

    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}

extension Substring {
    func trimmingWhitespace() -> String { String(self).trimmingWhitespace() }
}
