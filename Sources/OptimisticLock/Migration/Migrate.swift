import OptimisticLockSQL
extension DatabaseConnection {
    /// Brings the database to the schema, in one transaction: creates missing tables, adds columns
    /// that can be added safely (nullable, or with a default; a new version column, whose existing
    /// rows get fresh versions), and creates missing indexes and unique constraints. Anything else —
    /// a removed, renamed or retyped column, a new non-optional column without a default, a
    /// nullability, primary-key or reference change — is refused before anything is changed.
    ///
    /// The schema's fingerprint is recorded in table `optimistic_lock_schema`, so starting again
    /// with an unchanged schema costs one query (outside a transaction). It also creates the
    /// library's table of idempotency keys, `optimistic_lock_idempotency` (see `idempotent(key:)`). Two processes migrating at
    /// once take turns (SQLite's write lock; a PostgreSQL advisory lock).
    ///
    /// ```swift
    /// try db.migrate(OptimisticLockSchema.schema)     // at startup
    /// ```
    ///
    /// - Returns: what was changed.
    /// - Throws: `DatabaseError` of kind `.schemaMismatch` listing every difference it refuses and
    ///   the SQL a person could review and run; nothing is changed then.
    @discardableResult
    public func migrate(_ schema: DatabaseSchema) throws -> MigrationPlan {
        try inspector().run(schema, apply: true)
    }

    /// What `migrate` would do, without changing anything (the recorded fingerprint is not trusted:
    /// the database is always compared).
    public func migrationPlan(for schema: DatabaseSchema) throws -> MigrationPlan {
        try inspector().run(schema, apply: false)
    }

    private func inspector() throws -> any SchemaInspecting {
        guard let inspector = self as? any SchemaInspecting else {
            throw DatabaseError.misuse("\(Self.self) cannot be migrated: it does not inspect its schema", sql: nil)
        }
        return inspector
    }
}

extension DatabasePool {
    /// Migrates the database the pool opens (see `DatabaseConnection.migrate(_:)`), on a writing
    /// connection.
    @discardableResult
    public func migrate(_ schema: DatabaseSchema) async throws -> MigrationPlan {
        try await writeWithoutTransaction { db in try db.migrate(schema) }
    }
}

/// The table where `migrate` records the fingerprint of the schema it brought the database to.
package let fingerprintTable = "optimistic_lock_schema"

/// The largest version: versions stay exact in a JavaScript number (`Number.MAX_SAFE_INTEGER`).
let largestVersionSQL = "9007199254740991"

extension SchemaInspecting {
    func run(_ schema: DatabaseSchema, apply: Bool) throws -> MigrationPlan {
        try DatabaseSchema.refuseProblems(of: schema.tables.map(\.description))
        let fingerprint = schema.fingerprint(dialect)
        if apply, recordedFingerprints().contains(where: { $0.fingerprint == fingerprint }) {
            return MigrationPlan(changes: [], refusals: [], matchedFingerprint: true)
        }
        let expected = try expectedTables(schema)
        let work = { () throws -> MigrationPlan in
            let plan = try self.compare(schema, expected)
            guard apply else { return plan }
            guard plan.refusals.isEmpty else {
                throw DatabaseError(
                    kind: .schemaMismatch,
                    message: "the database differs from the schema; nothing was changed.\n" + plan.description)
            }
            for change in plan.changes {
                for sql in change.sql {
                    do {
                        try self.executeScript(sql)
                    } catch let error as DatabaseError where error.kind == .other || error.kind == .misuse {
                        // A name another object holds (a table renamed away keeps its indexes' names),
                        // say: the plan could not know. The transaction is rolled back.
                        throw DatabaseError(
                            kind: .schemaMismatch, code: error.code, extendedCode: error.extendedCode,
                            sqlState: error.sqlState,
                            message:
                                "\(change.summary): \(error.message); nothing was changed (is the name taken by an object the schema does not know?)",
                            sql: sql)
                    }
                }
            }
            // Whatever the changes were, the database must match the schema now, or none of them
            // is kept: a change that did less than it said can never be recorded as done.
            if !plan.changes.isEmpty {
                let after = try self.compare(schema, expected, checkingVersions: false)
                guard after.isUpToDate else {
                    throw DatabaseError(
                        kind: .schemaMismatch,
                        message: "after the changes the database still differs from the schema, so none of them was kept.\n"
                            + after.description)
                }
            }
            // The library's own table of idempotency keys (see `idempotent(key:)`).
            try self.executeScript(IdempotencyStatements(self.dialect).createTable)
            try self.record(fingerprint, tables: schema.tables.map(\.name))
            return MigrationPlan(changes: plan.changes, refusals: [], isApplied: true)
        }
        return apply ? try migrationTransaction(work) : try work()
    }

