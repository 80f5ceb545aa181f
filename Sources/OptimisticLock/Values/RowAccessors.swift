#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

// Typed, strict accessors for the rows of `query`, with the encodings both backends use for dynamic
// values: dates as integer microseconds since 1970, UUIDs as 16 bytes (SQLite) or text (PostgreSQL),
// Booleans as 0 or 1. A missing column is a `.misuse` error naming it; a value of another kind, or
// out of range, an `.invalidStoredValue` error; NULL is only read by the optional accessors.

extension Row {
    /// The value of column `name`, which must exist.
    public func value(_ name: String) throws -> DatabaseValue {
        guard let value = self[name] else {
            throw DatabaseError.misuse("no column \"\(name)\" in the row (columns: \(columns.joined(separator: ", ")))", sql: nil)
        }
        return value
    }

    private func misfit(_ name: String, _ value: DatabaseValue, _ expected: String) -> DatabaseError {
        DatabaseError.invalidStoredValue("column \"\(name)\": \(value) is not \(expected)", sql: nil)
    }

    private func nonNull(_ name: String, _ expected: String) throws -> DatabaseValue {
        let value = try value(name)
        if value == .null { throw misfit(name, value, expected) }
        return value
    }

    private func optional<T>(_ name: String, _ read: (String) throws -> T) throws -> T? {
        try value(name) == .null ? nil : read(name)
    }

    /// A 64-bit integer.
    public func int64(_ name: String) throws -> Int64 {
        let value = try nonNull(name, "an integer")
        guard case .integer(let number) = value else { throw misfit(name, value, "an integer") }
        return number
    }

    /// A 32-bit integer (a value outside its range is an error).
    public func int32(_ name: String) throws -> Int32 {
        let number = try int64(name)
        guard let narrow = Int32(exactly: number) else { throw misfit(name, .integer(number), "an Int32") }
        return narrow
    }

    /// An `Int`.
    public func int(_ name: String) throws -> Int {
        let number = try int64(name)
        guard let narrow = Int(exactly: number) else { throw misfit(name, .integer(number), "an Int") }
        return narrow
    }

    /// A double (an integer it holds exactly is read too).
    public func double(_ name: String) throws -> Double {
        let value = try nonNull(name, "a number")
        switch value {
        case .real(let number): return number
        case .integer(let number):
            guard let exact = Double(exactly: number) else { throw misfit(name, value, "a Double") }
            return exact
        default: throw misfit(name, value, "a number")
        }
    }

    /// A Boolean: 0 or 1.
    public func bool(_ name: String) throws -> Bool {
        let number = try int64(name)
        guard number == 0 || number == 1 else { throw misfit(name, .integer(number), "a Boolean (0 or 1)") }
        return number == 1
    }

    /// Text.
    public func string(_ name: String) throws -> String {
        let value = try nonNull(name, "text")
        guard case .text(let text) = value else { throw misfit(name, value, "text") }
        return text
    }

    /// Bytes.
    public func data(_ name: String) throws -> Data {
        let value = try nonNull(name, "bytes")
        guard case .blob(let bytes) = value else { throw misfit(name, value, "bytes") }
        return bytes
    }

    /// A date stored as integer microseconds since 1970 (SQLite), or a PostgreSQL timestamp.
    public func date(_ name: String) throws -> Date {
        let value = try nonNull(name, "a date")
        guard case .integer(let micros) = value else { throw misfit(name, value, "a date (microseconds since 1970)") }
        guard let date = MicrosecondEpoch.unix.exactDate(microseconds: micros) else {
            throw misfit(name, value, "a date a Date holds exactly")
        }
        return date
    }

    /// A UUID: 16 bytes (SQLite) or its text (PostgreSQL).
    public func uuid(_ name: String) throws -> UUID {
        let value = try nonNull(name, "a UUID")
        switch value {
        case .blob(let bytes) where bytes.count == 16:
            var uuid = UUID().uuid
            withUnsafeMutableBytes(of: &uuid) { $0.copyBytes(from: bytes) }
            return UUID(uuid: uuid)
        case .text(let text):
            guard let uuid = UUID(uuidString: text) else { throw misfit(name, value, "a UUID") }
            return uuid
        default:
            throw misfit(name, value, "a UUID")
        }
    }

    /// An enum stored as its case name.
    public func decode<Value: RawRepresentable>(_ type: Value.Type, _ name: String) throws -> Value
    where Value.RawValue == String {
        let text = try string(name)
        guard let value = Value(rawValue: text) else { throw misfit(name, .text(text), "a case of \(Value.self)") }
        return value
    }

    /// A nullable 64-bit integer.
    public func optionalInt64(_ name: String) throws -> Int64? { try optional(name, int64) }
    /// A nullable 32-bit integer.
    public func optionalInt32(_ name: String) throws -> Int32? { try optional(name, int32) }
    /// A nullable `Int`.
    public func optionalInt(_ name: String) throws -> Int? { try optional(name, int) }
    /// A nullable double.
    public func optionalDouble(_ name: String) throws -> Double? { try optional(name, double) }
    /// A nullable Boolean.
    public func optionalBool(_ name: String) throws -> Bool? { try optional(name, bool) }
    /// Nullable text.
    public func optionalString(_ name: String) throws -> String? { try optional(name, string) }
    /// Nullable bytes.
    public func optionalData(_ name: String) throws -> Data? { try optional(name, data) }
    /// A nullable date.
    public func optionalDate(_ name: String) throws -> Date? { try optional(name, date) }
    /// A nullable UUID.
    public func optionalUUID(_ name: String) throws -> UUID? { try optional(name, uuid) }
}
