// The writes of `@unversioned` models: plain statements by key, the last writer wins.

extension UnversionedModel {
    /// Stores the record as a new row. When the key is a database-assigned `nil`, the database
    /// assigns it and the record receives it.
    ///
    /// - Throws: `DatabaseError` (a duplicate key or unique value, a missing referenced row, ...).
    @inlinable
    public mutating func insert(_ db: some DatabaseConnection) throws {
        try insertRow(db, version: nil)
    }

    /// Writes every field of the row with this key (no version check).
    ///
    /// - Throws: `RecordNotFound` when no row has this key.
    @inlinable
    public func update(_ db: some DatabaseConnection) throws {
        guard let key = primaryKey else { throw RecordNotFound(table: Self.tableName, primaryKey: nil) }
        let statement = try db.prepare(Self.statements.update)
        let index = bindValues(to: statement) &+ 1
        key.bind(to: statement, at: index)
        guard try statement.execute() == 1 else {
            throw RecordNotFound(table: Self.tableName, primaryKey: String(describing: key))
        }
    }

    /// Writes only `columns` of the row with this key.
    ///
    /// - Throws: `RecordNotFound` when no row has this key.
    @inlinable
    public func update(_ db: some DatabaseConnection, columns: [Column]) throws {
        guard let key = primaryKey else { throw RecordNotFound(table: Self.tableName, primaryKey: nil) }
        let selected = Self.columnsToWrite(columns, excluding: nil)
        let (statement, index) = try preparePartialUpdate(db, selected, versionColumn: nil)
        key.bind(to: statement, at: index)
        guard try statement.execute() == 1 else {
            throw RecordNotFound(table: Self.tableName, primaryKey: String(describing: key))
        }
    }

    /// Inserts the record, or overwrites the row with its key.
    ///
    /// - Throws: `DatabaseError`.
    @inlinable
    public mutating func save(_ db: some DatabaseConnection) throws {
        guard let key = primaryKey, let upsert = Self.statements.upsert else {
            try insert(db)
            return
        }
        let statement = try db.prepare(upsert)
        let index = bindValues(to: statement) &+ 1
        key.bind(to: statement, at: index)
        try statement.execute()
    }

    /// Deletes the row with this key.
    ///
    /// - Throws: `RecordNotFound` when no row has this key.
    @inlinable
    public func delete(_ db: some DatabaseConnection) throws {
        guard let key = primaryKey else { throw RecordNotFound(table: Self.tableName, primaryKey: nil) }
        try Self.delete(db, id: key)
    }

    /// Deletes the row with this key without reading it first.
    ///
    /// - Throws: `RecordNotFound` when no row has this key.
    @inlinable
    public static func delete(_ db: some DatabaseConnection, id: Key) throws {
        let statement = try db.prepare(statements.delete)
        id.bind(to: statement, at: 1)
        guard try statement.execute() == 1 else {
            throw RecordNotFound(table: tableName, primaryKey: String(describing: id))
        }
    }
}
