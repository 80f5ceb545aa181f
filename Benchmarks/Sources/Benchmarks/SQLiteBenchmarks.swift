import CSQLite
import CoreMetrics
import Foundation
import GRDB
import Logging
import OptimisticLock
import OptimisticLockTelemetry
import Synchronization
import Tracing
import _OptimisticLockCompiler

/// Update, fetch and insert: generated code vs the raw sqlite3 C API vs GRDB, same data, same file settings.
struct SQLiteBenchmarks {
    let report: Report
    let measure: Measure
    let updateRows = 10_000
    let updateRounds = 10
    let fetchRows = 100_000
    let insertRows = 100_000

    /// Runs one contender once, e.g. `insert-generated`, for an instruction profile.
    func profile(_ name: String) throws {
        let contenders: [String: () throws -> Contender] = [
            "update-generated": { try updateContenders()[0] }, "update-raw": { try updateContenders()[1] },
            "update-telemetry": { try updateContenders()[4] }, "update-metrics": { try updateContenders()[5] },
            "insert-generated": { try insertContenders()[0] }, "insert-raw": { try insertContenders()[1] },
        ]
        if name == "fetch-generated" || name == "fetch-raw" {
            let path = try BenchDatabase.make(rows: fetchRows)
            let db = try OptimisticLock.SQLiteConnection(path: path)
            let count = name == "fetch-raw" ? try Self.rawFetch(db.handle).count : try BenchItem.fetchAll(db).count
            precondition(count == fetchRows)
            return
        }
        if name == "generator" {
            let compilation = Compiler.compile(GeneratorBenchmarks.schema(models: 1000))
            for index in compilation.files.indices { _ = compilation.swiftSource(forFile: index) }
            return
        }
        guard let make = contenders[name] else { throw BenchmarkFailure(message: "profile: \(contenders.keys.sorted())") }
        let contender = try make()
        try contender.run(try contender.prepare())
    }

    // MARK: Update

    func update() throws {
        report.section("Update: \(updateRows) rows x \(updateRounds) version-checked updates, one transaction")
        let contenders = try updateContenders()
        let results = try measure.run(contenders)
        let operations = updateRows * updateRounds
        for name in [
            "raw sqlite3", "generated update", "GRDB cached statement", "GRDB filtered updateAll", "generated update, Telemetry",
            "generated update, metrics on",
        ] {
            report.row(name, results[name]!, operations: operations)
        }
        report.ratio("update.generated/raw", results["generated update"], results["raw sqlite3"])
        report.ratio("update.telemetry/plain", results["generated update, Telemetry"], results["generated update"])
        report.ratio("update.metrics/plain", results["generated update, metrics on"], results["generated update"])
        report.ratio("update.grdb-cached/generated", results["GRDB cached statement"], results["generated update"])
        report.ratio("update.grdb/generated", results["GRDB filtered updateAll"], results["generated update"])
    }

