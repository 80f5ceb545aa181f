import OptimisticLockSQL
/// The tables a target's models need, referenced tables first: what `migrate` creates and checks.
///
/// Generated code declares one per target, `OptimisticLockSchema.schema`, from the models of its
/// `.schema` files; the CLI builds the same from `.schema` files.
public struct DatabaseSchema: Sendable {
    /// One model's table: its description, from which `migrate` spells what it creates and
    /// compares (no DDL text is edited).
    public struct Table: Sendable {
        /// The table, neutral of dialect.
        public let description: TableDescription

        /// A table of this description.
        public init(_ description: TableDescription) {
            self.description = description
        }

        /// The table's SQL name.
        public var name: String { description.name }
        /// The version column, nil for an `@unversioned` model.
        public var versionColumn: String? { description.version }

        /// The table's DDL in `dialect`: `CREATE TABLE IF NOT EXISTS` and its indexes.
        public func ddl(_ dialect: SQLDialect) -> String {
            description.createTable(dialect)
        }

        /// What `migrate` runs for a missing table, one statement per element: the table and its
        /// indexes without `IF NOT EXISTS`, so a name another object holds fails instead of being
        /// skipped.
        public func createStatements(_ dialect: SQLDialect) -> [String] {
            description.createStatements(dialect, ifNotExists: false)
        }
    }

    /// The tables, referenced tables first.
    public let tables: [Table]

    /// A schema of these tables, in the order given (referenced tables first).
    public init(tables: [Table]) {
        self.tables = tables
    }

    /// The schema of these models, in the order given (referenced models first).
    public init(models: [any SchemaModel.Type]) {
        tables = models.map { Table($0.table) }
    }

    /// A `.misuse` error listing every problem of `tables`' descriptions (see
    /// `TableDescription.problems`); nothing when there is none.
    package static func refuseProblems(of tables: [TableDescription]) throws {
        let problems = tables.flatMap(\.problems)
        guard problems.isEmpty else {
            throw DatabaseError.misuse(
                "a table description cannot be created as it is: " + problems.joined(separator: "; "), sql: nil)
        }
    }

    /// A fingerprint of the schema in one dialect: FNV-1a over the DDL (whitespace between tokens
    /// does not count). `migrate` records it, so that starting again with an unchanged schema
    /// costs one query.
    public func fingerprint(_ dialect: SQLDialect) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for table in tables {
            let statements = SQLScript.normalized(table.ddl(dialect))
            for byte in (table.name + "\u{0}" + (table.versionColumn ?? "") + "\u{0}" + statements).utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
        }
        // v2: the library's tables include `optimistic_lock_idempotency`, so a database recorded
        // at v1 is compared (and given that table) once more.
        return "v2-" + String(hash, radix: 16)
    }
}
