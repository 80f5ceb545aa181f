import CLibPQ
import OptimisticLock
import OptimisticLockSQL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A statement of one `PostgresConnection`, prepared on the server at its first run.
///
/// Parameters and results travel in PostgreSQL's binary format:
/// - integers as `int8` (the server casts to `integer` columns), `Double` as `float8` (NaN and
///   infinities are kept), `Bool` as `boolean`;
/// - `String` and enums as `text` (PostgreSQL text cannot hold the NUL character: such a string is a
///   `DatabaseError`), `Data` as `bytea`, `UUID` as `uuid`;
/// - `Date` as `timestamptz`, microseconds since 2000-01-01 UTC (the same microsecond precision as on SQLite).
///
/// Reads check the column's type: an integer reads `bigint`, `integer` or `smallint`; a `Double`
/// reads `double precision` (not `real`, which rounds what is written to it); a `Bool` reads
/// `boolean`; text reads `text`, `varchar` or `name` holding valid UTF-8 (not `char(n)`, which pads); bytes read `bytea`; a date reads `timestamptz` (not
/// `infinity`); a UUID reads `uuid`. NULL is only read by the optional readers. Anything else is a
/// `DatabaseError` of kind `.invalidStoredValue` naming the column and its type — never bytes
/// reinterpreted as another type.
///
/// A parameter's type is fixed by its first non-NULL value; a statement run with different types
/// is prepared again on the server under another name (rare: generated code always binds one type).
/// When a table changes under a prepared statement ("cached plan must not change result type"), the
/// statement is prepared again: at once outside a transaction, at its next run inside one (the
/// failed statement has aborted that transaction).
public final class PostgresStatement: PreparedStatement {
    /// The statement's SQL.
    public let sql: String
    /// The parameters the SQL takes (the highest `$n` in it).
    private let expectedParameters: Int32
    private let handle: PostgresHandle
    /// Parameters, the result and the current row, in memory of their own: binding and reading then
    /// need no exclusivity checks.
    private let state: UnsafeMutablePointer<State>
    /// Server-side statements prepared so far, one per set of parameter types.
    private var variants: [Variant] = []
    /// `handle.serverStatementsGeneration` when `variants` were prepared.
    private var variantsGeneration: UInt64 = 0
    /// The first value that could not be bound, reported by the next run (see `State.failed`).
    private var bindFailure: DatabaseError?

    /// A parameter slot that was skipped (a higher one was bound): refused at the next run.
    private static let unbound = UInt32.max

    /// One server-side statement, prepared for one set of parameter types.
    private final class Variant {
        let name: String
        let cName: UnsafeMutablePointer<CChar>
        let types: UnsafeMutableBufferPointer<UInt32>

        init(name: String, types: [UInt32]) {
            self.name = name
            self.cName = strdup(name)
            self.types = .allocate(capacity: types.count)
            _ = self.types.initialize(from: types)
        }

        deinit {
            free(cName)
            types.deallocate()
        }

        /// True when the bound types fit this statement (a NULL fits any type).
        func fits(_ bound: UnsafeMutablePointer<UInt32>, count: Int32) -> Bool {
            guard types.count == Int(count) else { return false }
            for index in 0..<Int(count) where bound[index] != 0 && bound[index] != types[index] {
                return false
            }
            return true
        }
    }

    private struct State {
        var count: Int32 = 0
        var capacity: Int32 = 0
        var types: UnsafeMutablePointer<UInt32>
        var lengths: UnsafeMutablePointer<Int32>
        var formats: UnsafeMutablePointer<Int32>
        var offsets: UnsafeMutablePointer<Int>
        var values: UnsafeMutablePointer<UnsafePointer<CChar>?>
        var bytes: UnsafeMutableRawPointer
        var byteCapacity: Int
        var byteCount = 0
        /// True while `bindFailure` holds an error.
        var failed = false
        /// True between `prepare`, which took the connection for the calling thread, and `reset`
        /// (see `ConnectionOwner`).
        var held = false
        /// The variant last run (kept alive by `variants`).
        var variant: Unmanaged<Variant>?
        var result: OpaquePointer?
        var row: Int32 = -1
        var rows: Int32 = 0
        var fields: Int32 = 0
    }

