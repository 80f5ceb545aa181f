import OptimisticLock

extension PostgresConnection: SchemaInspecting {
    /// The live tables among `names` in the connection's current schema, read from `pg_catalog`.
    package func liveTables(_ names: [String]) throws -> [String: TableSnapshot] {
        guard case .text(let schema)? = try query("SELECT current_schema()").first?[0] else {
            throw DatabaseError.misuse("no schema is selected (search_path)", sql: "SELECT current_schema()")
        }
        return try inspect(namespace: schema, names)
    }

    /// The fingerprint of the current schema only: a schema later on the search path may have one
    /// too (the query's table is the current schema's, or it reads no row).
    package var recordedFingerprintSQL: String {
        let table = dialect.quote(fingerprintTable)
        return """
            SELECT \(dialect.quote("fingerprint")) FROM \(table) \
            WHERE to_regclass(quote_ident(current_schema()) || '.' || quote_ident('\(fingerprintTable)')) = '\(table)'::regclass
            """
    }

    /// The tables the schema's DDL creates in a scratch schema, inside a transaction (or savepoint)
    /// that is rolled back: the server normalises both sides the same way. Without `IF NOT EXISTS`:
    /// a name two objects want fails here instead of leaving one out.
    package func expectedTables(_ schema: DatabaseSchema) throws -> [String: TableSnapshot] {
        struct Discard: Error {}
        var result: [String: TableSnapshot] = [:]
        let scratch = "optimistic_lock_expected_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        do {
            try transaction {
                try executeScript("CREATE SCHEMA \(dialect.quote(scratch)); SET LOCAL search_path TO \(dialect.quote(scratch))")
                for table in schema.tables {
                    for statement in table.createStatements(.postgres) { try executeScript(statement) }
                }
                result = try inspect(namespace: scratch, schema.tables.map(\.name))
                throw Discard()
            }
        } catch is Discard {}
        return result
    }

    /// A transaction holding an advisory lock, so that two processes migrating at once take turns.
    ///
    /// The lock is keyed by the current schema (advisory locks are already per database): the
    /// processes of one app take turns, while apps in other schemas of the same database migrate
    /// without waiting for it — a wait a short statement timeout would turn into a failed startup.
    package func migrationTransaction<T>(_ body: () throws -> T) throws -> T {
        try transaction {
            _ = try query("SELECT pg_advisory_xact_lock(1869639023, hashtext(coalesce(current_schema(), '')))")
            return try body()
        }
    }

    private func inspect(namespace: String, _ names: [String]) throws -> [String: TableSnapshot] {
        var tables: [String: TableSnapshot] = [:]
        for name in names {
            let arguments: [DatabaseValue] = [.text(namespace), .text(name)]
            let relation = try query(
                """
                SELECT c.relkind::text AS "kind" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $1 AND c.relname = $2
                """, arguments)
            guard let kind = try relation.first?.string("kind") else { continue }
            guard kind == "r" || kind == "p" else {
                let names = ["v": "view", "m": "materialized view", "i": "index", "S": "sequence", "f": "foreign table"]
                tables[name] = TableSnapshot(
                    name: name, columns: [], indexes: [], foreignKeys: [], notATable: names[kind] ?? "relation")
                continue
            }
            let primary = Set(
                try query(
                    """
                    SELECT a.attname::text AS "name" FROM pg_index i
                    JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey::int2[])
                    WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary
                    """, arguments
                ).map { try $0.string("name") })
            let columns = try query(
                """
                SELECT a.attname::text AS "name", format_type(a.atttypid, a.atttypmod) AS "type", a.attnotnull AS "notnull",
                       CASE WHEN a.attidentity <> '' THEN 'identity' ELSE pg_get_expr(d.adbin, d.adrelid) END AS "default"
                FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum
                """, arguments
            ).map { row in
                let columnName = try row.string("name")
                return TableSnapshot.Column(
                    name: columnName, type: try row.string("type"), notNull: try row.bool("notnull"),
                    primaryKey: primary.contains(columnName), defaultSQL: try row.decode(String?.self, "default"))
            }
            let indexes = try query(
                """
                SELECT ic.relname::text AS "name", i.indisunique AS "unique",
                       (i.indpred IS NULL AND i.indexprs IS NULL
                        AND (SELECT am.amname FROM pg_am am WHERE am.oid = ic.relam) = 'btree'
                        AND NOT EXISTS (SELECT 1 FROM pg_collation co
                                        WHERE co.oid = ANY (i.indcollation::oid[]) AND NOT co.collisdeterministic)) AS "plain",
                       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype = 'u') AS "constraint",
                       (SELECT string_agg(a.attname::text, chr(31) ORDER BY k.ord)
                        FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS "columns"
                FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $1 AND c.relname = $2 AND NOT i.indisprimary
                ORDER BY ic.relname
                """, arguments
            ).map { row in
                TableSnapshot.Index(
                    name: try row.string("name"),
                    columns: (try row.decode(String?.self, "columns") ?? "").split(separator: "\u{1F}").map(String.init),
                    unique: try row.bool("unique"), plain: try row.bool("plain"), constraint: try row.bool("constraint"))
            }
            let foreignKeys = try query(
                """
                SELECT a.attname::text AS "column", fc.relname::text AS "table", fa.attname::text AS "target"
                FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_class fc ON fc.oid = k.confrelid
                JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
                JOIN pg_attribute fa ON fa.attrelid = k.confrelid AND fa.attnum = k.confkey[1]
                WHERE k.contype = 'f' AND n.nspname = $1 AND c.relname = $2 AND array_length(k.conkey, 1) = 1
                """, arguments
            ).map { row in
                TableSnapshot.ForeignKey(
                    column: try row.string("column"), table: try row.string("table"),
                    targetColumn: try row.string("target"))
            }
            tables[name] = TableSnapshot(name: name, columns: columns, indexes: indexes, foreignKeys: foreignKeys)
        }
        return tables
    }
}
