#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A compiled statement of one connection: bind parameters (1-based), run, read columns (0-based), reset.
///
/// Binding never throws: a value the backend cannot take (a string over its size limit, a date out of
/// range) is remembered and reported by the next `execute()` or `step()`, before anything runs.
/// Storage formats are the backend's; see `SQLiteStatement` and the PostgreSQL backend.
public protocol PreparedStatement: AnyObject {
    /// Binds a 64-bit integer.
    func bind(int64 value: Int64, at index: Int32)
    /// Binds a double.
    func bind(double value: Double, at index: Int32)
    /// Binds a Boolean.
    func bind(bool value: Bool, at index: Int32)
    /// Binds text (any Unicode, NUL characters included).
    func bind(text value: String, at index: Int32)
    /// Binds bytes (empty bytes stay distinct from NULL).
    func bind(data value: Data, at index: Int32)
    /// Binds a date (stored to the microsecond).
    func bind(date value: Date, at index: Int32)
    /// Binds a UUID.
    func bind(uuid value: UUID, at index: Int32)
    /// Binds NULL.
    func bindNull(at index: Int32)

    /// Runs the statement to the end, resets it, and returns the number of rows it changed.
    @discardableResult
    func execute() throws -> Int
    /// Runs an INSERT, resets it, and returns the key the database assigned to the new row.
    func executeInsert() throws -> Int64
    /// Moves to the next row: true when there is one to read, false at the end.
    func step() throws -> Bool
    /// Ends the current run so the statement can be bound and run again.
    func reset()

    /// True when column `index` of the current row is NULL.
    func isNull(at index: Int32) -> Bool
    /// Reads a 64-bit integer.
    func int64(at index: Int32) -> Int64
    /// Reads a double.
    func double(at index: Int32) -> Double
    /// Reads a Boolean.
    func bool(at index: Int32) -> Bool
    /// Reads text.
    func text(at index: Int32) -> String
    /// Reads bytes.
    func data(at index: Int32) -> Data
    /// Reads a date.
    func date(at index: Int32) -> Date
    /// Reads a UUID; throws `DatabaseError` when the stored value is not one.
    func uuid(at index: Int32) throws -> UUID

    /// The number of result columns.
    var columnCount: Int32 { get }
    /// The name of result column `index`.
    func columnName(at index: Int32) -> String
    /// Column `index` of the current row as a dynamic value.
    func value(at index: Int32) -> DatabaseValue
    /// The statement's SQL, for error messages.
    var sql: String { get }
}

extension PreparedStatement {
    /// Reads an enum stored as its raw string; throws `DatabaseError` for a value that is not a case.
    @inlinable
    public func decode<Value: RawRepresentable>(_ type: Value.Type, at index: Int32) throws -> Value
    where Value.RawValue == String {
        let raw = text(at: index)
        guard let value = Value(rawValue: raw) else {
            throw DatabaseError.invalidValue("'\(raw)' in column \(columnName(at: index)) is not a case of \(Value.self)",
                                             sql: sql)
        }
        return value
    }

    /// Binds dynamic values to parameters 1, 2, ...
    public func bind(_ values: [DatabaseValue]) {
        for (offset, value) in values.enumerated() {
            bind(value, at: Int32(offset + 1))
        }
    }

    /// Binds one dynamic value.
    public func bind(_ value: DatabaseValue, at index: Int32) {
        switch value {
        case .null: bindNull(at: index)
        case .integer(let number): bind(int64: number, at: index)
        case .real(let number): bind(double: number, at: index)
        case .text(let text): bind(text: text, at: index)
        case .blob(let bytes): bind(data: bytes, at: index)
        }
    }
}