    /// The plan for the database as it is now. `checkingVersions`: also look for rows whose
    /// versions need refilling (a scan of each versioned table; not after the refill itself, whose
    /// random versions may, with probability n²/2^54 for n rows, share one, as any write may).
    private func compare(_ schema: DatabaseSchema, _ expected: [String: TableSnapshot], checkingVersions: Bool = true) throws
        -> MigrationPlan
    {
        let live = try liveTables(schema.tables.map(\.name))
        var unusableVersions: Set<String> = []
        for table in schema.tables where checkingVersions {
            // Only a version column of the schema's type is read: another type is refused anyway.
            guard let version = table.versionColumn, let existing = live[table.name], existing.notATable == nil,
                let column = existing.column(version),
                let wanted = expected[table.name]?.column(version), MigrationPlanner.sameType(column.type, wanted.type)
            else { continue }
            if try hasUnusableVersions(table: table.name, column: version) { unusableVersions.insert(table.name) }
        }
        return MigrationPlanner(
            dialect: dialect, schema: schema, expected: expected, live: live, unusableVersions: unusableVersions
        ).plan()
    }

    /// True when a row's version is not one `migrate` or the generated code would store: NULL,
    /// outside `1...2^53-1`, not an integer, or shared with another row — a table adopted from a
    /// framework whose versions are counters (Rails' `lock_version` starts at 0 in every row).
    private func hasUnusableVersions(table: String, column: String) throws -> Bool {
        let condition = MigrationPlanner.unusableVersion(dialect, table: table, column: column)
        let sql = "SELECT EXISTS (SELECT 1 FROM \(dialect.quote(table)) WHERE \(condition)) AS \"found\""
        return try query(sql).first?.bool("found") ?? true
    }

    /// The fingerprints `migrate` recorded, one per schema migrated to (several targets may share a
    /// database), each with the tables it covers; none when the table does not exist.
    private func recordedFingerprints() -> [RecordedFingerprint] {
        let read = { () throws -> [RecordedFingerprint] in
            try self.query(self.recordedFingerprintSQL).compactMap { row in
                guard case .text(let value) = row[0] else { return nil }
                return RecordedFingerprint(value)
            }
        }
        // Inside a transaction, a failing read (no table yet) must not abort it (PostgreSQL): a savepoint.
        return isInTransaction ? (try? transaction(read)) ?? [] : (try? read()) ?? []
    }

    /// Records the fingerprint of the schema just migrated to, replacing those of schemas that share
    /// a table with it (their tables may have changed: they compare again next time) and any
    /// recorded before fingerprints named their tables.
    private func record(_ fingerprint: String, tables: [String]) throws {
        let table = dialect.quote(fingerprintTable)
        let column = dialect.quote("fingerprint")
        try executeScript("CREATE TABLE IF NOT EXISTS \(table) (\(column) TEXT NOT NULL)")
        let mine = Set(tables)
        for recorded in recordedFingerprints() where recorded.tables.isEmpty || !mine.isDisjoint(with: recorded.tables) {
            try execute("DELETE FROM \(table) WHERE \(column) = \(dialect.placeholder(1))", [.text(recorded.stored)])
        }
        let stored = RecordedFingerprint(fingerprint: fingerprint, tables: tables).stored
        try execute("INSERT INTO \(table) (\(column)) VALUES (\(dialect.placeholder(1)))", [.text(stored)])
    }
}

/// One row of `optimistic_lock_schema`: a schema's fingerprint and its tables, separated by U+001F
/// (a character no SQL name of a schema may hold). A row from before tables were recorded holds the
/// fingerprint alone.
struct RecordedFingerprint {
    /// The row's text, exactly as stored (a row is deleted by it).
    let stored: String
    let fingerprint: String
    let tables: Set<String>

    init(fingerprint: String, tables: [String]) {
        self.init(([fingerprint] + tables.sorted()).joined(separator: "\u{1F}"))
    }

    init(_ stored: String) {
        self.stored = stored
        let parts = stored.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
        fingerprint = parts[0]
        tables = Set(parts.dropFirst())
    }
}
