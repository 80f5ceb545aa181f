/// What a database says about one table, in terms both backends can give and the planner compares:
/// columns, indexes (unique or not) and foreign keys.
package struct TableSnapshot: Sendable, Equatable {
    /// One column.
    package struct Column: Sendable, Equatable {
        package var name: String
        /// The type as the database spells it (SQLite: the declared type; PostgreSQL: `format_type`).
        package var type: String
        package var notNull: Bool
        package var primaryKey: Bool
        /// The default as SQL, or nil.
        package var defaultSQL: String?

        package init(name: String, type: String, notNull: Bool, primaryKey: Bool, defaultSQL: String?) {
            self.name = name
            self.type = type
            self.notNull = notNull
            self.primaryKey = primaryKey
            self.defaultSQL = defaultSQL
        }
    }

    /// One index (or unique constraint).
    package struct Index: Sendable, Equatable {
        package var name: String
        package var columns: [String]
        package var unique: Bool
        /// False for a partial index (`WHERE ...`), one over expressions, one with a collation that
        /// makes different values equal (SQLite's NOCASE, a nondeterministic ICU collation), or
        /// (PostgreSQL) one that is not a B-tree: it never stands for an index or unique constraint
        /// of the schema, which covers every row by its plain values.
        package var plain: Bool
        /// True for the index of a `UNIQUE` constraint (PostgreSQL: dropped with `DROP CONSTRAINT`;
        /// SQLite: an automatic index only a table rebuild removes).
        package var constraint: Bool

        package init(name: String, columns: [String], unique: Bool, plain: Bool = true, constraint: Bool = false) {
            self.name = name
            self.columns = columns
            self.unique = unique
            self.plain = plain
            self.constraint = constraint
        }
    }

    /// One foreign key of one column.
    package struct ForeignKey: Sendable, Equatable, Hashable {
        package var column: String
        package var table: String
        package var targetColumn: String

        package init(column: String, table: String, targetColumn: String) {
            self.column = column
            self.table = table
            self.targetColumn = targetColumn
        }
    }

    package var name: String
    package var columns: [Column]
    package var indexes: [Index]
    package var foreignKeys: [ForeignKey]
    /// What the relation is when it is not a table (a view, say): `migrate` cannot make it one.
    package var notATable: String?

    package init(name: String, columns: [Column], indexes: [Index], foreignKeys: [ForeignKey], notATable: String? = nil) {
        self.name = name
        self.columns = columns
        self.indexes = indexes
        self.foreignKeys = foreignKeys
        self.notATable = notATable
    }

    package func column(_ name: String) -> Column? { columns.first { $0.name == name } }
}

/// What a backend does for `migrate`: reads the live tables, and the tables a schema's DDL makes
/// (in a scratch database or schema, so both sides come from the same server's own normalisation).
package protocol SchemaInspecting: DatabaseConnection {
    /// The live tables among `names` (missing ones are absent from the result; a view or another
    /// relation with the name is there with `notATable` set). SQLite's names ignore case.
    func liveTables(_ names: [String]) throws -> [String: TableSnapshot]
    /// The query reading the recorded fingerprint: only from the fingerprint table of the schema
    /// `migrate` changes (PostgreSQL: the current schema, not another one on the search path).
    var recordedFingerprintSQL: String { get }
    /// The tables the schema's DDL creates, made where they change nothing (then dropped).
    func expectedTables(_ schema: DatabaseSchema) throws -> [String: TableSnapshot]
    /// Runs `body` in the migration's transaction, with whatever lock keeps two migrating
    /// processes apart (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a transaction-level advisory lock).
    func migrationTransaction<T>(_ body: () throws -> T) throws -> T
}
