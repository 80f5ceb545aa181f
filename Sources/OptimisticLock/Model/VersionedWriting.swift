// The write algorithms of versioned models (rules S1-S6, S11 of the README's semantics), implemented once for
// every generated model: each is one conditional statement, and a write stores a version token
// never issued before (see `VersionGenerator`).

extension VersionedModel {
    /// Stores the record as a new row with a new version and sets `version` to it. When the key is a
    /// database-assigned `nil`, the database assigns it and the record receives it.
    ///
    /// - Throws: `DatabaseError` (a duplicate key or unique value, a missing referenced row, ...);
    ///   then the record is unchanged.
    @inlinable
    public mutating func insert(_ db: some DatabaseConnection) throws {
        let next = db.newVersion()
        try insertRow(db, version: next)
        version = next
    }

    /// Writes every field in one conditional statement and gives the row and the record a new version.
    ///
    /// - Throws: `ConcurrentUpdate` when the row's version is no longer `version` (someone saved
    ///   first) or the row was deleted; then neither the row nor this record changed.
    @inlinable
    public mutating func update(_ db: some DatabaseConnection) throws {
        guard let key = primaryKey else { throw RecordNotFound(table: Self.tableName, primaryKey: nil) }
        let statement = try db.prepare(Self.statements.update)
        let next = db.newVersion()
        let index = bindValues(to: statement) &+ 1
        statement.bind(int64: next, at: index)
        key.bind(to: statement, at: index &+ 1)
        statement.bind(int64: version, at: index &+ 2)
        guard try statement.execute() == 1 else {
            throw try Self.conflict(db, key: key, expectedVersion: version)
        }
        version = next
    }

    /// Writes only `columns` (the key and the version are never written from here), still checking
    /// the version and replacing it. An empty list only replaces the version.
    ///
    /// - Throws: `ConcurrentUpdate` when the row changed or was deleted since this record was read.
    @inlinable
    public mutating func update(_ db: some DatabaseConnection, columns: [Column]) throws {
        guard let key = primaryKey else { throw RecordNotFound(table: Self.tableName, primaryKey: nil) }
        let selected = Self.columnsToWrite(columns, excluding: Self.versionColumn)
        let (statement, index) = try preparePartialUpdate(db, selected, versionColumn: Self.versionColumn)
        let next = db.newVersion()
        statement.bind(int64: next, at: index)
        key.bind(to: statement, at: index &+ 1)
        statement.bind(int64: version, at: index &+ 2)
        guard try statement.execute() == 1 else {
            throw try Self.conflict(db, key: key, expectedVersion: version)
        }
        version = next
    }

    /// Inserts the record when its version is 0, updates it otherwise. A record whose row was
    /// deleted is never stored again: `update` throws `ConcurrentUpdate` for it.
    ///
    /// - Throws: what `insert` or `update` throw.
    @inlinable
    public mutating func save(_ db: some DatabaseConnection) throws {
        if version == 0 {
            try insert(db)
        } else {
            try update(db)
        }
    }

    /// Deletes the row, only if its version is still `version`.
    ///
    /// - Throws: `ConcurrentUpdate` when the row changed or was already deleted; then nothing is deleted.
    @inlinable
    public func delete(_ db: some DatabaseConnection) throws {
        guard let key = primaryKey else { throw RecordNotFound(table: Self.tableName, primaryKey: nil) }
        try Self.delete(db, id: key, version: version)
    }

    /// Deletes the row with this key, only if its version is `version` (from a form, a JSON body or
    /// an `If-Match` header), without reading it first.
    ///
    /// - Throws: `ConcurrentUpdate` when the row has another version or does not exist; then nothing
    ///   is deleted.
    @inlinable
    public static func delete(_ db: some DatabaseConnection, id: Key, version: Int64) throws {
        let statement = try db.prepare(statements.delete)
        id.bind(to: statement, at: 1)
        statement.bind(int64: version, at: 2)
        guard try statement.execute() == 1 else {
            throw try conflict(db, key: id, expectedVersion: version)
        }
    }

    /// The error for a conditional statement that changed no row: reads the row's current version
    /// (nil when it was deleted).
    @usableFromInline
    static func conflict(_ db: some DatabaseConnection, key: Key, expectedVersion: Int64) throws -> ConcurrentUpdate {
        guard let sql = statements.currentVersion else {
            throw DatabaseError.misuse("model \(Self.self) has no currentVersion statement", sql: nil)
        }
        let statement = try db.prepare(sql)
        defer { statement.reset() }
        key.bind(to: statement, at: 1)
        var actual: Int64?
        if try statement.step() {
            do {
                actual = try statement.version(at: 0)
            } catch let error as DatabaseError {
                throw error.reading(table: tableName, primaryKey: String(describing: key))
            }
        }
        let conflict = ConcurrentUpdate(
            table: tableName, primaryKey: String(describing: key),
            expectedVersion: expectedVersion, actualVersion: actual)
        if let observer = db.observer {
            var event = DatabaseEvent(.conflict, system: db.dialect.systemName, context: db.observerContext)
            event.conflict = conflict
            observer.record(event)
        }
        return conflict
    }
}
