import OptimisticLockSQL

/// Compares the tables a schema needs with the live ones and decides what `migrate` may do: create
/// what is missing and add what can be added without losing or inventing anything; refuse the rest,
/// with the SQL a person could review.
package struct MigrationPlanner {
    let dialect: SQLDialect
    let schema: DatabaseSchema
    let expected: [String: TableSnapshot]
    let live: [String: TableSnapshot]
    /// Tables whose version column holds values no write of this library stores (NULL, 0, counters
    /// shared by several rows): they get fresh versions.
    let unusableVersions: Set<String>

    package init(
        dialect: SQLDialect, schema: DatabaseSchema, expected: [String: TableSnapshot],
        live: [String: TableSnapshot], unusableVersions: Set<String> = []
    ) {
        self.dialect = dialect
        self.schema = schema
        self.expected = expected
        self.live = live
        self.unusableVersions = unusableVersions
    }

    private func quote(_ name: String) -> String { dialect.quote(name) }

    package func plan() -> MigrationPlan {
        var changes: [MigrationPlan.Change] = []
        var refusals: [MigrationPlan.Change] = []
        for table in schema.tables {
            guard let wanted = expected[table.name] else {
                // The schema's own DDL did not make the table: another of its objects has the name.
                refusals.append(
                    .init(
                        table: table.name, column: nil,
                        summary: "\(quote(table.name)): the schema's DDL does not create this table (a name it uses twice?)",
                        sql: ["-- rename the table or the index with the same name"]))
                continue
            }
            guard let existing = live[table.name] else {
                changes.append(
                    .init(
                        table: table.name, column: nil, summary: "create table \(quote(table.name))",
                        sql: table.createStatements(dialect)))
                continue
            }
            if let kind = existing.notATable {
                refusals.append(
                    .init(
                        table: table.name, column: nil,
                        summary: "\(quote(table.name)): the database has a \(kind) with the table's name",
                        sql: [
                            "-- drop or rename the \(kind) \(quote(existing.name)), or give the model another table with @table"
                        ]))
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
            } else if !altersInPlace, references != nil, column.defaultSQL.map({ $0.uppercased() != "NULL" }) ?? false {
                refuse(
                    column.name, "SQLite cannot add a column that references another table and has a default",
                    rebuild(table, reason: "add a referencing column with a default"))
            } else if !column.notNull || column.defaultSQL != nil {
                changes.append(
                    .init(
                        table: name, column: column.name,
                        summary: "add column \(quote(name)).\(quote(column.name))",
                        sql: ["ALTER TABLE \(quote(name)) ADD COLUMN \(definition(column, references))"]))
            } else {
                var suggested = column
                suggested.defaultSQL = zero(for: column.name, of: table)
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
            if column.primaryKey, column.defaultSQL == "identity", current.defaultSQL == nil {
                refuse(
                    column.name, "the database does not assign this key (no identity or default): every insert would fail",
                    [
                        "ALTER TABLE \(quote(name)) ALTER COLUMN \(quote(column.name)) ADD GENERATED BY DEFAULT AS IDENTITY",
                        "SELECT setval(pg_get_serial_sequence('\(quote(name))', '\(column.name)'), "
                            + "coalesce(max(\(quote(column.name))), 0) + 1, false) FROM \(quote(name))",
                    ])
            } else if column.primaryKey != current.primaryKey {
                refuse(
                    column.name,
                    column.primaryKey
                        ? "is not the primary key in the database" : "is the primary key in the database but not in the schema",
                    rebuild(table, reason: "change the primary key"))
            } else if !Self.sameType(column.type, current.type) {
                refuse(
                    column.name, "has type \(current.type) in the database but \(column.type) in the schema",
                    altersInPlace
                        ? retype(name, column, from: current) : rebuild(table, reason: "change the column's type"))
            } else if !column.primaryKey && column.notNull != current.notNull {
                refuse(
                    column.name,
                    column.notNull
                        ? "may be NULL in the database but not in the schema"
                        : "is NOT NULL in the database but optional in the schema",
                    (column.notNull && altersInPlace ? backfill(table, column) : [])
                        + (altersInPlace
                            ? [
                                "ALTER TABLE \(quote(name)) ALTER COLUMN \(quote(column.name)) \(column.notNull ? "SET" : "DROP") NOT NULL"
                            ]
                            : rebuild(table, reason: "change the column's nullability")))
            } else if altersInPlace, !column.primaryKey, column.defaultSQL != current.defaultSQL {
                // A default only fills rows other code inserts (generated inserts write every
                // column), so changing it loses nothing. SQLite cannot change one in place: there
                // the old default stays, and `migrate` does not report it.
                changes.append(
                    .init(
                        table: name, column: column.name,
                        summary:
                            "\(column.defaultSQL == nil ? "drop" : "set") the default of \(quote(name)).\(quote(column.name))",
                        sql: [
                            "ALTER TABLE \(quote(name)) ALTER COLUMN \(quote(column.name)) "
                                + (column.defaultSQL.map { "SET DEFAULT \($0)" } ?? "DROP DEFAULT")
                        ]))
            }
        }
        if let version = table.versionColumn, unusableVersions.contains(name), existing.column(version) != nil {
            changes.append(
                .init(
                    table: name, column: version,
                    summary:
                        "\(quote(name)).\(quote(version)) holds versions this library never stores (NULL, out of 1...2^53-1, or shared by rows): those rows get fresh versions",
                    sql: [refillVersions(table: name, column: version)]))
        }
        let existingColumns = Set(existing.columns.map(\.name))
        for key in wanted.foreignKeys where existingColumns.contains(key.column) && !existing.foreignKeys.contains(key) {
            refuse(
                key.column, "references \(quote(key.table)) in the schema but not in the database",
                altersInPlace
                    ? [
                        "ALTER TABLE \(quote(name)) ADD FOREIGN KEY (\(quote(key.column))) REFERENCES \(quote(key.table)) (\(quote(key.targetColumn)))"
                    ]
                    : rebuild(table, reason: "add the reference"))
        }
        for key in existing.foreignKeys where wanted.column(key.column) != nil && !wanted.foreignKeys.contains(key) {
            refuse(
                key.column, "references \(quote(key.table)) in the database but not in the schema",
                altersInPlace
                    ? ["-- ALTER TABLE \(quote(name)) DROP CONSTRAINT <the foreign key of \(quote(key.column))>"]
                    : rebuild(table, reason: "drop the reference"))
        }
        func same(_ a: TableSnapshot.Index, _ b: TableSnapshot.Index) -> Bool {
            a.plain && b.plain && a.columns == b.columns && a.unique == b.unique
        }
        // A unique index or constraint the schema does not declare refuses rows the schema allows.
        // Whether it is one an earlier schema declared or one a person made cannot be told from its
        // name (PostgreSQL names a person's unnamed constraint just as it names the generator's), so
        // it is never dropped behind anyone's back: the plan refuses, with the statement to drop it.
        // An index that is not unique refuses nothing, and stays.
        for index in existing.indexes
        where index.unique && !wanted.indexes.contains(where: { same($0, index) }) {
            let columns = index.columns.map(quote).joined(separator: ", ")
            if index.constraint && !altersInPlace {
                refuse(
                    nil,
                    "the database has a UNIQUE constraint on (\(columns)) that the schema does not declare: rows the schema allows would be refused",
                    rebuild(table, reason: "drop a UNIQUE constraint"))
            } else {
                refuse(
                    nil,
                    "the database has a unique index \(quote(index.name)) on (\(columns)) that the schema does not declare: rows the schema allows would be refused",
                    [
                        index.constraint
                            ? "ALTER TABLE \(quote(name)) DROP CONSTRAINT \(quote(index.name))"
                            : "DROP INDEX \(quote(index.name))",
                        "-- first drop any foreign key that references these columns",
                        "-- or declare it in the schema (@unique)",
                    ])
            }
        }
        for index in wanted.indexes where !existing.indexes.contains(where: { same($0, index) }) {
            let indexName =
                index.name.hasPrefix("sqlite_autoindex") || index.name.hasSuffix("_key")
                ? ObjectNames.fitted(([name] + index.columns + ["key"]).joined(separator: "_"), suffix: "key") : index.name
            changes.append(
                .init(
                    table: name, column: nil,
                    summary:
                        "create \(index.unique ? "unique " : "")index \(quote(indexName)) on \(quote(name)) (\(index.columns.map(quote).joined(separator: ", ")))",
                    sql: [
                        "CREATE \(index.unique ? "UNIQUE " : "")INDEX \(quote(indexName)) ON \(quote(name)) (\(index.columns.map(quote).joined(separator: ", ")))"
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
                refillVersions(table: table.name, column: column.name),
            ]
        case .postgres:
            sql = [
                "ALTER TABLE \(name) ADD COLUMN \(version) \(column.type)",
                refillVersions(table: table.name, column: column.name),
                "ALTER TABLE \(name) ALTER COLUMN \(version) SET NOT NULL",
            ]
        }
        return .init(
            table: table.name, column: column.name,
            summary: "add the version column \(name).\(version); every existing row gets a fresh version", sql: sql)
    }

    /// True where `ALTER TABLE` changes a column's type, nullability, default and references in
    /// place (PostgreSQL); SQLite rebuilds the table for those.
    private var altersInPlace: Bool { dialect.choose(sqlite: false, postgres: true) }

    /// Every row of `table` whose version this library would never store (NULL, outside
    /// `1...2^53-1`, not an integer, or shared with another row) gets a fresh random version in
    /// `1...2^53-1`; the others keep theirs, so the versions clients hold stay good.
    private func refillVersions(table: String, column: String) -> String {
        let fresh = dialect.choose(
            sqlite: "(abs(random()) % \(largestVersionSQL)) + 1", postgres: "floor(random() * \(largestVersionSQL))::bigint + 1")
        let condition = Self.unusableVersion(dialect, table: table, column: column)
        return "UPDATE \(quote(table)) SET \(quote(column)) = \(fresh) WHERE \(condition)"
    }

    /// The condition on a row whose version this library would never store: NULL, outside
    /// `1...2^53-1`, not an integer, or shared with another row of `table`.
    static func unusableVersion(_ dialect: SQLDialect, table: String, column: String) -> String {
        let name = dialect.quote(table)
        let version = dialect.quote(column)
        let notInteger = dialect.choose(sqlite: " OR typeof(\(version)) <> 'integer'", postgres: "")
        return """
            \(version) IS NULL OR \(version) < 1 OR \(version) > \(largestVersionSQL)\(notInteger) \
            OR \(version) IN (SELECT \(version) FROM \(name) GROUP BY \(version) HAVING count(*) > 1)
            """
    }

    /// SQLite cannot alter a column: the steps of a table rebuild, for a person to review and run
    /// as a script — the new table, the rows copied, the old table dropped, the new one renamed,
    /// then its indexes (created on the old table, they would be dropped with it).
    private func rebuild(_ table: DatabaseSchema.Table, reason: String) -> [String] {
        guard !altersInPlace else { return ["-- \(reason) by hand"] }
        let temporary = table.name + "_new"
        var statements = table.description.createStatements(.sqlite, ifNotExists: false, tableName: temporary)
        let create = statements.removeFirst()
        let columns = (expected[table.name]?.columns ?? []).map(\.name)
            .filter { live[table.name]?.column($0) != nil }.map(quote).joined(separator: ", ")
        // Every column that becomes NOT NULL gets its NULLs filled first, whichever difference this
        // rebuild is printed for: the copy into the new table would fail on them.
        let backfills = (expected[table.name]?.columns ?? []).filter { column in
            column.notNull && !column.primaryKey && live[table.name]?.column(column.name)?.notNull == false
        }.flatMap { backfill(table, $0) }
        let script =
            [
                "PRAGMA foreign_keys = OFF",
                "BEGIN",
            ] + backfills.map { $0.hasSuffix(";") ? String($0.dropLast()) : $0 } + [
                create,
                columns.isEmpty
                    ? "-- no column is in both tables: copy the rows into \(quote(temporary)) by hand"
                    : "INSERT INTO \(quote(temporary)) (\(columns)) SELECT \(columns) FROM \(quote(table.name))",
            ] + keepSequence(table, temporary) + [
                "DROP TABLE \(quote(table.name))",
                "ALTER TABLE \(quote(temporary)) RENAME TO \(quote(table.name))",
            ] + statements + ["PRAGMA foreign_key_check", "COMMIT", "PRAGMA foreign_keys = ON"]
        return [
            "-- SQLite cannot \(reason) in place; rebuild the table (see https://www.sqlite.org/lang_altertable.html#otheralter).",
            "-- Run it with `sqlite3 -bail` (or stop at the first error): the shell goes on after a failed copy and would drop the table.",
        ] + script.map { $0.hasPrefix("--") ? $0 : $0 + ";" }
    }

    /// PostgreSQL's change of a column's type in place. A default of the old type cannot be cast
    /// along ("default ... cannot be cast automatically"): it is dropped first and the schema's
    /// default, if any, set after.
    private func retype(_ table: String, _ column: TableSnapshot.Column, from current: TableSnapshot.Column) -> [String] {
        let alter = "ALTER TABLE \(quote(table)) ALTER COLUMN \(quote(column.name))"
        var statements: [String] = []
        if current.defaultSQL != nil { statements.append("\(alter) DROP DEFAULT") }
        statements.append("\(alter) TYPE \(column.type) USING \(quote(column.name))::\(column.type)")
        if let wanted = column.defaultSQL { statements.append("\(alter) SET DEFAULT \(wanted)") }
        return statements
    }

    /// For an AUTOINCREMENT table: the new table takes over the old one's sequence, so ids of rows
    /// deleted before the rebuild are never handed out again (the copy alone would restart the
    /// sequence at the largest id left). `ALTER TABLE ... RENAME` renames the sequence's row too.
    private func keepSequence(_ table: DatabaseSchema.Table, _ temporary: String) -> [String] {
        guard table.description.keyIsAssignedByDatabase else { return [] }
        let old = ColumnDefault.text(table.name).sql(.sqlite)
        let new = ColumnDefault.text(temporary).sql(.sqlite)
        return [
            "DELETE FROM sqlite_sequence WHERE name = \(new)",
            "INSERT INTO sqlite_sequence (name, seq) SELECT \(new), seq FROM sqlite_sequence WHERE name = \(old)",
        ]
    }

    /// Whether two column types, as the database spells them, are the same type.
    static func sameType(_ a: String, _ b: String) -> Bool {
        a.lowercased() == b.lowercased()
    }

    /// Before a column becomes NOT NULL, the rows holding NULL need a value (there may be none):
    /// the schema's default, else the type's zero, for a person to review.
    /// A version column's NULLs get fresh versions (what `migrate` gives a new version column).
    private func backfill(_ table: DatabaseSchema.Table, _ column: TableSnapshot.Column) -> [String] {
        let comment: String
        let statement: String
        if table.versionColumn == column.name {
            comment = "-- first give the rows without a version a fresh one:"
            statement = refillVersions(table: table.name, column: column.name)
        } else {
            let value = column.defaultSQL ?? zero(for: column.name, of: table)
            comment =
                "-- first give the rows holding NULL a value (\(column.defaultSQL == nil ? "choose it" : "the schema's default")):"
            statement = "UPDATE \(quote(table.name)) SET \(quote(column.name)) = \(value) WHERE \(quote(column.name)) IS NULL"
        }
        return [comment, dialect.choose(sqlite: statement + ";", postgres: statement)]
    }

    /// A value of the column's type to suggest where the schema gives none, spelled from its
    /// description (every column type must say; a column the description lacks gets `0`).
    private func zero(for column: String, of table: DatabaseSchema.Table) -> String {
        guard let type = table.description.columns.first(where: { $0.name == column })?.type else { return "0" }
        switch type {
        case .integer64, .integer32, .double: return "0"
        case .boolean: return dialect.choose(sqlite: "0", postgres: "false")
        case .text: return "''"
        case .decimal: return dialect.choose(sqlite: "'0'", postgres: "0")
        case .bytes: return dialect.choose(sqlite: "x''", postgres: "''::bytea")
        case .uuid:
            return dialect.choose(
                sqlite: "x'00000000000000000000000000000000'", postgres: "'00000000-0000-0000-0000-000000000000'")
        case .timestamp: return dialect.choose(sqlite: "0", postgres: "now()")
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
}

extension Substring {
    func trimmingWhitespace() -> String { String(self).trimmingWhitespace() }
}
