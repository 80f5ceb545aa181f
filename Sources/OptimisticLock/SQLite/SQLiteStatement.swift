import CSQLite
import OptimisticLockSQL

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A prepared SQLite statement of one `SQLiteConnection`.
///
/// Storage formats on SQLite:
/// - `Int64`, `Int32`, `Int`: INTEGER. `Bool`: INTEGER 0 or 1. `Double`: REAL (NaN cannot be
///   stored: SQLite would turn it into NULL, and -0.0 would read back as 0.0, so binding either is
///   an error).
/// - `String` and enums: TEXT, UTF-8 (an enum as its case name). `Data`: BLOB (empty bytes are an
///   empty BLOB, not NULL).
/// - `Date`: INTEGER microseconds since 1970-01-01 00:00:00 UTC, rounded to the microsecond (the
///   precision PostgreSQL keeps too); sortable and readable with `datetime(x / 1e6, 'unixepoch')`.
/// - `UUID`: a 16-byte BLOB.
///
/// Reads are strict: an integer field reads INTEGER (or a REAL with no fraction that fits), a
/// `Double` reads REAL (or an INTEGER it holds exactly), a `Bool` reads 0 or 1, text must be TEXT
/// holding valid UTF-8, bytes must be a BLOB, a date an INTEGER; NULL is only read by the optional
/// readers. Anything else is a `DatabaseError` of kind `.invalidStoredValue` naming the column.
public final class SQLiteStatement: PreparedStatement {
    /// The sqlite3_stmt handle.
    public let handle: OpaquePointer
    @usableFromInline let db: OpaquePointer
    /// Set for statements prepared from SQL text: their bindings are cleared after each run, so a
    /// parameter left unbound is NULL, never the previous run's value.
    private let clearsBindings: Bool
    /// The connection's transaction depth and interrupt (shared): a write inside a transaction that
    /// SQLite rolled back on its own is refused instead of running in autocommit mode, and nothing
    /// starts after a pool interrupted the job.
    private let state: ConnectionState
    /// The first value that could not be bound, reported by the next run.
    @usableFromInline var bindFailure: DatabaseError?
    /// True while `bindFailure` holds an error: read and written without the exclusivity checks a
    /// class property costs, so runs that bound everything never touch `bindFailure`.
    @usableFromInline let failed: UnsafeMutablePointer<Bool>

    /// True for SQL that ends a transaction (`COMMIT`, `END`, `ROLLBACK`, as SQLite's parser saw
    /// it): refused when it runs inside a `transaction { }`.
    let endsTransaction: Bool

    /// True for DDL: its commit counts as a change (it changes no row).
    let changesSchema: Bool
    /// True between `prepare`, which took the connection for the calling thread, and `reset`,
    /// which gives it back (see `ConnectionOwner`).
    private let held: UnsafeMutablePointer<Bool>

    /// The run its connection's observer was told about and has not heard the end of.
    private var observation: (token: (any Sendable)?, operation: DatabaseOperation, start: ContinuousClock.Instant)?
    /// Reset while another thread had the connection, so its bindings could not be cleared: the
    /// next prepare clears them (a rerun without one is refused).
    private var bindingsStale = false
    /// What the statement does, for observers (read once, at the first observed run).
    private lazy var summary = SQLSummary(sql)

    init(
        handle: OpaquePointer, db: OpaquePointer, clearsBindings: Bool, state: ConnectionState, endsTransaction: Bool,
        changesSchema: Bool
    ) {
        self.changesSchema = changesSchema
        self.handle = handle
        self.db = db
        self.clearsBindings = clearsBindings
        self.state = state
        self.endsTransaction = endsTransaction
        failed = .allocate(capacity: 1)
        failed.initialize(to: false)
        held = .allocate(capacity: 1)
        held.initialize(to: false)
    }

    deinit {
        sqlite3_finalize(handle)
        failed.deallocate()
        held.deallocate()
    }

    /// The statement's SQL.
    public var sql: String { sqlite3_sql(handle).map { String(cString: $0) } ?? "" }

