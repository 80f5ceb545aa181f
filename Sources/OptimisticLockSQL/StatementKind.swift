/// The statements every model has, by what they do (see `TableStatements` for their parameters).
public enum StatementKind: String, Sendable, Hashable, CaseIterable {
    /// `CREATE TABLE IF NOT EXISTS` and its indexes (a script).
    case createTable
    /// Inserts a row: without the key when the database assigns it (PostgreSQL: `RETURNING` it).
    case insert
    /// Inserts a row with a key the caller chose, for tables whose key the database may assign.
    case insertWithKey
    /// Writes every value column; a versioned table also checks and replaces the version.
    case update
    /// Deletes by key (and expected version).
    case delete
    /// Selects one row by key.
    case find
    /// Selects every row in key order.
    case fetchAll
    /// Counts the rows.
    case count
    /// Reads one row's version after a conflict (versioned tables).
    case currentVersion
    /// Inserts or overwrites by key (`save` of unversioned tables).
    case upsert
}

extension TableDescription {
    /// True for the statements the table's model runs: all but `insertWithKey` where the caller
    /// always chooses the key, `currentVersion` without a version, and `upsert` with one.
    public func has(_ kind: StatementKind) -> Bool {
        switch kind {
        case .insertWithKey: keyIsAssignedByDatabase
        case .currentVersion: version != nil
        case .upsert: version == nil
        case .createTable, .insert, .update, .delete, .find, .fetchAll, .count: true
        }
    }

    /// The statement of `kind` in `dialect`.
    public func sql(_ kind: StatementKind, _ dialect: SQLDialect) -> String {
        let spelled = statements(dialect)
        switch kind {
        case .createTable: return createTable(dialect)
        case .insert: return spelled.insert(withKey: false)
        case .insertWithKey: return spelled.insert(withKey: true)
        case .update: return spelled.update()
        case .delete: return spelled.delete()
        case .find: return spelled.select(where: key)
        case .fetchAll: return spelled.fetchAll()
        case .count: return spelled.count()
        case .currentVersion: return spelled.currentVersion()
        case .upsert: return spelled.upsert()
        }
    }
}