    /// True for SQL text that ends a transaction (`COMMIT`, `END`, `ROLLBACK`): refused inside a
    /// `transaction { }`, and a round trip that may commit outside one.
    private let endsTransaction: Bool
    /// What a run may commit (see `RoundTripEffect`): a generated `SELECT` only reads.
    private let effect: RoundTripEffect
    /// The SQL as a C string, for the unnamed statement (see `transactionPooling`).
    private let cSQL: UnsafeMutablePointer<CChar>

    /// True for static SQL that can only read: a `SELECT` that calls no function (a function may
    /// write), as the generated finders are; `COUNT(*)` is the one call allowed.
    private static func onlyReads(_ sql: String) -> Bool {
        guard sql.hasPrefix("SELECT ") else { return false }
        var rest = Substring(sql)
        while let open = rest.firstIndex(of: "(") {
            guard rest[..<open].hasSuffix("COUNT"), rest[open...].hasPrefix("(*)") else { return false }
            rest = rest[rest.index(open, offsetBy: 3)...]
        }
        return true
    }

    /// A statement of `handle`: SQL text of the caller's (`isCallerSQL`), or static SQL (the
    /// library's, or a caller's `SQLStatement`). Both are checked for transaction control, once.
    init(sql: String, handle: PostgresHandle, isCallerSQL: Bool) {
        self.sql = sql
        self.endsTransaction = SQLScript.endsTransaction(sql)
        self.effect = endsTransaction ? .commit : !isCallerSQL && Self.onlyReads(sql) ? .read : .statement
        self.cSQL = strdup(sql)
        self.expectedParameters = Int32(clamping: PostgresParameters.count(in: sql))
        self.handle = handle
        let capacity: Int32 = 8
        state = .allocate(capacity: 1)
        state.initialize(
            to: State(
                capacity: capacity,
                types: .allocate(capacity: Int(capacity)), lengths: .allocate(capacity: Int(capacity)),
                formats: .allocate(capacity: Int(capacity)), offsets: .allocate(capacity: Int(capacity)),
                values: .allocate(capacity: Int(capacity)), bytes: .allocate(byteCount: 256, alignment: 8),
                byteCapacity: 256))
        state.pointee.formats.initialize(repeating: 1, count: Int(capacity))
    }

    deinit {
        free(cSQL)
        let current = state.pointee
        PQclear(current.result)
        current.types.deallocate()
        current.lengths.deallocate()
        current.formats.deallocate()
        current.offsets.deallocate()
        current.values.deallocate()
        current.bytes.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
        for variant in variants { handle.retire(variant.name) }
    }

    // MARK: Binding

    /// Room for parameter `index` (1-based) holding `length` bytes; nil after recording a failure.
    @inline(__always)
    private func slot(_ index: Int32, type: UInt32, length: Int) -> UnsafeMutableRawPointer? {
        guard _fastPath(index >= 1 && index <= 65_535) else {
            fail("parameter index \(index) is out of range")
            return nil
        }
        if _slowPath(index > state.pointee.capacity) { grow(to: index) }
        if index > state.pointee.count {
            for gap in state.pointee.count..<(index - 1) { state.pointee.types[Int(gap)] = Self.unbound }
            state.pointee.count = index
        }
        guard _fastPath(length <= Int(Int32.max)) else {
            fail("parameter \(index) is \(length) bytes: libpq sends at most 2 GiB (PostgreSQL keeps at most 1 GB)")
            return nil
        }
        let offset = state.pointee.byteCount
        if _slowPath(offset + length > state.pointee.byteCapacity) { growBytes(to: offset + length) }
        let position = Int(index - 1)
        state.pointee.types[position] = type
        state.pointee.lengths[position] = Int32(truncatingIfNeeded: length)
        state.pointee.offsets[position] = offset
        state.pointee.byteCount = offset + length
        return state.pointee.bytes + offset
    }

    private func grow(to index: Int32) {
        var current = state.pointee
        let capacity = max(index, current.capacity * 2)
        func regrow<T>(_ old: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
            let new = UnsafeMutablePointer<T>.allocate(capacity: Int(capacity))
            new.moveInitialize(from: old, count: Int(current.capacity))
            old.deallocate()
            return new
        }
        current.types = regrow(current.types)
        current.lengths = regrow(current.lengths)
        current.offsets = regrow(current.offsets)
        current.values = regrow(current.values)
        current.formats = regrow(current.formats)
        (current.formats + Int(current.capacity)).initialize(repeating: 1, count: Int(capacity - current.capacity))
        current.capacity = capacity
        state.pointee = current
    }

