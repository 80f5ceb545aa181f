#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A statement whose result columns are read in a model's field order whatever order the SQL
/// selected them in: column `i` of this statement is column `order[i]` of the one it wraps. Your own
/// SQL into models goes through it when its columns are the model's by name but not by position
/// (`SELECT *` from a table `migrate` added a column to: new columns go last), or come with others
/// (a join's). Running and binding are the wrapped statement's.
final class ColumnsByName<Base: PreparedStatement>: PreparedStatement {
    let base: Base
    private let order: [Int32]

    init(_ base: Base, order: [Int32]) {
        self.base = base
        self.order = order
    }

    /// The wrapped statement's column for field `index`; one past its columns for an index past the
    /// model's (its reader then fails as for any index out of range).
    @inline(__always)
    private func column(_ index: Int32) -> Int32 {
        index >= 0 && Int(index) < order.count ? order[Int(index)] : base.columnCount
    }

    func bind(int64 value: Int64, at index: Int32) { base.bind(int64: value, at: index) }
    func bind(double value: Double, at index: Int32) { base.bind(double: value, at: index) }
    func bind(bool value: Bool, at index: Int32) { base.bind(bool: value, at: index) }
    func bind(text value: String, at index: Int32) { base.bind(text: value, at: index) }
    func bind(data value: Data, at index: Int32) { base.bind(data: value, at: index) }
    func bind(date value: Date, at index: Int32) { base.bind(date: value, at: index) }
    func bind(uuid value: UUID, at index: Int32) { base.bind(uuid: value, at: index) }
    func bind(decimal value: Decimal, at index: Int32) { base.bind(decimal: value, at: index) }
    func bindNull(at index: Int32) { base.bindNull(at: index) }

    func execute() throws -> Int { try base.execute() }
    func executeInsert() throws -> Int64 { try base.executeInsert() }
    func step() throws -> Bool { try base.step() }
    func reset() { base.reset() }

    func isNull(at index: Int32) -> Bool { base.isNull(at: column(index)) }
    func int64(at index: Int32) throws -> Int64 { try base.int64(at: column(index)) }
    func double(at index: Int32) throws -> Double { try base.double(at: column(index)) }
    func bool(at index: Int32) throws -> Bool { try base.bool(at: column(index)) }
    func text(at index: Int32) throws -> String { try base.text(at: column(index)) }
    func data(at index: Int32) throws -> Data { try base.data(at: column(index)) }
    func date(at index: Int32) throws -> Date { try base.date(at: column(index)) }
    func uuid(at index: Int32) throws -> UUID { try base.uuid(at: column(index)) }
    func decimal(at index: Int32) throws -> Decimal { try base.decimal(at: column(index)) }

    func parameterCount() throws -> Int { try base.parameterCount() }
    var columnCount: Int32 { Int32(order.count) }
    func columnName(at index: Int32) -> String { base.columnName(at: column(index)) }
    func value(at index: Int32) throws -> DatabaseValue { try base.value(at: column(index)) }
    var sql: String { base.sql }
}