    @inlinable @inline(__always)
    func check(_ rc: Int32, _ index: Int32) {
        if _slowPath(rc != SQLITE_OK) { recordBindFailure(rc, index) }
    }

    @usableFromInline
    func recordBindFailure(_ rc: Int32, _ index: Int32) {
        if !failed.pointee {
            bindFailure = DatabaseError.sqlite(rc, db: db, sql: sql).prefixingMessage("cannot bind parameter \(index): ")
            failed.pointee = true
        }
    }

    @usableFromInline
    func recordBindFailure(_ message: String, _ index: Int32) {
        if !failed.pointee {
            bindFailure = .invalidValue("cannot bind parameter \(index): \(message)", sql: sql)
            failed.pointee = true
        }
    }

    // MARK: Binding

    /// Binds a 64-bit integer.
    @inlinable
    public func bind(int64 value: Int64, at index: Int32) {
        check(sqlite3_bind_int64(handle, index, value), index)
    }

    /// Binds a double; NaN is refused (SQLite would store NULL), and so is -0.0 (SQLite stores a
    /// whole REAL as an integer, and it would read back as 0.0).
    @inlinable
    public func bind(double value: Double, at index: Int32) {
        if _slowPath(value.isNaN) {
            recordBindFailure("NaN cannot be stored in SQLite (it would become NULL)", index)
            return
        }
        if _slowPath(value == 0 && value.sign == .minus) {
            recordBindFailure("-0.0 cannot be stored in SQLite (it would read back as 0.0)", index)
            return
        }
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
                sqlite3_bind_text64(
                    handle, index, $0, UInt64(bytes.count), optimistic_lock_sqlite_transient(),
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

    /// Binds a date as microseconds since 1970, rounded; a date that is not finite or out of range is refused.
    public func bind(date value: Date, at index: Int32) {
        guard let stored = MicrosecondEpoch.unix.microseconds(of: value) else {
            recordBindFailure("date \(MicrosecondEpoch.describe(value)) cannot be stored", index)
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

    /// Binds a decimal as its canonical text (`DecimalText`), so equal values are equal text; NaN
    /// is refused.
    public func bind(decimal value: Decimal, at index: Int32) {
        guard let text = DecimalText.text(value) else {
            recordBindFailure("NaN is not a decimal a column can hold", index)
            return
        }
        bind(text: text, at: index)
    }

    /// Binds NULL.
    public func bindNull(at index: Int32) {
        check(sqlite3_bind_null(handle, index), index)
    }

    // MARK: Running

    private func failure(_ rc: Int32) -> DatabaseError {
        let error = DatabaseError.sqlite(rc, db: db, sql: sql)
        if _slowPath(observation != nil) { observed(rows: nil, error: error) }
        reset()
        return error
    }

    /// Tells the connection's observer that a run begins.
    private func observe() {
        guard let observer = state.observer else { return }
        let operation = state.operation(sql: sql, summary: summary)
        observation = (observer.started(operation), operation, .now)
    }

    /// Tells the connection's observer that the run ended.
    private func observed(rows: Int?, error: (any Error)?) {
        guard let (token, operation, start) = observation else { return }
        observation = nil
        state.observer?.finished(
            operation, token: token, outcome: .init(duration: start.duration(to: .now), rowsChanged: rows, error: error))
    }

    /// Throws (and resets) when a bind failed, or when the connection's transaction was rolled back
    /// by SQLite itself (after an interrupt, a full disk, ...): a write must not run on its own then.
    private func checkBeforeRunning() throws {
        // A statement run again without being prepared again takes the connection again.
        if _slowPath(!held.pointee) {
            try state.owner.enter(sql: sql)
            held.pointee = true
        }
        if _slowPath(failed.pointee), let failure = bindFailure {
            reset()
            throw failure
        }
        if _slowPath(state.interruption.isRequested) {
            reset()
            throw ConnectionInterruption.cancelled(sql: sql)
        }
        if _slowPath(endsTransaction) && state.depth.pointee > 0 {
            reset()
            throw TransactionControl.refusal(sql: sql)
        }
        if _slowPath(changesSchema) { state.schemaChangePending = true }
        if _slowPath(state.depth.pointee > 0 && sqlite3_get_autocommit(db) != 0) {
            reset()
            throw DatabaseError.misuse(
                "SQLite already rolled this transaction back after an earlier error; leave the transaction and start again",
                sql: sql)
        }
        if _slowPath(state.isObserved) { observe() }
    }

    /// Runs to the end and returns the number of rows changed.
    @discardableResult
    public func execute() throws -> Int {
        try checkBeforeRunning()
        var rc = sqlite3_step(handle)
        while rc == SQLITE_ROW { rc = sqlite3_step(handle) }
        if _slowPath(state.committed) { state.settleCommit() }
        guard rc == SQLITE_DONE else { throw failure(rc) }
        let changes = Int(sqlite3_changes(db))
        if _slowPath(state.isObserved) { observed(rows: changes, error: nil) }
        reset()
        return changes
    }

    /// Runs an INSERT and returns the new row's rowid.
    public func executeInsert() throws -> Int64 {
        try execute()
        return sqlite3_last_insert_rowid(db)
    }

    /// Moves to the next row.
    public func step() throws -> Bool {
        if sqlite3_stmt_busy(handle) == 0 { try checkBeforeRunning() }
        let rc = sqlite3_step(handle)
        if _slowPath(state.committed) { state.settleCommit() }
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE:
            if _slowPath(state.isObserved) { observed(rows: nil, error: nil) }
            // The run is over: the connection is free for another thread even if no reset follows
            // (a query read to its end by an actor's task, which may resume on another thread).
            // SQLite's reset touches the connection, so it happens here, while the thread owns it.
            if held.pointee {
                sqlite3_reset(handle)
                held.pointee = false
                state.owner.exit()
            }
            return false
        default: throw failure(rc)
        }
    }

    /// Marks the statement taken by the thread that prepared it (its connection was entered once
    /// for it: a statement prepared again before its reset gives the earlier entry back).
    @inline(__always)
    func taken() -> SQLiteStatement {
        if _slowPath(held.pointee) { state.owner.exit() }
        held.pointee = true
        if _slowPath(bindingsStale) {
            bindingsStale = false
            sqlite3_clear_bindings(handle)
            bindFailure = nil
            failed.pointee = false
        }
        return self
    }

    /// Resets the statement for the next run.
    public func reset() {
        if _slowPath(failed.pointee) {
            bindFailure = nil
            failed.pointee = false
        }
        guard held.pointee else {
            // Stepped to its end (which reset it in SQLite and gave the connection back) or reset
            // already. Clearing bindings touches the connection, which may be another thread's by
            // now: it is done only when this thread can take the connection; otherwise the next
            // run is refused (its old values must never be used).
            guard clearsBindings else { return }
            do {
                try state.owner.enter(sql: sql)
                sqlite3_clear_bindings(handle)
                state.owner.exit()
            } catch {
                bindFailure = .misuse(
                    "the statement was reset while another thread used its connection; prepare it again", sql: sql)
                failed.pointee = true
                bindingsStale = true
            }
            return
        }
        defer {
            if held.pointee {
                held.pointee = false
                state.owner.exit()
            }
        }
        // A query stopped before its end: it ended here.
        if _slowPath(state.isObserved) && observation != nil { observed(rows: nil, error: nil) }
        sqlite3_reset(handle)
        // A statement outside a transaction that was not stepped to its end commits here.
        if _slowPath(state.committed) { state.settleCommit() }
        if clearsBindings { sqlite3_clear_bindings(handle) }
    }

    // MARK: Reading

    // Readers take the column's value once (`sqlite3_column_value`) and ask it for its storage class
    // and its content: cheaper than a `sqlite3_column_type` call beside every `sqlite3_column_*`
    // call, which each look the column up again. The value stays valid until the next step or
    // reset, and a connection is used by one thread at a time, so it is never used unprotected.

    /// True when the column is NULL.
    @inlinable
    public func isNull(at index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    /// Reads an integer: INTEGER, or a REAL without a fraction that fits.
    @inlinable
    public func int64(at index: Int32) throws -> Int64 {
        let value = sqlite3_column_value(handle, index)
        let type = sqlite3_value_type(value)
        if _fastPath(type == SQLITE_INTEGER) { return sqlite3_value_int64(value) }
        return try integerFromOtherStorage(type, index)
    }

    @usableFromInline
    func integerFromOtherStorage(_ type: Int32, _ index: Int32) throws -> Int64 {
        if type == SQLITE_FLOAT {
            let real = sqlite3_column_double(handle, index)
            if let exact = Int64(exactly: real) { return exact }
            throw misfit(index, "\(real) is not an integer")
        }
        throw misfit(index, storageDescription(type, index) + " is not an integer")
    }

    /// Reads a double: REAL, or an INTEGER it holds exactly.
    @inlinable
    public func double(at index: Int32) throws -> Double {
        let value = sqlite3_column_value(handle, index)
        let type = sqlite3_value_type(value)
        if _fastPath(type == SQLITE_FLOAT) { return sqlite3_value_double(value) }
        return try doubleFromOtherStorage(type, index)
    }

    @usableFromInline
    func doubleFromOtherStorage(_ type: Int32, _ index: Int32) throws -> Double {
        if type == SQLITE_INTEGER {
            let integer = sqlite3_column_int64(handle, index)
            if let exact = Double(exactly: integer) { return exact }
            throw misfit(index, "\(integer) has no exact Double")
        }
        throw misfit(index, storageDescription(type, index) + " is not a number")
    }

    /// Reads a Boolean: INTEGER 0 or 1.
    @inlinable
    public func bool(at index: Int32) throws -> Bool {
        let value = try int64(at: index)
        if _fastPath(value == 0 || value == 1) { return value == 1 }
        throw misfit(index, "\(value) is not a Boolean (0 or 1)")
    }

    /// Reads text: TEXT holding valid UTF-8 (NUL characters included).
    @inlinable
    public func text(at index: Int32) throws -> String {
        let value = sqlite3_column_value(handle, index)
        let type = sqlite3_value_type(value)
        guard _fastPath(type == SQLITE_TEXT) else { throw misfit(index, storageDescription(type, index) + " is not text") }
        guard let bytes = sqlite3_value_text(value) else { return "" }
        let buffer = UnsafeBufferPointer(start: bytes, count: Int(sqlite3_value_bytes(value)))
        guard let text = UTF8Text.validated(buffer) else { throw misfit(index, "the text is not valid UTF-8") }
        return text
    }

    /// Reads bytes: a BLOB.
    public func data(at index: Int32) throws -> Data {
        let value = sqlite3_column_value(handle, index)
        let type = sqlite3_value_type(value)
        guard type == SQLITE_BLOB else { throw misfit(index, storageDescription(type, index) + " is not a BLOB") }
        guard let bytes = sqlite3_value_blob(value) else { return Data() }
        return Data(bytes: bytes, count: Int(sqlite3_value_bytes(value)))
    }

    /// Reads a date stored as INTEGER microseconds since 1970.
    public func date(at index: Int32) throws -> Date {
        let value = sqlite3_column_value(handle, index)
        let type = sqlite3_value_type(value)
        guard type == SQLITE_INTEGER else {
            throw misfit(index, storageDescription(type, index) + " is not a date (INTEGER microseconds since 1970)")
        }
        let microseconds = sqlite3_value_int64(value)
        guard let date = MicrosecondEpoch.unix.exactDate(microseconds: microseconds) else {
            throw misfit(
                index, "\(microseconds) µs since 1970 has no exact Date (a Date keeps every microsecond only until about 2140)")
        }
        return date
    }

    /// Reads a UUID stored as a 16-byte BLOB (what `bind(uuid:)` stores). A UUID stored as text is an
    /// error: finders bind BLOBs, so such a row could be read but never found or written by its key.
    public func uuid(at index: Int32) throws -> UUID {
        let value = sqlite3_column_value(handle, index)
        let type = sqlite3_value_type(value)
        guard type == SQLITE_BLOB, let bytes = sqlite3_value_blob(value), sqlite3_value_bytes(value) == 16 else {
            let hint = type == SQLITE_TEXT ? " (UUIDs are stored as 16-byte BLOBs: convert with unhex(replace(x, '-', '')))" : ""
            throw misfit(index, storageDescription(type, index) + " is not a 16-byte UUID" + hint)
        }
        var uuid = UUID().uuid
        withUnsafeMutableBytes(of: &uuid) { $0.copyMemory(from: UnsafeRawBufferPointer(start: bytes, count: 16)) }
        return UUID(uuid: uuid)
    }

    /// Reads a decimal: its canonical TEXT (`DecimalText`), or an INTEGER. Other text — junk, an
    /// exponent, more digits than a `Decimal` holds, or a value spelled another way (`'0.10'`,
    /// `'+1'`, which equality would never match, since it compares the stored text) — is an error.
    public func decimal(at index: Int32) throws -> Decimal {
        let value = sqlite3_column_value(handle, index)
        let type = sqlite3_value_type(value)
        if type == SQLITE_INTEGER { return Decimal(sqlite3_value_int64(value)) }
        guard type == SQLITE_TEXT else { throw misfit(index, storageDescription(type, index) + " is not a decimal") }
        let text = try self.text(at: index)
        guard let decimal = DecimalText.parse(text) else {
            throw misfit(index, "'\(text.prefix(60))' is not a decimal a Decimal holds exactly")
        }
        guard DecimalText.text(decimal) == text else {
            throw misfit(
                index, "'\(text.prefix(60))' is not in canonical form ('\(DecimalText.text(decimal) ?? "")'): rewrite it so")
        }
        return decimal
    }

    /// How a stored value is described in an error: its storage class and, for short values, the value.
    @usableFromInline
    func storageDescription(_ type: Int32, _ index: Int32) -> String {
        switch type {
        case SQLITE_NULL: return "NULL"
        case SQLITE_INTEGER: return "INTEGER \(sqlite3_column_int64(handle, index))"
        case SQLITE_FLOAT: return "REAL \(sqlite3_column_double(handle, index))"
        case SQLITE_TEXT:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard let bytes = sqlite3_column_text(handle, index), count <= 40 else { return "TEXT of \(count) bytes" }
            return "TEXT '\(String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self))'"
        default: return "BLOB of \(sqlite3_column_bytes(handle, index)) bytes"
        }
    }

    /// The number of parameters.
    public func parameterCount() -> Int { Int(sqlite3_bind_parameter_count(handle)) }

    /// The number of result columns.
    public var columnCount: Int32 { sqlite3_column_count(handle) }

    /// The name of a result column.
    public func columnName(at index: Int32) -> String {
        sqlite3_column_name(handle, index).map { String(cString: $0) } ?? ""
    }

    /// A column of the current row as a dynamic value, by its storage class: text as stored — text
    /// that is not UTF-8 is an `.invalidStoredValue` error, never repaired into other text.
    public func value(at index: Int32) throws -> DatabaseValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT:
            guard let bytes = sqlite3_column_text(handle, index) else { return .text("") }
            let count = Int(sqlite3_column_bytes(handle, index))
            guard let text = String(validating: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self) else {
                throw DatabaseError.invalidStoredValue(
                    "column \"\(columnName(at: index))\": the text stored is not UTF-8 (read it as a BLOB: CAST(... AS BLOB))",
                    sql: sql)
            }
            return .text(text)
        case SQLITE_BLOB:
            guard let bytes = sqlite3_column_blob(handle, index) else { return .blob(Data()) }
            return .blob(Data(bytes: bytes, count: Int(sqlite3_column_bytes(handle, index))))
        default: return .null
        }
    }
}