    private func growBytes(to needed: Int) {
        var current = state.pointee
        let capacity = max(needed, current.byteCapacity * 2)
        let bytes = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        bytes.copyMemory(from: current.bytes, byteCount: current.byteCount)
        current.bytes.deallocate()
        current.bytes = bytes
        current.byteCapacity = capacity
        state.pointee = current
    }

    private func fail(_ message: String) {
        if !state.pointee.failed {
            bindFailure = .invalidValue(message, sql: sql)
            state.pointee.failed = true
        }
    }

    @inline(__always)
    private func storeBigEndian<T: FixedWidthInteger>(_ value: T, _ index: Int32, type: UInt32) {
        guard let start = slot(index, type: type, length: MemoryLayout<T>.size) else { return }
        start.storeBytes(of: value.bigEndian, as: T.self)
    }

    /// Binds an `int8`.
    public func bind(int64 value: Int64, at index: Int32) {
        storeBigEndian(value, index, type: PostgresType.int8)
    }

    /// Binds a `float8`.
    public func bind(double value: Double, at index: Int32) {
        storeBigEndian(value.bitPattern, index, type: PostgresType.float8)
    }

    /// Binds a `boolean`.
    public func bind(bool value: Bool, at index: Int32) {
        guard let start = slot(index, type: PostgresType.bool, length: 1) else { return }
        start.storeBytes(of: value ? 1 : 0, as: UInt8.self)
    }

    /// Binds `text`; a string holding the NUL character is refused (PostgreSQL text cannot hold it).
    public func bind(text value: String, at index: Int32) {
        var value = value
        value.withUTF8 { utf8 in
            if let base = utf8.baseAddress, memchr(base, 0, utf8.count) != nil {
                fail("cannot bind parameter \(index): PostgreSQL text cannot contain the NUL character")
                return
            }
            guard let start = slot(index, type: PostgresType.text, length: utf8.count), utf8.count > 0 else { return }
            start.copyMemory(from: utf8.baseAddress!, byteCount: utf8.count)
        }
    }

