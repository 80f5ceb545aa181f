#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// Helpers the generated code calls instead of spelling out comparisons and ternaries: every model
// would otherwise make the type checker weigh `==`, `<` and `? :` against each other type's
// overloads, and typecheck time would grow faster than the number of models.

extension PreparedStatement {
    /// Runs a conditional UPDATE or DELETE: true when exactly one row changed.
    @inlinable
    public func executeChangingOneRow() throws -> Bool {
        try execute() == 1
    }

    /// Steps to the first row and reads its first column as a version: nil when there is no row
    /// (the row was deleted). Resets the statement.
    @inlinable
    public func optionalVersion() throws -> Int64? {
        defer { reset() }
        guard try step() else { return nil }
        return int64(at: 0)
    }

    /// Reads a nullable 64-bit integer.
    @inlinable
    public func optionalInt64(at index: Int32) -> Int64? {
        isNull(at: index) ? nil : int64(at: index)
    }

    /// Reads a nullable double.
    @inlinable
    public func optionalDouble(at index: Int32) -> Double? {
        isNull(at: index) ? nil : double(at: index)
    }

    /// Reads a nullable Boolean.
    @inlinable
    public func optionalBool(at index: Int32) -> Bool? {
        isNull(at: index) ? nil : bool(at: index)
    }

    /// Reads nullable text.
    @inlinable
    public func optionalText(at index: Int32) -> String? {
        isNull(at: index) ? nil : text(at: index)
    }

    /// Reads nullable bytes.
    @inlinable
    public func optionalData(at index: Int32) -> Data? {
        isNull(at: index) ? nil : data(at: index)
    }

    /// Reads a nullable date.
    @inlinable
    public func optionalDate(at index: Int32) -> Date? {
        isNull(at: index) ? nil : date(at: index)
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

    /// Reads a 32-bit integer (a value that does not fit is truncated, never a crash).
    @inlinable
    public func int32(at index: Int32) -> Int32 {
        Int32(truncatingIfNeeded: int64(at: index))
    }

    /// Reads a nullable 32-bit integer.
    @inlinable
    public func optionalInt32(at index: Int32) -> Int32? {
        isNull(at: index) ? nil : int32(at: index)
    }

    /// Reads an `Int`.
    @inlinable
    public func int(at index: Int32) -> Int {
        Int(truncatingIfNeeded: int64(at: index))
    }

    /// Reads a nullable `Int`.
    @inlinable
    public func optionalInt(at index: Int32) -> Int? {
        isNull(at: index) ? nil : int(at: index)
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

extension DatabaseConnection {
    /// The version after `version`, or a `DatabaseError` of kind `.versionOverflow` when it is `Int64.max`.
    @inlinable
    public func nextVersion(after version: Int64, table: String, primaryKey: some Any) throws -> Int64 {
        guard version < Int64.max else {
            throw DatabaseError.versionOverflow(table: table, primaryKey: String(describing: primaryKey))
        }
        return version + 1
    }

    /// True for a record that was never inserted (version 0), which `save` inserts.
    @inlinable
    public func isNew(version: Int64) -> Bool {
        version == 0
    }

    /// The columns `update(_:columns:)` writes: `columns` in order, without duplicates and without
    /// the excluded ones (the key and the version).
    @inlinable
    public func columnsToWrite<Column: Equatable>(_ columns: [Column], excluding excluded: [Column]) -> [Column] {
        var selected: [Column] = []
        for column in columns where !excluded.contains(column) && !selected.contains(column) {
            selected.append(column)
        }
        return selected
    }
}
