import CSQLite
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A prepared SQLite statement of one `SQLiteConnection`.
///
/// Storage formats on SQLite:
/// - `Int64`, `Int32`, `Int`: INTEGER. `Bool`: INTEGER 0 or 1. `Double`: REAL.
/// - `String` and enums: TEXT, UTF-8 (an enum as its case name). `Data`: BLOB (empty bytes are an
///   empty BLOB, not NULL).
/// - `Date`: INTEGER microseconds since 1970-01-01 00:00:00 UTC, rounded to the microsecond (the
///   precision PostgreSQL keeps too); sortable and readable with `datetime(x / 1e6, 'unixepoch')`.
/// - `UUID`: a 16-byte BLOB (TEXT in the canonical form is read too).
public final class SQLiteStatement: PreparedStatement {
    /// The sqlite3_stmt handle.
    public let handle: OpaquePointer
    private let db: OpaquePointer
    /// The first value that could not be bound, reported by the next run.
    private var bindFailure: DatabaseError?

    init(handle: OpaquePointer, db: OpaquePointer) {
        self.handle = handle
        self.db = db
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// The statement's SQL.
    public var sql: String { sqlite3_sql(handle).map { String(cString: $0) } ?? "" }

    @inlinable @inline(__always)
    func check(_ rc: Int32, _ index: Int32) {
        if _slowPath(rc != SQLITE_OK) { recordBindFailure(rc, index) }
    }

    @usableFromInline
    func recordBindFailure(_ rc: Int32, _ index: Int32) {
        if bindFailure == nil {
            bindFailure = DatabaseError.sqlite(rc, db: db, sql: sql).prefixingMessage("cannot bind parameter \(index): ")
        }
    }

    // MARK: Binding

    /// Binds a 64-bit integer.
    @inlinable
    public func bind(int64 value: Int64, at index: Int32) {
        check(sqlite3_bind_int64(handle, index, value), index)
    }

    /// Binds a double.
    @inlinable
    public func bind(double value: Double, at index: Int32) {
        check(sqlite3_bind_double(handle, index, value), index)
    }

    /// Binds a Boolean as 0 or 1.
    @inlinable
    public func bind(bool value: Bool, at index: Int32) {
        check(sqlite3_bind_int64(handle, index, value ? 1 : 0), index)
    }

    /// Binds UTF-8 text with its length, so NUL characters are kept.
    public func bind(text value: String, at index: Int32) {
        var value = value
        let rc = value.withUTF8 { bytes -> Int32 in
            guard let base = bytes.baseAddress, bytes.count > 0 else {
                return sqlite3_bind_text(handle, index, "", 0, nil)
            }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite3_bind_text64(handle, index, $0, UInt64(bytes.count), optimistic_lock_sqlite_transient(),
                                    UInt8(SQLITE_UTF8))
            }
        }
        check(rc, index)
    }

    /// Binds bytes as a BLOB.
    public func bind(data value: Data, at index: Int32) {
        let rc = value.withUnsafeBytes { bytes -> Int32 in
            guard let base = bytes.baseAddress, bytes.count > 0 else {
                return sqlite3_bind_zeroblob(handle, index, 0)
            }
            return sqlite3_bind_blob64(handle, index, base, UInt64(bytes.count), optimistic_lock_sqlite_transient())
        }
        check(rc, index)
    }

    /// Binds a date as microseconds since 1970, rounded.
    public func bind(date value: Date, at index: Int32) {
        guard let stored = MicrosecondEpoch.unix.microseconds(of: value) else {
            if bindFailure == nil {
                bindFailure = .invalidValue("cannot bind parameter \(index): date \(value) is out of range", sql: sql)
            }
            return
        }
        check(sqlite3_bind_int64(handle, index, stored), index)
    }

    /// Binds a UUID as a 16-byte BLOB.
    public func bind(uuid value: UUID, at index: Int32) {
        let rc = withUnsafeBytes(of: value.uuid) { bytes in
            sqlite3_bind_blob(handle, index, bytes.baseAddress, 16, optimistic_lock_sqlite_transient())
        }
        check(rc, index)
    }

