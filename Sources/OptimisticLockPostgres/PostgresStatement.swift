import CLibPQ
import OptimisticLock
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A statement of one `PostgresConnection`, prepared on the server at its first run.
///
/// Parameters and results travel in PostgreSQL's binary format:
/// - integers as `int8` (the server casts to `integer` columns), `Double` as `float8`, `Bool` as `boolean`;
/// - `String` and enums as `text` (PostgreSQL text cannot hold the NUL character: such a string is a
///   `DatabaseError`), `Data` as `bytea`, `UUID` as `uuid`;
/// - `Date` as `timestamptz`, microseconds since 2000-01-01 UTC (the same microsecond precision as on SQLite).
///
/// A parameter's type is fixed by its first non-NULL value; a statement run with different types
/// is prepared again on the server under another name (rare: generated code always binds one type).
public final class PostgresStatement: PreparedStatement {
    /// The statement's SQL.
    public let sql: String
    private let handle: PostgresHandle
    /// Server-side statements prepared so far, by the parameter types they were prepared with.
    private var variants: [(types: [UInt32], name: String)] = []

    private var types: [UInt32] = []
    private var lengths: [Int32] = []
    private var offsets: [Int] = []
    /// Parameter bytes; starts with one byte so that every value has a non-null address.
    private var buffer: [UInt8] = [0]
    private var bindFailure: DatabaseError?

    private var result: OpaquePointer?
    private var row: Int32 = -1

    private enum OID {
        static let bool: UInt32 = 16
        static let bytea: UInt32 = 17
        static let int8: UInt32 = 20
        static let int2: UInt32 = 21
        static let int4: UInt32 = 23
        static let text: UInt32 = 25
        static let float4: UInt32 = 700
        static let float8: UInt32 = 701
        static let varchar: UInt32 = 1043
        static let timestamp: UInt32 = 1114
        static let timestamptz: UInt32 = 1184
        static let numeric: UInt32 = 1700
        static let uuid: UInt32 = 2950
    }

    init(sql: String, handle: PostgresHandle) {
        self.sql = sql
        self.handle = handle
    }

    deinit {
        PQclear(result)
    }

    // MARK: Binding

    private func store(_ index: Int32, type: UInt32, _ write: (inout [UInt8]) -> Void) {
        guard index >= 1 else {
            if bindFailure == nil {
                bindFailure = .invalidValue("parameter index \(index) is out of range", sql: sql)
            }
            return
        }
        let position = Int(index - 1)
        while offsets.count <= position {
            offsets.append(-1)
            lengths.append(0)
            types.append(0)
        }
        let start = buffer.count
        write(&buffer)
        offsets[position] = start
        lengths[position] = Int32(buffer.count - start)
        types[position] = type
    }

    private func storeInteger<T: FixedWidthInteger>(_ value: T, _ index: Int32, type: UInt32) {
        store(index, type: type) { bytes in
            withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
        }
    }

    /// Binds an `int8`.
    public func bind(int64 value: Int64, at index: Int32) {
        storeInteger(value, index, type: OID.int8)
    }

    /// Binds a `float8`.
    public func bind(double value: Double, at index: Int32) {
        storeInteger(value.bitPattern, index, type: OID.float8)
    }

    /// Binds a `boolean`.
    public func bind(bool value: Bool, at index: Int32) {
        store(index, type: OID.bool) { $0.append(value ? 1 : 0) }
    }

    /// Binds `text`.
    public func bind(text value: String, at index: Int32) {
        if value.utf8.contains(0), bindFailure == nil {
            bindFailure = .invalidValue("cannot bind parameter \(index): PostgreSQL text cannot contain the NUL character",
                                        sql: sql)
        }
        store(index, type: OID.text) { $0.append(contentsOf: value.utf8) }
    }

    /// Binds `bytea`.
    public func bind(data value: Data, at index: Int32) {
        store(index, type: OID.bytea) { $0.append(contentsOf: value) }
    }

    /// Binds a `timestamptz`, rounded to the microsecond.
    public func bind(date value: Date, at index: Int32) {
        guard let stored = MicrosecondEpoch.postgres.microseconds(of: value) else {
            if bindFailure == nil {
                bindFailure = .invalidValue("cannot bind parameter \(index): date \(value) is out of range", sql: sql)
            }
            return
        }
        storeInteger(stored, index, type: OID.timestamptz)
    }

    /// Binds a `uuid`.
    public func bind(uuid value: UUID, at index: Int32) {
        store(index, type: OID.uuid) { bytes in
            withUnsafeBytes(of: value.uuid) { bytes.append(contentsOf: $0) }
        }
    }

    /// Binds NULL.
    public func bindNull(at index: Int32) {
        store(index, type: 0) { _ in }
        if index >= 1 { offsets[Int(index - 1)] = -1 }
    }

    // MARK: Running

    /// The server-side statement for the bound types, prepared now if needed.
    private func preparedName() throws -> String {
        let connection = handle.connection
        for variant in variants where variant.types.count == types.count {
            if zip(variant.types, types).allSatisfy({ $1 == 0 || $0 == $1 }) { return variant.name }
        }
        let name = handle.statementName()
        let prepared = PQprepare(connection, name, sql, Int32(types.count), types)
        defer { PQclear(prepared) }
        guard PQresultStatus(prepared) == PGRES_COMMAND_OK else {
            throw DatabaseError.postgres(prepared, connection: connection, sql: sql)
        }
        variants.append((types, name))
        return name
    }