    /// `Telemetry` as a server would run it without exporters: swift-log's default level (info,
    /// so no statement lines), no-op metrics and tracer. What remains is the observer's own work.
    static let telemetry = Telemetry(
        logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }, tracer: NoOpTracer(),
        metrics: NOOPMetricsHandler.instance)

    /// `Telemetry` with metrics on (a backend that only counts), no tracer, logs at info.
    static let telemetryMetrics = Telemetry(
        logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }, tracer: NoOpTracer(), metrics: CountingMetrics())

    /// The generated `update` in one transaction, with or without an observer on its connection.
    func generatedUpdate(name: String, observer: (any DatabaseObserver)?) -> Contender {
        Contender(
            name: name,
            prepare: {
                let path = try BenchDatabase.make(rows: updateRows)
                let db = try OptimisticLock.SQLiteConnection(path: path, observer: observer)
                return Box((db, try BenchItem.fetchAll(db), path))
            },
            run: { state in
                let box = state as! Box<(OptimisticLock.SQLiteConnection, [BenchItem], String)>
                let db = box.value.0
                var items = box.value.1
                try db.transaction {
                    for _ in 0..<updateRounds {
                        for index in items.indices {
                            items[index].value &+= 1
                            try items[index].update(db)
                        }
                    }
                }
                precondition(VersionGenerator.isValid(items[0].version))
            })
    }

    /// Generated, raw, GRDB's fastest hand-written form, GRDB's query interface. Every contender
    /// does the same token work: a new version from a `VersionGenerator` per update.
    func updateContenders() throws -> [Contender] {
        let generated = generatedUpdate(name: "generated update", observer: nil)
        let observed = generatedUpdate(name: "generated update, Telemetry", observer: Self.telemetry)
        let measured = generatedUpdate(name: "generated update, metrics on", observer: Self.telemetryMetrics)
        let raw = Contender(
            name: "raw sqlite3",
            prepare: {
                let path = try BenchDatabase.make(rows: updateRows)
                let db = try OptimisticLock.SQLiteConnection(path: path)
                return Box((db, try Self.rawFetch(db.handle), path))
            },
            run: { state in
                let box = state as! Box<(OptimisticLock.SQLiteConnection, [RawItem], String)>
                let handle = box.value.0.handle
                var items = box.value.1
                let versions = VersionGenerator()
                let statement = Raw.prepare(
                    handle,
                    #"UPDATE "bench_item" SET "name" = ?, "value" = ?, "score" = ?, "version" = ? WHERE "id" = ? AND "version" = ?"#
                )
                defer { sqlite3_finalize(statement) }
                Raw.exec(handle, "BEGIN IMMEDIATE")
                for _ in 0..<updateRounds {
                    for index in items.indices {
                        items[index].value &+= 1
                        let next = versions.next()
                        Raw.bindText(statement, 1, items[index].name)
                        sqlite3_bind_int64(statement, 2, items[index].value)
                        sqlite3_bind_double(statement, 3, items[index].score)
                        sqlite3_bind_int64(statement, 4, next)
                        sqlite3_bind_int64(statement, 5, items[index].id)
                        sqlite3_bind_int64(statement, 6, items[index].version)
                        guard sqlite3_step(statement) == SQLITE_DONE, sqlite3_changes(handle) == 1 else {
                            fatalError("raw update failed")
                        }
                        sqlite3_reset(statement)
                        items[index].version = next
                    }
                }
                Raw.exec(handle, "COMMIT")
                precondition(VersionGenerator.isValid(items[0].version))
            })
        // Both GRDB contenders start from a fresh file and its records, loaded untimed.
        let prepareGRDB: () throws -> AnyObject = {
            let path = try BenchDatabase.make(rows: updateRows)
            let queue = try BenchDatabase.grdb(path)
            let items = try queue.read { try GRDBItem.fetchAll($0) }
            return Box((queue, items, path))
        }
        let grdbCached = Contender(
            name: "GRDB cached statement",
            prepare: prepareGRDB,
            run: { state in
                let box = state as! Box<(DatabaseQueue, [GRDBItem], String)>
                var items = box.value.1
                let versions = VersionGenerator()
                try box.value.0.inTransaction(.immediate) { db in
                    let statement = try db.cachedStatement(
                        sql:
                            #"UPDATE "bench_item" SET "name" = ?, "value" = ?, "score" = ?, "version" = ? WHERE "id" = ? AND "version" = ?"#
                    )
                    for _ in 0..<updateRounds {
                        for index in items.indices {
                            items[index].value &+= 1
                            let item = items[index]
                            let next = versions.next()
                            try statement.execute(arguments: [item.name, item.value, item.score, next, item.id, item.version])
                            guard db.changesCount == 1 else { fatalError("GRDB update conflicted") }
                            items[index].version = next
                        }
                    }
                    return .commit
                }
                precondition(VersionGenerator.isValid(items[0].version))
            })
        let grdb = Contender(
            name: "GRDB filtered updateAll",
            prepare: prepareGRDB,
            run: { state in
                let box = state as! Box<(DatabaseQueue, [GRDBItem], String)>
                var items = box.value.1
                let id = Column("id")
                let version = Column("version")
                let versions = VersionGenerator()
                try box.value.0.inTransaction(.immediate) { db in
                    for _ in 0..<updateRounds {
                        for index in items.indices {
                            items[index].value &+= 1
                            let item = items[index]
                            let next = versions.next()
                            let changed =
                                try GRDBItem
                                .filter(id == item.id && version == item.version)
                                .updateAll(
                                    db,
                                    [
                                        Column("name").set(to: item.name),
                                        Column("value").set(to: item.value),
                                        Column("score").set(to: item.score),
                                        version.set(to: next),
                                    ])
                            guard changed == 1 else { fatalError("GRDB update conflicted") }
                            items[index].version = next
                        }
                    }
                    return .commit
                }
                precondition(VersionGenerator.isValid(items[0].version))
            })
        return [generated, raw, grdbCached, grdb, observed, measured]
    }

    @inline(never)
    static func rawFetch(_ handle: OpaquePointer) throws -> [RawItem] {
        let statement = Raw.prepare(handle, #"SELECT "id", "version", "name", "value", "score" FROM "bench_item" ORDER BY "id""#)
        defer { sqlite3_finalize(statement) }
        var items: [RawItem] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            items.append(
                RawItem(
                    id: sqlite3_column_int64(statement, 0), version: sqlite3_column_int64(statement, 1),
                    name: Raw.text(statement, 2), value: sqlite3_column_int64(statement, 3),
                    score: sqlite3_column_double(statement, 4)))
        }
        return items
    }

    // MARK: Fetch

    func fetch() throws {
        report.section("Fetch: fetchAll of \(fetchRows) rows")
        let path = try BenchDatabase.make(rows: fetchRows)
        defer { BenchDatabase.remove(path) }
        let db = try OptimisticLock.SQLiteConnection(path: path)
        let queue = try BenchDatabase.grdb(path)
        let none: () throws -> AnyObject = { Box(()) }
        let generated = Contender(name: "generated fetchAll", prepare: none) { _ in
            let count = try BenchItem.fetchAll(db).count
            precondition(count == fetchRows)
        }
        let raw = Contender(name: "raw sqlite3", prepare: none) { _ in
            let count = try Self.rawFetch(db.handle).count
            precondition(count == fetchRows)
        }
        let grdbRow = Contender(name: "GRDB init(row:)", prepare: none) { _ in
            let count = try queue.read { try GRDBItem.fetchAll($0) }.count
            precondition(count == fetchRows)
        }
        let grdbCodable = Contender(name: "GRDB Codable", prepare: none) { _ in
            let count = try queue.read { try GRDBCodableItem.fetchAll($0) }.count
            precondition(count == fetchRows)
        }
        let results = try measure.run([generated, raw, grdbRow, grdbCodable])
        for name in ["raw sqlite3", "generated fetchAll", "GRDB init(row:)", "GRDB Codable"] {
            report.row(name, results[name]!, operations: fetchRows)
        }
        report.ratio("fetch.generated/raw", results["generated fetchAll"], results["raw sqlite3"])
        report.ratio("fetch.grdb/generated", results["GRDB init(row:)"], results["generated fetchAll"])
        report.ratio("fetch.grdb-codable/generated", results["GRDB Codable"], results["generated fetchAll"])
    }

    // MARK: Finder

    /// `fetchAll(db, itemID:)` over the reference's index, for 1,000 items of 100 lines each, against
    /// the raw sqlite3 loop running the same SQL.
    func finder(items: Int = 1_000, linesPerItem: Int = 100) throws {
        report.section("Finder: fetchAll(db, itemID:) over an index, \(items) items x \(linesPerItem) lines")
        let path = try BenchDatabase.make(rows: items)
        defer { BenchDatabase.remove(path) }
        let db = try OptimisticLock.SQLiteConnection(path: path)
        try BenchLine.createTable(db)
        try db.transaction {
            for item in 1...items {
                for line in 0..<linesPerItem {
                    var record = BenchLine(itemID: Int64(item), quantity: Int64(line), note: "line \(line)")
                    try record.insert(db)
                }
            }
        }
        let none: () throws -> AnyObject = { Box(()) }
        let generated = Contender(name: "generated finder", prepare: none) { _ in
            var total = 0
            for item in 1...items { total += try BenchLine.fetchAll(db, itemID: Int64(item)).count }
            precondition(total == items * linesPerItem)
        }
        let raw = Contender(name: "raw sqlite3", prepare: none) { _ in
            let total = Self.rawFinder(db.handle, items: items)
            precondition(total == items * linesPerItem)
        }
        let results = try measure.run([generated, raw])
        for name in ["raw sqlite3", "generated finder"] {
            report.row(name, results[name]!, operations: items * linesPerItem)
        }
        report.ratio("finder.generated/raw", results["generated finder"], results["raw sqlite3"])
    }

    @inline(never)
    static func rawFinder(_ handle: OpaquePointer, items: Int) -> Int {
        let statement = Raw.prepare(
            handle, #"SELECT "id", "version", "item_id", "quantity", "note" FROM "bench_line" WHERE "item_id" = ? ORDER BY "id""#)
        defer { sqlite3_finalize(statement) }
        var total = 0
        for item in 1...items {
            sqlite3_bind_int64(statement, 1, Int64(item))
            var lines: [RawLine] = []
            while sqlite3_step(statement) == SQLITE_ROW {
                lines.append(
                    RawLine(
                        id: sqlite3_column_int64(statement, 0), version: sqlite3_column_int64(statement, 1),
                        itemID: sqlite3_column_int64(statement, 2), quantity: sqlite3_column_int64(statement, 3),
                        note: Raw.text(statement, 4)))
            }
            sqlite3_reset(statement)
            total += lines.count
        }
        return total
    }

    // MARK: Insert

    func insert() throws {
        report.section("Insert: \(insertRows) inserts with database-assigned keys, one transaction")
        let results = try measure.run(try insertContenders())
        for name in ["raw sqlite3", "generated insert", "GRDB insert"] {
            report.row(name, results[name]!, operations: insertRows)
        }
        report.ratio("insert.generated/raw", results["generated insert"], results["raw sqlite3"])
        report.ratio("insert.grdb/generated", results["GRDB insert"], results["generated insert"])
    }

    /// Generated, raw, GRDB.
    func insertContenders() throws -> [Contender] {
        let fresh: () throws -> AnyObject = { Box(try BenchDatabase.make(rows: 0)) }
        func path(_ state: AnyObject) -> String { (state as! Box<String>).value }
        let generated = Contender(name: "generated insert", prepare: fresh) { state in
            let db = try OptimisticLock.SQLiteConnection(path: path(state))
            try db.transaction {
                for index in 0..<insertRows {
                    var item = BenchItem(name: "item", value: Int64(index), score: 0.5)
                    try item.insert(db)
                }
            }
        }
        let raw = Contender(name: "raw sqlite3", prepare: fresh) { state in
            let db = try OptimisticLock.SQLiteConnection(path: path(state))
            let handle = db.handle
            let versions = VersionGenerator()
            let statement = Raw.prepare(
                handle, #"INSERT INTO "bench_item" ("name", "value", "score", "version") VALUES (?, ?, ?, ?)"#)
            defer { sqlite3_finalize(statement) }
            Raw.exec(handle, "BEGIN IMMEDIATE")
            var last: Int64 = 0
            for index in 0..<insertRows {
                Raw.bindText(statement, 1, "item")
                sqlite3_bind_int64(statement, 2, Int64(index))
                sqlite3_bind_double(statement, 3, 0.5)
                sqlite3_bind_int64(statement, 4, versions.next())
                guard sqlite3_step(statement) == SQLITE_DONE else { fatalError("raw insert failed") }
                sqlite3_reset(statement)
                last = sqlite3_last_insert_rowid(handle)
            }
            Raw.exec(handle, "COMMIT")
            precondition(last == Int64(insertRows))
        }
        let grdb = Contender(name: "GRDB insert", prepare: fresh) { state in
            let queue = try BenchDatabase.grdb(path(state))
            let versions = VersionGenerator()
            try queue.inTransaction(.immediate) { db in
                for index in 0..<insertRows {
                    var item = GRDBItem(id: nil, version: versions.next(), name: "item", value: Int64(index), score: 0.5)
                    try item.insert(db)
                }
                return .commit
            }
        }
        return [generated, raw, grdb]
    }
}

/// A metrics backend that only adds to atomics: what `Telemetry` costs when metrics are on,
/// without an exporter's own cost.
final class CountingMetrics: MetricsFactory, CounterHandler, RecorderHandler, TimerHandler, MeterHandler, Sendable {
    let total = Atomic<Int>(0)

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { self }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler { self }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { self }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { self }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}

    func increment(by amount: Int64) { total.add(Int(amount), ordering: .relaxed) }
    func reset() {}
    func record(_ value: Int64) { total.add(1, ordering: .relaxed) }
    func record(_ value: Double) { total.add(1, ordering: .relaxed) }
    func recordNanoseconds(_ duration: Int64) { total.add(1, ordering: .relaxed) }
    func set(_ value: Int64) {}
    func set(_ value: Double) {}
    func increment(by amount: Double) {}
    func decrement(by amount: Double) {}
}