    /// Binds `bytea`.
    public func bind(data value: Data, at index: Int32) {
        value.withUnsafeBytes { bytes in
            guard let start = slot(index, type: PostgresType.bytea, length: bytes.count), bytes.count > 0 else { return }
            start.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
    }

    /// Binds a `timestamptz`, rounded to the microsecond; a date that is not finite or out of range is refused.
    public func bind(date value: Date, at index: Int32) {
        guard let stored = MicrosecondEpoch.postgres.microseconds(of: value) else {
            fail("cannot bind parameter \(index): date \(MicrosecondEpoch.describe(value)) cannot be stored")
            return
        }
        storeBigEndian(stored, index, type: PostgresType.timestamptz)
    }

    /// Binds a `uuid`.
    public func bind(uuid value: UUID, at index: Int32) {
        guard let start = slot(index, type: PostgresType.uuid, length: 16) else { return }
        withUnsafeBytes(of: value.uuid) { start.copyMemory(from: $0.baseAddress!, byteCount: 16) }
    }

    /// Binds a `numeric`, exactly; NaN is refused.
    public func bind(decimal value: Decimal, at index: Int32) {
        guard let text = DecimalText.text(value), let bytes = NumericText.encode(text) else {
            fail("cannot bind parameter \(index): \(value) is not a decimal a column can hold")
            return
        }
        guard let start = slot(index, type: PostgresType.numeric, length: bytes.count) else { return }
        bytes.withUnsafeBytes { start.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
    }

    /// Binds NULL.
    public func bindNull(at index: Int32) {
        guard slot(index, type: 0, length: 0) != nil else { return }
        state.pointee.offsets[Int(index - 1)] = -1
    }

    // MARK: Running

    /// Marks the statement taken by the thread that prepared it (a statement prepared again
    /// before its reset gives the earlier entry back).
    @inline(__always)
    func taken() -> PostgresStatement {
        if _slowPath(state.pointee.held) { handle.owner.exit() }
        state.pointee.held = true
        return self
    }

    /// The server-side statement for the bound types, prepared now if needed.
    private func preparedVariant() throws -> Variant {
        if _slowPath(variantsGeneration != handle.serverStatementsGeneration) {
            // DISCARD ALL or DEALLOCATE ALL ran: the server has none of them any more.
            variants.removeAll()
            state.pointee.variant = nil
            variantsGeneration = handle.serverStatementsGeneration
        }
        let types = state.pointee.types
        let count = state.pointee.count
        if let last = state.pointee.variant?.takeUnretainedValue(), last.fits(types, count: count) { return last }
        if let variant = variants.first(where: { $0.fits(types, count: count) }) {
            state.pointee.variant = Unmanaged.passUnretained(variant)
            return variant
        }
        let name = handle.statementName()
        let bound = Array(UnsafeBufferPointer(start: types, count: Int(count)))
        let sql = sql
        PQclear(try handle.roundTrip(sql: sql, effect: .none) { PQsendPrepare($0, name, sql, count, bound) })
        let variant = Variant(name: name, types: bound)
        variants.append(variant)
        state.pointee.variant = Unmanaged.passUnretained(variant)
        return variant
    }

    /// Runs the statement with the bound parameters; the result stays until `reset()`.
    private func run() throws {
        // A statement run again without being prepared again takes the connection again.
        if _slowPath(!state.pointee.held) {
            try handle.owner.enter(sql: sql)
            state.pointee.held = true
        }
        do {
            try runOnce()
        } catch let error as DatabaseError where error.isMissingStatement {
            // The server has none of this connection's prepared statements (someone ran DISCARD
            // ALL): all are prepared again. Outside a transaction nothing ran: run again.
            handle.serverStatementsGeneration &+= 1
            guard handle.isIdle else {
                reset()
                throw error
            }
            do {
                try runOnce()
            } catch {
                reset()
                throw error
            }
        } catch let error as DatabaseError where error.isStalePlan && handle.isIdle {
            // Outside a transaction the failed statement changed nothing: prepare it again and rerun.
            forgetVariants()
            do {
                try runOnce()
            } catch {
                reset()
                throw error
            }
        } catch let error as DatabaseError where error.isStalePlan {
            forgetVariants()
            reset()
            throw error
        } catch {
            reset()
            throw error
        }
    }

    private func forgetVariants() {
        for variant in variants { handle.retire(variant.name) }
        variants.removeAll()
        state.pointee.variant = nil
    }

    private func runOnce() throws {
        if _slowPath(state.pointee.failed), let failure = bindFailure { throw failure }
        if _slowPath(endsTransaction) && handle.job.pointee.transactionOpen { throw TransactionControl.refusal(sql: sql) }
        handle.deallocateRetired()
        let count = state.pointee.count
        for index in 0..<Int(count) where state.pointee.types[index] == Self.unbound {
            throw DatabaseError.misuse("parameter \(index + 1) was not bound", sql: sql)
        }
        guard count == expectedParameters else {
            let expected = expectedParameters
            throw DatabaseError.misuse(
                "the statement takes \(expected) argument\(expected == 1 ? "" : "s"), \(count) given", sql: sql)
        }
        // Behind a pooler in transaction mode the unnamed statement is parsed with each run: a
        // named one would live on a server connection that other clients get next.
        let unnamed = handle.job.pointee.unnamedStatements
        let variant = unnamed ? nil : try preparedVariant()
        let values = state.pointee.values
        let offsets = state.pointee.offsets
        let bytes = state.pointee.bytes
        for index in 0..<Int(count) {
            let offset = offsets[index]
            values[index] = offset < 0 ? nil : UnsafeRawPointer(bytes + offset).assumingMemoryBound(to: CChar.self)
        }
        let lengths = state.pointee.lengths
        let formats = state.pointee.formats
        let types = state.pointee.types
        let text = cSQL
        let outcome = try handle.roundTrip(sql: sql, effect: effect) { connection in
            if let variant {
                return PQsendQueryPrepared(connection, variant.cName, count, values, lengths, formats, 1)
            }
            return PQsendQueryParams(connection, text, count, types, values, lengths, formats, 1)
        }
        state.pointee.result = outcome
        state.pointee.row = -1
        state.pointee.rows = PQntuples(outcome)
        state.pointee.fields = PQnfields(outcome)
    }

    /// Runs to the end and returns the number of rows changed.
    @discardableResult
    public func execute() throws -> Int {
        try run()
        defer { reset() }
        guard let digits = PQcmdTuples(state.pointee.result) else { return 0 }
        var changed = 0
        var cursor = digits
        while cursor.pointee >= 48 && cursor.pointee <= 57 {
            changed = changed &* 10 &+ Int(cursor.pointee - 48)
            cursor += 1
        }
        return changed
    }

    /// Runs an `INSERT ... RETURNING key` and returns the key.
    public func executeInsert() throws -> Int64 {
        try run()
        defer { reset() }
        guard state.pointee.rows > 0 else {
            throw DatabaseError.misuse("the INSERT returned no key", sql: sql)
        }
        state.pointee.row = 0
        return try int64(at: 0)
    }

    /// Moves to the next row (the statement runs at the first call).
    public func step() throws -> Bool {
        if state.pointee.result == nil { try run() }
        state.pointee.row += 1
        guard state.pointee.row < state.pointee.rows else {
            // The run is over: the connection is free for another thread even if no reset follows
            // (a query read to its end by an actor's task, which may resume on another thread).
            if state.pointee.held {
                state.pointee.held = false
                handle.owner.exit()
            }
            return false
        }
        return true
    }

    /// Drops the result and the bound values (and then gives the connection back, when the
    /// statement still had it).
    public func reset() {
        let held = state.pointee.held
        state.pointee.held = false
        defer { if held { handle.owner.exit() } }
        PQclear(state.pointee.result)
        state.pointee.result = nil
        state.pointee.row = -1
        state.pointee.rows = 0
        state.pointee.count = 0
        state.pointee.byteCount = 0
        if _slowPath(state.pointee.failed) {
            bindFailure = nil
            state.pointee.failed = false
        }
    }

    // MARK: Reading

    /// The bytes of a non-NULL cell of the current row and its column type; throws for NULL, no row,
    /// or a column index out of range.
    @inline(__always)
    private func cell(_ index: Int32) throws -> (UnsafeRawBufferPointer, UInt32) {
        let row = state.pointee.row
        guard let result = state.pointee.result, row >= 0, row < state.pointee.rows,
            index >= 0, index < state.pointee.fields
        else {
            throw DatabaseError.misuse("no column \(index) in the current row", sql: sql)
        }
        guard PQgetisnull(result, row, index) == 0 else { throw misfit(index, "NULL") }
        let bytes = UnsafeRawBufferPointer(start: PQgetvalue(result, row, index), count: Int(PQgetlength(result, row, index)))
        return (bytes, PQftype(result, index))
    }

    private func misfit(_ index: Int32, _ reason: String) -> DatabaseError {
        let column = columnName(at: index)
        return .invalidStoredValue("column \"\(column)\": \(reason)", sql: sql, column: column)
    }

    private func wrongType(_ index: Int32, _ type: UInt32, _ expected: String) -> DatabaseError {
        misfit(index, "a \(PostgresType.describe(type)) column is not \(expected)")
    }

    private static func bigEndian<T: FixedWidthInteger>(_ raw: UnsafeRawBufferPointer, _: T.Type) -> T? {
        guard raw.count == MemoryLayout<T>.size else { return nil }
        return T(bigEndian: raw.loadUnaligned(as: T.self))
    }

    /// True when the column is NULL (or there is no such column or row).
    public func isNull(at index: Int32) -> Bool {
        let current = state.pointee
        guard let result = current.result, current.row >= 0, current.row < current.rows else { return true }
        return PQgetisnull(result, current.row, index) != 0
    }

    /// Reads a `bigint`, `integer` or `smallint` column.
    public func int64(at index: Int32) throws -> Int64 {
        let (raw, type) = try cell(index)
        let value: Int64?
        switch type {
        case PostgresType.int8: value = Self.bigEndian(raw, Int64.self)
        case PostgresType.int4: value = Self.bigEndian(raw, Int32.self).map(Int64.init)
        case PostgresType.int2: value = Self.bigEndian(raw, Int16.self).map(Int64.init)
        default: throw wrongType(index, type, "an integer")
        }
        guard let value else { throw misfit(index, "malformed \(PostgresType.describe(type))") }
        return value
    }

    /// Reads a `double precision` column.
    public func double(at index: Int32) throws -> Double {
        let (raw, type) = try cell(index)
        let value: Double?
        switch type {
        case PostgresType.float8: value = Self.bigEndian(raw, UInt64.self).map(Double.init(bitPattern:))
        default: throw wrongType(index, type, "a double precision number")
        }
        guard let value else { throw misfit(index, "malformed \(PostgresType.describe(type))") }
        return value
    }

    /// Reads a `boolean` column.
    public func bool(at index: Int32) throws -> Bool {
        let (raw, type) = try cell(index)
        guard type == PostgresType.bool else { throw wrongType(index, type, "a Boolean") }
        guard raw.count == 1 else { throw misfit(index, "malformed boolean") }
        return raw[0] != 0
    }

    /// Reads a `text`, `varchar` or `name` column holding valid UTF-8.
    public func text(at index: Int32) throws -> String {
        let (raw, type) = try cell(index)
        switch type {
        case PostgresType.text, PostgresType.varchar, PostgresType.name: break
        default: throw wrongType(index, type, "text (text or varchar)")
        }
        guard let text = UTF8Text.validated(raw.bindMemory(to: UInt8.self)) else {
            throw misfit(index, "the text is not valid UTF-8")
        }
        return text
    }

    /// Reads a `bytea` column.
    public func data(at index: Int32) throws -> Data {
        let (raw, type) = try cell(index)
        guard type == PostgresType.bytea else { throw wrongType(index, type, "bytes (bytea)") }
        return Data(raw)
    }

    /// Reads a `timestamptz` column (`infinity` cannot be a `Date` and is an error).
    public func date(at index: Int32) throws -> Date {
        let (raw, type) = try cell(index)
        guard type == PostgresType.timestamptz else { throw wrongType(index, type, "a timestamptz") }
        guard let micros = Self.bigEndian(raw, Int64.self) else { throw misfit(index, "malformed timestamptz") }
        guard micros != .max && micros != .min else { throw misfit(index, "an infinite timestamp is not a date") }
        guard let date = MicrosecondEpoch.postgres.exactDate(microseconds: micros) else {
            throw misfit(
                index, "\(micros) µs since 2000 has no exact Date (a Date keeps every microsecond only until about 2140)")
        }
        return date
    }

    /// Reads a `uuid` column.
    public func uuid(at index: Int32) throws -> UUID {
        let (raw, type) = try cell(index)
        guard type == PostgresType.uuid else { throw wrongType(index, type, "a uuid") }
        guard raw.count == 16 else { throw misfit(index, "malformed uuid") }
        var value = UUID().uuid
        withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: raw) }
        return UUID(uuid: value)
    }

