import OptimisticLockSQL
/// The tables a target's models need, referenced tables first: what `migrate` creates and checks.
///
/// Generated code declares one per target, `OptimisticLockSchema.schema`, from the models of its
/// `.schema` files; the CLI builds the same from `.schema` files.
public struct DatabaseSchema: Sendable {
    /// One model's table.
    public struct Table: Sendable {
        /// The table's SQL name.
        public let name: String
        /// The version column, nil for an `@unversioned` model.
        public let versionColumn: String?
        /// The table's DDL (`CREATE TABLE IF NOT EXISTS` and its indexes) for SQLite.
        public let sqlite: String
        /// The table's DDL for PostgreSQL.
        public let postgres: String

        /// Describes a table.
        public init(name: String, versionColumn: String?, sqlite: String, postgres: String) {
            self.name = name
            self.versionColumn = versionColumn
            self.sqlite = sqlite
            self.postgres = postgres
        }

        /// The DDL for a dialect.
        public func ddl(_ dialect: SQLDialect) -> String {
            dialect.choose(sqlite: sqlite, postgres: postgres)
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
        tables = models.map { model in
            Table(
                name: model.tableName, versionColumn: Self.versionColumn(of: model),
                sqlite: model.statements.createTable.sqlite, postgres: model.statements.createTable.postgres)
        }
    }

    private static func versionColumn(of model: any SchemaModel.Type) -> String? {
        guard let versioned = model as? any VersionedModel.Type else { return nil }
        return versionName(versioned)
    }

    private static func versionName<Model: VersionedModel>(_ model: Model.Type) -> String {
        model.versionColumn.rawValue
    }

    /// `script` with `IF NOT EXISTS` taken out of its `CREATE TABLE` and `CREATE INDEX` statements,
    /// one statement per element: `migrate` creates what it found missing, and a name another
    /// object already holds must fail, not leave the table or index out.
    package static func withoutIfNotExists(_ script: String) -> [String] {
        SQLScript.statements(script).map { statement in
            for prefix in ["CREATE TABLE ", "CREATE INDEX ", "CREATE UNIQUE INDEX "]
            where statement.hasPrefix(prefix + "IF NOT EXISTS ") {
                return prefix + statement.dropFirst(prefix.count + "IF NOT EXISTS ".count)
            }
            return statement
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
