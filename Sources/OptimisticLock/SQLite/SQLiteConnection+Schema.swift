extension SQLiteConnection: SchemaInspecting {
    /// The live tables among `names`, read from SQLite's `pragma` tables.
    package func liveTables(_ names: [String]) throws -> [String: TableSnapshot] {
        try Self.inspect(self, names)
    }

    /// `SELECT "fingerprint" FROM "optimistic_lock_schema"` (a database file has one schema).
    package var recordedFingerprintSQL: String {
        "SELECT \(dialect.quote("fingerprint")) FROM \(dialect.quote(fingerprintTable))"
    }

    /// The tables the schema's DDL creates in a private in-memory database (without `IF NOT
    /// EXISTS`: a name two objects want fails here instead of leaving one out).
    package func expectedTables(_ schema: DatabaseSchema) throws -> [String: TableSnapshot] {
        let scratch = try SQLiteConnection(path: ":memory:")
        for table in schema.tables {
            for statement in table.createStatements(.sqlite) { try scratch.executeScript(statement) }
        }
        return try Self.inspect(scratch, schema.tables.map(\.name))
    }

    /// `BEGIN IMMEDIATE`: the write lock keeps other migrating processes out.
    package func migrationTransaction<T>(_ body: () throws -> T) throws -> T {
        try transaction(body)
    }

    static func inspect(_ db: SQLiteConnection, _ names: [String]) throws -> [String: TableSnapshot] {
        var tables: [String: TableSnapshot] = [:]
        for name in names {
            // SQLite's names ignore case: a table "Thing" is the table "thing".
            let relation = try db.query("SELECT type FROM sqlite_master WHERE name = ? COLLATE NOCASE", [.text(name)])
            guard let kind = try relation.first?.string("type") else { continue }
            guard kind == "table" else {
                tables[name] = TableSnapshot(name: name, columns: [], indexes: [], foreignKeys: [], notATable: kind)
                continue
            }
            let columns = try db.query(
                #"SELECT "name", "type", "notnull", "dflt_value", "pk" FROM pragma_table_info(?) ORDER BY "cid""#,
                [.text(name)]
            ).map { row in
                TableSnapshot.Column(
                    name: try row.string("name"), type: try row.string("type"),
                    notNull: try row.int64("notnull") != 0, primaryKey: try row.int64("pk") != 0,
                    defaultSQL: try row.decode(String?.self, "dflt_value"))
            }
            var indexes: [TableSnapshot.Index] = []
            for index in try db.query(
                #"SELECT "name", "unique", "origin", "partial" FROM pragma_index_list(?)"#, [.text(name)])
            {
                guard try index.string("origin") != "pk" else { continue }
                let indexName = try index.string("name")
                // An expression's column has no name; a collation other than BINARY (NOCASE, say)
                // makes values equal that the schema's index keeps apart.
                let keyColumns = try db.query(
                    #"SELECT "name", "coll" FROM pragma_index_xinfo(?) WHERE "key" = 1 ORDER BY "seqno""#, [.text(indexName)])
                let indexColumns = try keyColumns.map { try $0.decode(String?.self, "name") }
                let binary = try keyColumns.allSatisfy {
                    try $0.decode(String?.self, "coll")?.uppercased() ?? "BINARY" == "BINARY"
                }
                indexes.append(
                    .init(
                        name: indexName, columns: indexColumns.map { $0 ?? "(expression)" },
                        unique: try index.int64("unique") != 0,
                        plain: try index.int64("partial") == 0 && !indexColumns.contains(nil) && binary,
                        constraint: try index.string("origin") == "u"))
            }
            var foreignKeys: [TableSnapshot.ForeignKey] = []
            for key in try db.query(#"SELECT "table", "from", "to" FROM pragma_foreign_key_list(?)"#, [.text(name)]) {
                let target = try key.string("table")
                var targetColumn = try key.decode(String?.self, "to")
                if targetColumn == nil {
                    // REFERENCES t without a column: t's primary key.
                    targetColumn = try db.query(#"SELECT "name" FROM pragma_table_info(?) WHERE "pk" = 1"#, [.text(target)])
                        .first.map { try $0.string("name") }
                }
                foreignKeys.append(.init(column: try key.string("from"), table: target, targetColumn: targetColumn ?? ""))
            }
            tables[name] = TableSnapshot(name: name, columns: columns, indexes: indexes, foreignKeys: foreignKeys)
        }
        return tables
    }
}
