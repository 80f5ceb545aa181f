/// How a column stores its values, neutral of dialect: what a table description says, and what
/// `createTable(_:)` spells as each dialect's column type.
///
/// On SQLite the declared type does not change how values are stored (integers stay integers under
/// INTEGER and NUMERIC affinity alike), but it names the field's type, so that `migrate` sees a
/// field retyped between types stored as integers (an `Int64` that became a `Date` would otherwise
/// be read as microseconds, silently).
public enum ColumnType: String, Sendable, Hashable, CaseIterable {
    /// A 64-bit integer (`Int64`, `Int`, a version).
    case integer64
    /// A 32-bit integer.
    case integer32
    /// A double-precision float.
    case double
    /// A Boolean.
    case boolean
    /// Text (strings, enums by case name).
    case text
    /// Bytes.
    case bytes
    /// A point in time, to the microsecond.
    case timestamp
    /// A UUID.
    case uuid
    /// An exact decimal number (`Decimal`): PostgreSQL's `numeric`; on SQLite, canonical text in a
    /// column of TEXT affinity (declared `DECIMAL TEXT`), since SQLite has no exact decimal storage.
    case decimal

    /// The column type as `dialect` declares it.
    public func sql(_ dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite:
            switch self {
            case .integer64: "INTEGER"
            case .integer32: "INT"
            case .double: "REAL"
            case .boolean: "BOOLEAN"
            case .text: "TEXT"
            case .bytes, .uuid: "BLOB"
            case .timestamp: "DATETIME"
            case .decimal: "DECIMAL TEXT"
            }
        case .postgres:
            switch self {
            case .integer64: "bigint"
            case .integer32: "integer"
            case .double: "double precision"
            case .boolean: "boolean"
            case .text: "text"
            case .bytes: "bytea"
            case .timestamp: "timestamptz"
            case .uuid: "uuid"
            case .decimal: "numeric"
            }
        }
    }
}