    /// Binds NULL.
    public func bindNull(at index: Int32) {
        check(sqlite3_bind_null(handle, index), index)
    }

    // MARK: Running

    private func failure(_ rc: Int32) -> DatabaseError {
        let error = DatabaseError.sqlite(rc, db: db, sql: sql)
        sqlite3_reset(handle)
        return error
    }

    /// Throws (and resets) when a bind failed.
    private func checkBindings() throws {
        if let failure = bindFailure {
            bindFailure = nil
            sqlite3_reset(handle)
            throw failure
        }
    }

    /// Runs to the end and returns the number of rows changed.
    @discardableResult
    public func execute() throws -> Int {
        try checkBindings()
        var rc = sqlite3_step(handle)
        while rc == SQLITE_ROW { rc = sqlite3_step(handle) }
        guard rc == SQLITE_DONE else { throw failure(rc) }
        sqlite3_reset(handle)
        return Int(sqlite3_changes(db))
    }

    /// Runs an INSERT and returns the new row's rowid.
    public func executeInsert() throws -> Int64 {
        try execute()
        return sqlite3_last_insert_rowid(db)
    }

    /// Moves to the next row.
    public func step() throws -> Bool {
        try checkBindings()
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let rc: throw failure(rc)
        }
    }

    /// Resets the statement for the next run (bindings are overwritten by the next binds).
    public func reset() {
        bindFailure = nil
        sqlite3_reset(handle)
    }

    // MARK: Reading

    /// True when the column is NULL.
    @inlinable
    public func isNull(at index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    /// Reads a 64-bit integer.
    @inlinable
    public func int64(at index: Int32) -> Int64 {
        sqlite3_column_int64(handle, index)
    }

    /// Reads a double.
    @inlinable
    public func double(at index: Int32) -> Double {
        sqlite3_column_double(handle, index)
    }

    /// Reads a Boolean (non-zero is true).
    @inlinable
    public func bool(at index: Int32) -> Bool {
        sqlite3_column_int64(handle, index) != 0
    }

    /// Reads text (NUL characters included).
    @inlinable
    public func text(at index: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// Reads bytes.
    public func data(at index: Int32) -> Data {
        guard let bytes = sqlite3_column_blob(handle, index) else { return Data() }
        return Data(bytes: bytes, count: Int(sqlite3_column_bytes(handle, index)))
    }

    /// Reads a date stored as microseconds since 1970.
    public func date(at index: Int32) -> Date {
        MicrosecondEpoch.unix.date(microseconds: sqlite3_column_int64(handle, index))
    }

    /// Reads a UUID stored as 16 bytes (or as text).
    public func uuid(at index: Int32) throws -> UUID {
        if sqlite3_column_type(handle, index) == SQLITE_TEXT {
            let text = text(at: index)
            guard let value = UUID(uuidString: text) else {
                throw DatabaseError.invalidValue("'\(text)' in column \(columnName(at: index)) is not a UUID", sql: sql)
            }
            return value
        }
        guard let bytes = sqlite3_column_blob(handle, index), sqlite3_column_bytes(handle, index) == 16 else {
            throw DatabaseError.invalidValue("column \(columnName(at: index)) does not hold a 16-byte UUID", sql: sql)
        }
        var value = UUID().uuid
        withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: UnsafeRawBufferPointer(start: bytes, count: 16)) }
        return UUID(uuid: value)
    }

    /// The number of result columns.
    public var columnCount: Int32 { sqlite3_column_count(handle) }

    /// The name of a result column.
    public func columnName(at index: Int32) -> String {
        sqlite3_column_name(handle, index).map { String(cString: $0) } ?? ""
    }

    /// A column of the current row as a dynamic value, by its stored type.
    public func value(at index: Int32) -> DatabaseValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: .integer(int64(at: index))
        case SQLITE_FLOAT: .real(double(at: index))
        case SQLITE_TEXT: .text(text(at: index))
        case SQLITE_BLOB: .blob(data(at: index))
        default: .null
        }
    }
}
