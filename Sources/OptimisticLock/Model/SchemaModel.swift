import OptimisticLockSQL
/// A model declared in a `.schema` file: what generated code describes, and what the runtime's
/// generic `insert`, `find`, `fetchAll`, `count` and `reload` work on.
///
/// Generated structs conform to `VersionedModel` (a model with a `Version` field: every write is
/// checked) or to `UnversionedModel` (an `@unversioned` model: plain writes). The requirements are
/// the model's description — its table, key, statements, how it binds its values and reads a row —
/// and are implemented by generated code; you call the methods the extensions provide.
public protocol SchemaModel: Sendable {
    /// The primary key's type: `Int64`, `Int`, `String` or `UUID`.
    associatedtype Key: DatabaseKey
    /// The model's columns: one case per field, `rawValue` is the SQL column name, in field order.
    associatedtype Column: RawRepresentable, CaseIterable, Hashable, Sendable where Column.RawValue == String

    /// The table's SQL name.
    static var tableName: String { get }
    /// The primary-key column.
    static var keyColumn: Column { get }
    /// The model's table, neutral of dialect: names, column types, key, version, constraints and
    /// indexes. The runtime spells every statement from it.
    static var table: TableDescription { get }
    /// The model's statements in every dialect, spelled from `table` (generated code keeps them in
    /// a `static let`: a connection prepares each once and finds it again by its identity).
    static var statements: ModelStatements { get }

    /// The primary key; nil only for a database-assigned key before `insert`.
    var primaryKey: Key? { get }

    /// Receives the key the database assigned to the row `insert` stored (models with an integer key).
    mutating func didInsert(rowID: Int64)

    /// Reads a row selected with every column in field order (`Column.allCases`), strictly: a value
    /// that does not fit its field throws `DatabaseError` of kind `.invalidStoredValue`.
    init(row: borrowing some PreparedStatement) throws

    /// Binds every field but the key and the version to parameters 1, 2, ... in field order, and
    /// returns how many it bound.
    func bindValues(to statement: some PreparedStatement) -> Int32

    /// Binds one column's value to parameter `index`.
    func bind(_ column: Column, to statement: some PreparedStatement, at index: Int32)
}

/// A model with a `Version` field: inserts store a new version token, and every update and delete
/// is one conditional statement that throws `ConcurrentUpdate` when the row's version is no
/// longer the record's.
public protocol VersionedModel: SchemaModel {
    /// The version column.
    static var versionColumn: Column { get }
    /// The optimistic-lock version: 0 for a record never stored, then the token of its last write.
    /// Settable on purpose: a version that arrives from a form, a JSON body or an `If-Match` header is
    /// put on the record, and the next write checks it.
    var version: Int64 { get set }
}

/// An `@unversioned` model: writes are plain and unchecked (the last writer wins); a write to a row
/// that does not exist throws `RecordNotFound`.
public protocol UnversionedModel: SchemaModel {}

extension SchemaModel {
    /// The table's SQL name: `table.name`.
    @inlinable
    public static var tableName: String { table.name }

    /// Models with a caller-assigned key ignore the database's row id.
    @inlinable
    public mutating func didInsert(rowID: Int64) {}
}

/// The statements of one model in every dialect (see `TableStatements` for their parameter order),
/// spelled from its table description. Connections prepare each statement once.
public struct ModelStatements: Sendable {
    /// `CREATE TABLE IF NOT EXISTS` and its indexes (a script).
    public let createTable: SQLStatement
    /// Inserts a row: without the key when the database assigns it (PostgreSQL: `RETURNING` it).
    public let insert: SQLStatement
    /// Inserts a row with a key the caller chose, for models whose key the database may assign.
    public let insertWithKey: SQLStatement?
    /// Writes every value column; versioned models also check and replace the version.
    public let update: SQLStatement
    /// Deletes by key (and expected version).
    public let delete: SQLStatement
    /// Selects one row by key.
    public let find: SQLStatement
    /// Selects every row in key order.
    public let fetchAll: SQLStatement
    /// Counts the rows.
    public let count: SQLStatement
    /// Reads one row's version after a conflict (versioned models).
    public let currentVersion: SQLStatement?
    /// Inserts or overwrites by key (`save` of unversioned models).
    public let upsert: SQLStatement?

    /// Creates the statements of a model.
    @inlinable
    public init(
        createTable: SQLStatement, insert: SQLStatement, insertWithKey: SQLStatement? = nil,
        update: SQLStatement, delete: SQLStatement, find: SQLStatement, fetchAll: SQLStatement,
        count: SQLStatement, currentVersion: SQLStatement? = nil, upsert: SQLStatement? = nil
    ) {
        self.createTable = createTable
        self.insert = insert
        self.insertWithKey = insertWithKey
        self.update = update
        self.delete = delete
        self.find = find
        self.fetchAll = fetchAll
        self.count = count
        self.currentVersion = currentVersion
        self.upsert = upsert
    }
}

extension ModelStatements {
    /// Every statement of a table, spelled at run time for every dialect from its description.
    /// Keep the value (a `static let`, as generated code does): a connection prepares each statement
    /// once, and finds it again by its identity.
    public init(table: TableDescription) {
        func statement(_ kind: StatementKind) -> SQLStatement { .spelled { table.sql(kind, $0) } }
        func optional(_ kind: StatementKind) -> SQLStatement? { table.has(kind) ? statement(kind) : nil }
        self.init(
            createTable: statement(.createTable), insert: statement(.insert), insertWithKey: optional(.insertWithKey),
            update: statement(.update), delete: statement(.delete), find: statement(.find), fetchAll: statement(.fetchAll),
            count: statement(.count), currentVersion: optional(.currentVersion), upsert: optional(.upsert))
    }
}
