extension DatabaseConnection {
    /// Brings the database to the schema, in one transaction: creates missing tables, adds columns
    /// that can be added safely (nullable, or with a default; a new version column, whose existing
    /// rows get fresh versions), and creates missing indexes and unique constraints. Anything else —
    /// a removed, renamed or retyped column, a new non-optional column without a default, a
    /// nullability, primary-key or reference change — is refused before anything is changed.
    ///
    /// The schema's fingerprint is recorded in table `optimistic_lock_schema`, so starting again
    /// with an unchanged schema costs one query (outside a transaction). Two processes migrating at
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
let fingerprintTable = "optimistic_lock_schema"

extension SchemaInspecting {
    func run(_ schema: DatabaseSchema, apply: Bool) throws -> MigrationPlan {
        let fingerprint = schema.fingerprint(dialect)
        if apply, recordedFingerprint() == fingerprint {
            return MigrationPlan(changes: [], refusals: [], matchedFingerprint: true)
        }
        let expected = try expectedTables(schema)
        let work = { () throws -> MigrationPlan in
            let live = try self.liveTables(schema.tables.map(\.name))
            let plan = MigrationPlanner(dialect: self.dialect, schema: schema, expected: expected, live: live).plan()
            guard apply else { return plan }
            guard plan.refusals.isEmpty else {
                throw DatabaseError(
                    kind: .schemaMismatch,
                    message: "the database differs from the schema; nothing was changed.\n" + plan.description)
            }
            for change in plan.changes {
                for sql in change.sql { try self.executeScript(sql) }
            }
            try self.record(fingerprint)
            return plan
        }
        return apply ? try migrationTransaction(work) : try work()
    }

    /// The fingerprint `migrate` recorded last, or nil (also when the table does not exist).
    private func recordedFingerprint() -> String? {
        let read = { () throws -> String? in
            guard
                case .text(let value)? = try self.query(
                    "SELECT \(self.dialect.quote("fingerprint")) FROM \(self.dialect.quote(fingerprintTable))"
                ).first?[0]
            else {
                return nil
            }
            return value
        }
        // Inside a transaction, a failing read (no table yet) must not abort it (PostgreSQL): a savepoint.
        return isInTransaction ? (try? transaction(read)) ?? nil : (try? read()) ?? nil
    }

    private func record(_ fingerprint: String) throws {
        let table = dialect.quote(fingerprintTable)
        let column = dialect.quote("fingerprint")
        try executeScript("CREATE TABLE IF NOT EXISTS \(table) (\(column) TEXT NOT NULL)")
        try execute("DELETE FROM \(table)")
        try execute("INSERT INTO \(table) (\(column)) VALUES (\(dialect.placeholder(1)))", [.text(fingerprint)])
    }
}