    /// Reads a `numeric` (or integer) column; `NaN`, infinities and values a `Decimal` cannot hold
    /// exactly (more than 38 significant digits) are errors, never rounded.
    public func decimal(at index: Int32) throws -> Decimal {
        let (raw, type) = try cell(index)
        switch type {
        case PostgresType.int8, PostgresType.int4, PostgresType.int2: return Decimal(try int64(at: index))
        case PostgresType.numeric: break
        default: throw wrongType(index, type, "a numeric")
        }
        guard let text = NumericText.decode(raw) else { throw misfit(index, "malformed numeric") }
        guard let value = DecimalText.parse(text) else {
            throw misfit(index, "\(text.prefix(60)) is not a decimal a Decimal holds exactly")
        }
        return value
    }

    /// The number of parameters: the highest `$n` in the SQL.
    public func parameterCount() -> Int { Int(expectedParameters) }

    /// The number of result columns.
    public var columnCount: Int32 { state.pointee.result.map { PQnfields($0) } ?? 0 }

    /// The name of a result column.
    public func columnName(at index: Int32) -> String {
        guard let result = state.pointee.result, let name = PQfname(result, index) else { return "" }
        return String(cString: name)
    }

    /// A column as a dynamic value, by its PostgreSQL type: integers (`bigint`, `integer`,
    /// `smallint`, `oid`, `boolean` as 0/1), reals (`double precision`, `real`), text (`text`,
    /// `varchar`, `char`, `name`, `json`, `jsonb`, `uuid` in lowercase, `numeric` and `date` in their
    /// canonical text, infinite timestamps as `infinity`), bytes (`bytea`), and timestamps as integer
    /// microseconds since 1970 (as on SQLite). Any other type is an error that says to cast it in SQL:
    /// its binary form would otherwise pass for something else.
    public func value(at index: Int32) throws -> DatabaseValue {
        let current = state.pointee
        guard let result = current.result, current.row >= 0, current.row < current.rows,
            index >= 0, index < current.fields
        else {
            throw DatabaseError.misuse("no column \(index) in the current row", sql: sql)
        }
        if PQgetisnull(result, current.row, index) != 0 { return .null }
        let (raw, type) = try cell(index)
        func malformed() -> DatabaseError { misfit(index, "malformed \(PostgresType.describe(type))") }
        func text(_ bytes: UnsafeRawBufferPointer) throws -> DatabaseValue {
            guard let text = UTF8Text.validated(bytes.bindMemory(to: UInt8.self)) else {
                throw misfit(index, "the text is not valid UTF-8")
            }
            return .text(text)
        }
        switch type {
        case PostgresType.int8:
            return try Self.bigEndian(raw, Int64.self).map { .integer($0) } ?? { throw malformed() }()
        case PostgresType.int4:
            return try Self.bigEndian(raw, Int32.self).map { .integer(Int64($0)) } ?? { throw malformed() }()
        case PostgresType.int2:
            return try Self.bigEndian(raw, Int16.self).map { .integer(Int64($0)) } ?? { throw malformed() }()
        case PostgresType.oid:
            return try Self.bigEndian(raw, UInt32.self).map { .integer(Int64($0)) } ?? { throw malformed() }()
        case PostgresType.bool:
            guard raw.count == 1 else { throw malformed() }
            return .integer(raw[0] == 0 ? 0 : 1)
        case PostgresType.float8:
            return try Self.bigEndian(raw, UInt64.self).map { .real(Double(bitPattern: $0)) } ?? { throw malformed() }()
        case PostgresType.float4:
            return try Self.bigEndian(raw, UInt32.self).map { .real(Double(Float(bitPattern: $0))) } ?? { throw malformed() }()
        case PostgresType.bytea:
            return .blob(Data(raw))
        case PostgresType.uuid:
            return .text(try uuid(at: index).uuidString.lowercased())
        case PostgresType.text, PostgresType.varchar, PostgresType.bpchar, PostgresType.name, PostgresType.char,
            PostgresType.json:
            return try text(raw)
        case PostgresType.jsonb:
            // Binary jsonb is a version byte (1) and the JSON text.
            guard raw.first == 1 else { throw malformed() }
            return try text(UnsafeRawBufferPointer(rebasing: raw.dropFirst()))
        case PostgresType.numeric:
            guard let decimal = NumericText.decode(raw) else { throw malformed() }
            return .text(decimal)
        case PostgresType.timestamptz, PostgresType.timestamp:
            guard let micros = Self.bigEndian(raw, Int64.self) else { throw malformed() }
            if micros == .max { return .text("infinity") }
            if micros == .min { return .text("-infinity") }
            // As on SQLite: microseconds since 1970.
            let (since1970, overflow) = micros.addingReportingOverflow(946_684_800_000_000)
            guard !overflow else { throw malformed() }
            return .integer(since1970)
        case PostgresType.void:
            // What functions such as pg_sleep return: there is no value.
            return .null
        case PostgresType.date:
            guard let days = Self.bigEndian(raw, Int32.self) else { throw malformed() }
            if days == .max { return .text("infinity") }
            if days == .min { return .text("-infinity") }
            return .text(CivilDate(daysSince2000: Int64(days)).description)
        default:
            throw misfit(
                index,
                "a \(PostgresType.describe(type)) column cannot be read as a dynamic value; cast it in the SQL (for example \"\(columnName(at: index))\"::text)"
            )
        }
    }
}

/// A calendar date from a day count (proleptic Gregorian, Howard Hinnant's `civil_from_days`), for
/// PostgreSQL's binary `date`.
struct CivilDate: CustomStringConvertible {
    let year: Int64
    let month: Int64
    let day: Int64

    init(daysSince2000: Int64) {
        let z = daysSince2000 + 10_957 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// `YYYY-MM-DD`, as PostgreSQL writes it (years before 1 as `YYYY-MM-DD BC`).
    var description: String {
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        if year <= 0 { return "\(pad(1 - year, 4))-\(pad(month, 2))-\(pad(day, 2)) BC" }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}

extension DatabaseError {
    /// "cached plan must not change result type": a table changed under a prepared statement.
    var isStalePlan: Bool {
        sqlState == "0A000" && message.contains("cached plan must not change result type")
    }

    /// SQLSTATE 26000: a prepared statement the client named does not exist on the server.
    var isMissingStatement: Bool { sqlState == "26000" }
}