    /// Runs the statement with the bound parameters; the result stays until `reset()`.
    private func run() throws {
        if let failure = bindFailure {
            reset()
            throw failure
        }
        let connection = handle.connection
        let name: String
        do {
            name = try preparedName()
        } catch {
            reset()
            throw error
        }
        let formats = [Int32](repeating: 1, count: types.count)
        let outcome = buffer.withUnsafeBufferPointer { bytes -> OpaquePointer? in
            let base = UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self)
            let values: [UnsafePointer<CChar>?] = offsets.map { $0 < 0 ? nil : base + $0 }
            return PQexecPrepared(connection, name, Int32(types.count), values, lengths, formats, 1)
        }
        let status = PQresultStatus(outcome)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let error = DatabaseError.postgres(outcome, connection: connection, sql: sql)
            PQclear(outcome)
            reset()
            throw error
        }
        result = outcome
        row = -1
    }

    /// Runs to the end and returns the number of rows changed.
    @discardableResult
    public func execute() throws -> Int {
        try run()
        defer { reset() }
        return PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
    }

    /// Runs an `INSERT ... RETURNING key` and returns the key.
    public func executeInsert() throws -> Int64 {
        try run()
        defer { reset() }
        guard PQntuples(result) > 0 else {
            throw DatabaseError(kind: .other, message: "the INSERT returned no key", sql: sql)
        }
        row = 0
        return int64(at: 0)
    }

    /// Moves to the next row (the statement runs at the first call).
    public func step() throws -> Bool {
        if result == nil { try run() }
        row += 1
        return row < PQntuples(result)
    }

    /// Drops the result and the bound values.
    public func reset() {
        PQclear(result)
        result = nil
        row = -1
        types.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        buffer.removeSubrange(1...)
        bindFailure = nil
    }

    // MARK: Reading

    private func bytes(_ index: Int32) -> UnsafeRawBufferPointer {
        guard let result, row >= 0, row < PQntuples(result), index >= 0, index < PQnfields(result),
              PQgetisnull(result, row, index) == 0, let value = PQgetvalue(result, row, index) else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        return UnsafeRawBufferPointer(start: value, count: Int(PQgetlength(result, row, index)))
    }

    private func integer(_ raw: UnsafeRawBufferPointer) -> Int64 {
        switch raw.count {
        case 8: return Int64(bigEndian: raw.loadUnaligned(as: Int64.self))
        case 4: return Int64(Int32(bigEndian: raw.loadUnaligned(as: Int32.self)))
        case 2: return Int64(Int16(bigEndian: raw.loadUnaligned(as: Int16.self)))
        case 1: return Int64(raw[0])
        default: return 0
        }
    }

    /// True when the column is NULL.
    public func isNull(at index: Int32) -> Bool {
        guard let result, row >= 0, row < PQntuples(result) else { return true }
        return PQgetisnull(result, row, index) != 0
    }

    /// Reads an integer column (`bigint`, `integer`, `smallint`).
    public func int64(at index: Int32) -> Int64 {
        integer(bytes(index))
    }

    /// Reads a `double precision` (or `real`) column.
    public func double(at index: Int32) -> Double {
        let raw = bytes(index)
        switch raw.count {
        case 8: return Double(bitPattern: UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self)))
        case 4: return Double(Float(bitPattern: UInt32(bigEndian: raw.loadUnaligned(as: UInt32.self))))
        default: return 0
        }
    }

    /// Reads a `boolean` column.
    public func bool(at index: Int32) -> Bool {
        let raw = bytes(index)
        return raw.count == 1 ? raw[0] != 0 : integer(raw) != 0
    }

    /// Reads a `text` column.
    public func text(at index: Int32) -> String {
        String(decoding: bytes(index), as: UTF8.self)
    }

    /// Reads a `bytea` column.
    public func data(at index: Int32) -> Data {
        Data(bytes(index))
    }

    /// Reads a `timestamptz` column.
    public func date(at index: Int32) -> Date {
        MicrosecondEpoch.postgres.date(microseconds: integer(bytes(index)))
    }

    /// Reads a `uuid` column.
    public func uuid(at index: Int32) throws -> UUID {
        let raw = bytes(index)
        guard raw.count == 16 else {
            throw DatabaseError.invalidValue("column \(columnName(at: index)) does not hold a UUID", sql: sql)
        }
        var value = UUID().uuid
        withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: raw) }
        return UUID(uuid: value)
    }

    /// The number of result columns.
    public var columnCount: Int32 { result.map { PQnfields($0) } ?? 0 }

    /// The name of a result column.
    public func columnName(at index: Int32) -> String {
        guard let result, let name = PQfname(result, index) else { return "" }
        return String(cString: name)
    }

    /// A column as a dynamic value, by its PostgreSQL type.
    public func value(at index: Int32) -> DatabaseValue {
        guard let result, !isNull(at: index) else { return .null }
        switch PQftype(result, index) {
        case OID.int8, OID.int4, OID.int2: return .integer(int64(at: index))
        case OID.bool: return .integer(bool(at: index) ? 1 : 0)
        case OID.float8, OID.float4: return .real(double(at: index))
        case OID.bytea: return .blob(data(at: index))
        case OID.uuid: return (try? uuid(at: index)).map { .text($0.uuidString.lowercased()) } ?? .null
        case OID.timestamptz, OID.timestamp:
            // As on SQLite: microseconds since 1970.
            let date = MicrosecondEpoch.postgres.date(microseconds: integer(bytes(index)))
            return MicrosecondEpoch.unix.microseconds(of: date).map { .integer($0) } ?? .null
        case OID.numeric: return .text(NumericText.decode(bytes(index)))
        default: return .text(text(at: index))
        }
    }
}
