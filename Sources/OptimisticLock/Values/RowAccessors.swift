#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

// Typed, strict accessors for the rows of `query`, through each type's `DatabaseStorable`
// conformance and the encodings both backends use for dynamic values: dates as integer
// microseconds since 1970, UUIDs as 16 bytes (SQLite) or text (PostgreSQL), Booleans as 0 or 1.
// A missing column is a `.misuse` error naming it; a value of another kind, out of range, or NULL
// (for anything but an optional) an `.invalidStoredValue` error.

extension Row {
    /// The value of column `name`, which must exist.
    public func value(_ name: String) throws -> DatabaseValue {
        guard let value = self[name] else {
            throw DatabaseError.misuse("no column \"\(name)\" in the row (columns: \(columns.joined(separator: ", ")))", sql: nil)
        }
        return value
    }

    /// The value of column `name` as a `Value`: `row.decode(Int64.self, "id")`,
    /// `row.decode(String?.self, "note")` (NULL is nil), `row.decode(Status.self, "status")`.
    public func decode<Value: DatabaseStorable>(_ type: Value.Type, _ name: String) throws -> Value {
        let stored = try value(name)
        guard let value = Value(databaseValue: stored) else {
            throw DatabaseError.invalidStoredValue(
                "column \"\(name)\": \(stored) is not \(Value.databaseDescription)", sql: nil, column: name)
        }
        return value
    }

    /// A 64-bit integer.
    public func int64(_ name: String) throws -> Int64 { try decode(Int64.self, name) }
    /// A 32-bit integer (a value outside its range is an error).
    public func int32(_ name: String) throws -> Int32 { try decode(Int32.self, name) }
    /// An `Int`.
    public func int(_ name: String) throws -> Int { try decode(Int.self, name) }
    /// A double (an integer it holds exactly is read too).
    public func double(_ name: String) throws -> Double { try decode(Double.self, name) }
    /// A Boolean: 0 or 1.
    public func bool(_ name: String) throws -> Bool { try decode(Bool.self, name) }
    /// Text.
    public func string(_ name: String) throws -> String { try decode(String.self, name) }
    /// Bytes.
    public func data(_ name: String) throws -> Data { try decode(Data.self, name) }
    /// A date stored as integer microseconds since 1970 (SQLite), or a PostgreSQL timestamp.
    public func date(_ name: String) throws -> Date { try decode(Date.self, name) }
    /// A UUID: 16 bytes (SQLite) or its text (PostgreSQL).
    public func uuid(_ name: String) throws -> UUID { try decode(UUID.self, name) }
}
