#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A compiled statement of one connection: bind parameters (1-based), run, read columns (0-based), reset.
///
/// Binding never throws: a value the backend cannot take (a string over its size limit, a date out of
/// range, NaN on SQLite) is remembered and reported by the next `execute()` or `step()`, before
/// anything runs. Bind every parameter before each run: generated code always does.
///
/// Reading is strict: a stored value that does not fit the type asked for — another storage class or
/// column type, NULL, a number out of range or with a fraction, invalid UTF-8 — throws a
/// `DatabaseError` of kind `.invalidStoredValue` naming the column; nothing is ever coerced. Storage
/// formats are the backend's; see `SQLiteStatement` and the PostgreSQL backend.
public protocol PreparedStatement: AnyObject {
    /// Binds a 64-bit integer.
    func bind(int64 value: Int64, at index: Int32)
    /// Binds a double.
    func bind(double value: Double, at index: Int32)
    /// Binds a Boolean.
    func bind(bool value: Bool, at index: Int32)
    /// Binds text (any Unicode, NUL characters included where the backend keeps them).
    func bind(text value: String, at index: Int32)
    /// Binds bytes (empty bytes stay distinct from NULL).
    func bind(data value: Data, at index: Int32)
    /// Binds a date (stored to the microsecond).
    func bind(date value: Date, at index: Int32)
    /// Binds a UUID.
    func bind(uuid value: UUID, at index: Int32)
    /// Binds an exact decimal (`DecimalText`'s canonical text on SQLite, `numeric` on PostgreSQL);
    /// NaN is refused.
    func bind(decimal value: Decimal, at index: Int32)
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
    func int64(at index: Int32) throws -> Int64
    /// Reads a double.
    func double(at index: Int32) throws -> Double
    /// Reads a Boolean.
    func bool(at index: Int32) throws -> Bool
    /// Reads text.
    func text(at index: Int32) throws -> String
    /// Reads bytes.
    func data(at index: Int32) throws -> Data
    /// Reads a date.
    func date(at index: Int32) throws -> Date
    /// Reads a UUID.
    func uuid(at index: Int32) throws -> UUID
    /// Reads an exact decimal; a value a `Decimal` cannot hold exactly is an error.
    func decimal(at index: Int32) throws -> Decimal

    /// The number of parameters the statement takes (`?` or `$n`).
    func parameterCount() throws -> Int
    /// The number of result columns.
    var columnCount: Int32 { get }
    /// The name of result column `index`.
    func columnName(at index: Int32) -> String
    /// Column `index` of the current row as a dynamic value, as it is stored; throws for a value the
    /// backend cannot give as one (see the backends).
    func value(at index: Int32) throws -> DatabaseValue
    /// The statement's SQL, for error messages.
    var sql: String { get }
}

extension PreparedStatement {
    /// Binds dynamic values to parameters 1, 2, ...; a `DatabaseError` of kind `.misuse` when their
    /// number is not the statement's number of parameters (nothing is bound then).
    public func bind(_ values: [DatabaseValue]) throws {
        let expected = try parameterCount()
        guard values.count == expected else {
            throw DatabaseError.misuse(
                "the statement takes \(expected) argument\(expected == 1 ? "" : "s"), \(values.count) given", sql: sql)
        }
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
