import OptimisticLockSQL
// The steps versioned and unversioned writes share: storing a new row, and the SQL and bindings of
// an update limited to some columns.

extension SchemaModel {
    /// Stores the record as a new row carrying `version` (nil for an unversioned model), and fills in
    /// a database-assigned key. Nothing of the record changes when it throws.
    @inlinable
    mutating func insertRow(_ db: some DatabaseConnection, version: Int64?) throws {
        if let key = primaryKey {
            let statement = try db.prepare(Self.statements.insertWithKey ?? Self.statements.insert)
            var index = bindValues(to: statement) &+ 1
            if let version {
                statement.bind(int64: version, at: index)
                index &+= 1
            }
            key.bind(to: statement, at: index)
            try statement.execute()
        } else {
            let statement = try db.prepare(Self.statements.insert)
            let index = bindValues(to: statement) &+ 1
            if let version { statement.bind(int64: version, at: index) }
            didInsert(rowID: try statement.executeInsert())
        }
    }

    /// The columns `update(_:columns:)` writes: `columns` in order, without duplicates, the key
    /// and `excluded` (the version).
    @usableFromInline
    static func columnsToWrite(_ columns: [Column], excluding excluded: Column?) -> [Column] {
        var selected: [Column] = []
        for column in columns where column != keyColumn && column != excluded && !selected.contains(column) {
            selected.append(column)
        }
        return selected
    }

    /// The statement of `update(_:columns:)` for `selected` (see `TableStatements.update(columns:)`),
    /// with the selected values bound to parameters 1, 2, ...; returns it and the next parameter index.
    @usableFromInline
    func preparePartialUpdate<Connection: DatabaseConnection>(
        _ db: Connection, _ selected: [Column], versionColumn: Column?
    ) throws -> (Connection.Statement, Int32) {
        let table = TableStatements(
            dialect: db.dialect, table: Self.tableName, columns: Self.Column.allCases.map(\.rawValue),
            key: Self.keyColumn.rawValue, version: versionColumn?.rawValue,
            keyIsAssignedByDatabase: false)
        let statement = try db.prepare(table.update(columns: selected.map(\.rawValue)))
        var index: Int32 = 1
        for column in selected {
            bind(column, to: statement, at: index)
            index += 1
        }
        return (statement, index)
    }
}
