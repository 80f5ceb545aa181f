import Foundation
import OptimisticLock
import OptimisticLockPostgres
import Synchronization

/// Several threads incrementing one hot row: optimistic (`retryOnConflict`) against pessimistic locking.
struct ContentionBenchmarks {
    let report: Report
    let threads = 4
    let incrementsPerThread = 250

    /// Runs `threads` threads, each with its own connection, and returns (seconds, retries).
    func run(
        connect: @escaping @Sendable () throws -> any DatabaseConnection,
        increment: @escaping @Sendable (any DatabaseConnection) throws -> Int
    ) throws -> (Double, Int) {
        let retries = Mutex(0)
        let failures = Mutex<[String]>([])
        let group = DispatchGroup()
        let perThread = incrementsPerThread
        let seconds = Measure.time {
            for _ in 0..<threads {
                group.enter()
                Thread {
                    defer { group.leave() }
                    do {
                        let db = try connect()
                        for _ in 0..<perThread {
                            let extra = try increment(db)
                            retries.withLock { $0 += extra }
                        }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }.start()
            }
            group.wait()
        }
        if let failure = failures.withLock({ $0.first }) { throw BenchmarkFailure(message: failure) }
        return (seconds, retries.withLock { $0 })
    }

    /// Optimistic: read, change, conditional update; on conflict read again.
    static func optimistic(_ db: any DatabaseConnection) throws -> Int {
        var attempts = 0
        try db.retryOnConflict(maxAttempts: 1_000_000) {
            attempts += 1
            var item = try BenchItem.find(db, id: 1)!
            item.value += 1
            try item.update(db)
        }
        return attempts - 1
    }

    private func show(_ name: String, _ result: (Double, Int), total: Int, final: Int64) {
        let (seconds, retries) = result
        report.note(
            "\(name.padding(toLength: 34, withPad: " ", startingAt: 0)) \(String(format: "%8.0f", Double(total) / seconds)) updates/s, \(retries) retries, final value \(final) of \(total)"
        )
    }

    func sqlite() throws {
        let total = threads * incrementsPerThread
        report.section("Contention on SQLite: \(threads) threads x \(incrementsPerThread) increments of one row")
        let optimisticPath = try BenchDatabase.make(rows: 1)
        let pessimisticPath = try BenchDatabase.make(rows: 1)
        defer {
            BenchDatabase.remove(optimisticPath)
            BenchDatabase.remove(pessimisticPath)
        }
        let optimistic = try run(
            connect: { try OptimisticLock.SQLiteConnection(path: optimisticPath) }, increment: Self.optimistic)
        let pessimistic = try run(
            connect: { try OptimisticLock.SQLiteConnection(path: pessimisticPath) },
            increment: { db in
                // BEGIN IMMEDIATE takes the write lock first: no other writer can come between read and write.
                try db.transaction {
                    var item = try BenchItem.find(db, id: 1)!
                    item.value += 1
                    try item.update(db)
                }
                return 0
            })
        let check = try OptimisticLock.SQLiteConnection(path: optimisticPath)
        let other = try OptimisticLock.SQLiteConnection(path: pessimisticPath)
        show("optimistic (retryOnConflict)", optimistic, total: total, final: try BenchItem.find(check, id: 1)!.value)
        show("pessimistic (BEGIN IMMEDIATE)", pessimistic, total: total, final: try BenchItem.find(other, id: 1)!.value)
        report.ratio("contention.sqlite.optimistic/pessimistic-throughput", pessimistic.0 / optimistic.0)
    }

    func postgres(url: String) throws {
        let total = threads * incrementsPerThread
        report.section("Contention on PostgreSQL: \(threads) threads x \(incrementsPerThread) increments of one row")
        let admin = try PostgresConnection(url: url)
        let schema = "bench_\(getpid())"
        try admin.executeScript("DROP SCHEMA IF EXISTS \(schema) CASCADE; CREATE SCHEMA \(schema)")
        defer { try? admin.executeScript("DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        let scoped = url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D" + schema
        let setup = try PostgresConnection(url: scoped)
        try BenchItem.createTable(setup)
        var seed = BenchItem(id: 1, name: "hot")
        try seed.insert(setup)
        let optimistic = try run(connect: { try PostgresConnection(url: scoped) }, increment: Self.optimistic)
        let afterOptimistic = try BenchItem.find(setup, id: 1)!.value
        let pessimistic = try run(
            connect: { try PostgresConnection(url: scoped) },
            increment: { db in
                try db.transaction {
                    let rows = try db.query(#"SELECT "value" FROM "bench_item" WHERE "id" = $1 FOR UPDATE"#, [1])
                    guard case .integer(let value) = rows.first?[0] else { throw BenchmarkFailure(message: "no row") }
                    try db.execute(
                        #"UPDATE "bench_item" SET "value" = $1, "version" = $2 WHERE "id" = $3"#,
                        [.integer(value + 1), .integer(db.newVersion()), 1])
                }
                return 0
            })
        show("optimistic (retryOnConflict)", optimistic, total: total, final: afterOptimistic)
        show(
            "pessimistic (SELECT ... FOR UPDATE)", pessimistic, total: total,
            final: try BenchItem.find(setup, id: 1)!.value - afterOptimistic)
        report.ratio("contention.postgres.optimistic/pessimistic-throughput", pessimistic.0 / optimistic.0)
    }
}

/// A benchmark that could not run as planned.
struct BenchmarkFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
