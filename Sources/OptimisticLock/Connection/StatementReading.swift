#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

// Typed readers built on the backend's strict ones: narrower integers with a range check, versions,
// enums, and the optional form of each (NULL is nil; any other value must fit). Generated code calls
// these by name, without ternaries or operators for the type checker to weigh.

extension PreparedStatement {
    /// The error for a value that does not fit: names the column and says why.
    @usableFromInline
    func misfit(_ index: Int32, _ reason: String) -> DatabaseError {
        DatabaseError.invalidStoredValue("column \"\(columnName(at: index))\": \(reason)", sql: sql)
    }

    /// Reads a 32-bit integer; a value outside `Int32`'s range is an error, never truncated.
    @inlinable
    public func int32(at index: Int32) throws -> Int32 {
        let value = try int64(at: index)
        guard let narrow = Int32(exactly: value) else { throw misfit(index, "\(value) does not fit Int32") }
        return narrow
    }

    /// Reads an `Int`.
    @inlinable
    public func int(at index: Int32) throws -> Int {
        let value = try int64(at: index)
        guard let narrow = Int(exactly: value) else { throw misfit(index, "\(value) does not fit Int") }
        return narrow
    }

    /// Reads an optimistic-lock version: a value in `1...VersionGenerator.maximum`. Anything else
    /// (0, negative, too large, not an integer) is an error: a record must never carry a version
    /// that `save` would mistake for "new" or that a browser would round.
    @inlinable
    public func version(at index: Int32) throws -> Int64 {
        let value = try int64(at: index)
        guard VersionGenerator.isValid(value) else {
            throw misfit(index, "\(value) is not a version (1...\(VersionGenerator.maximum))")
        }
        return value
    }

    /// Reads an enum stored as its raw string; a value that is not a case is an error.
    @inlinable
    public func decode<Value: RawRepresentable>(_ type: Value.Type, at index: Int32) throws -> Value
    where Value.RawValue == String {
        let raw = try text(at: index)
        guard let value = Value(rawValue: raw) else { throw misfit(index, "'\(raw)' is not a case of \(Value.self)") }
        return value
    }

    /// Reads a nullable 64-bit integer.
    @inlinable
    public func optionalInt64(at index: Int32) throws -> Int64? {
        isNull(at: index) ? nil : try int64(at: index)
    }

    /// Reads a nullable 32-bit integer.
    @inlinable
    public func optionalInt32(at index: Int32) throws -> Int32? {
        isNull(at: index) ? nil : try int32(at: index)
    }

    /// Reads a nullable `Int`.
    @inlinable
    public func optionalInt(at index: Int32) throws -> Int? {
        isNull(at: index) ? nil : try int(at: index)
    }

    /// Reads a nullable double.
    @inlinable
    public func optionalDouble(at index: Int32) throws -> Double? {
        isNull(at: index) ? nil : try double(at: index)
    }

    /// Reads a nullable Boolean.
    @inlinable
    public func optionalBool(at index: Int32) throws -> Bool? {
        isNull(at: index) ? nil : try bool(at: index)
    }

    /// Reads nullable text.
    @inlinable
    public func optionalText(at index: Int32) throws -> String? {
        isNull(at: index) ? nil : try text(at: index)
    }

    /// Reads nullable bytes.
    @inlinable
    public func optionalData(at index: Int32) throws -> Data? {
        isNull(at: index) ? nil : try data(at: index)
    }

    /// Reads a nullable date.
    @inlinable
    public func optionalDate(at index: Int32) throws -> Date? {
        isNull(at: index) ? nil : try date(at: index)
    }

    /// Reads a nullable UUID.
    @inlinable
    public func optionalUUID(at index: Int32) throws -> UUID? {
        isNull(at: index) ? nil : try uuid(at: index)
    }

    /// Reads a nullable enum stored as its raw string.
    @inlinable
    public func optionalDecode<Value: RawRepresentable>(_ type: Value.Type, at index: Int32) throws -> Value?
    where Value.RawValue == String {
        isNull(at: index) ? nil : try decode(type, at: index)
    }

    /// Binds a 32-bit integer.
    @inlinable
    public func bind(int32 value: Int32, at index: Int32) {
        bind(int64: Int64(value), at: index)
    }

    /// Binds an `Int`.
    @inlinable
    public func bind(int value: Int, at index: Int32) {
        bind(int64: Int64(value), at: index)
    }
}
