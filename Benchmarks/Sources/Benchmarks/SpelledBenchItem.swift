import OptimisticLock

/// `BenchItem` with the statements the runtime spells from a table description (issue 22's shape)
/// instead of the generator's static strings: reading and binding are the generated ones.
struct SpelledBenchItem: VersionedModel {
    var item: BenchItem

    typealias Key = Int64
    typealias Column = BenchItem.Column

    static let table = TableDescription(
        name: "bench_item",
        columns: [
            ColumnDescription(name: "id", type: .integer64), ColumnDescription(name: "version", type: .integer64),
            ColumnDescription(name: "name", type: .text),
            ColumnDescription(name: "value", type: .integer64, defaultValue: .integer(0)),
            ColumnDescription(name: "score", type: .double, defaultValue: .real("0")),
        ],
        key: "id", keyIsAssignedByDatabase: true, version: "version")
    static let statements = ModelStatements(table: table)

    static var tableName: String { BenchItem.tableName }
    static var keyColumn: Column { BenchItem.keyColumn }
    static var versionColumn: Column { BenchItem.versionColumn }
    var primaryKey: Int64? { item.primaryKey }
    var version: Int64 {
        get { item.version }
        set { item.version = newValue }
    }

    init(_ item: BenchItem) { self.item = item }
    init(row: borrowing some PreparedStatement) throws { item = try BenchItem(row: row) }
    mutating func didInsert(rowID: Int64) { item.didInsert(rowID: rowID) }
    func bindValues(to statement: some PreparedStatement) -> Int32 { item.bindValues(to: statement) }
    func bind(_ column: Column, to statement: some PreparedStatement, at index: Int32) {
        item.bind(column, to: statement, at: index)
    }
}
