import CLibPQ
import Foundation
import GRDB
import Logging
import OptimisticLock
import OptimisticLockPostgres
import PostgresNIO
import Synchronization

/// The pools against GRDB's `DatabasePool` and postgres-nio's `PostgresClient`, and PostgreSQL's
/// statement path against a raw libpq loop.
struct PoolBenchmarks {
    let report: Report
    let measure: Measure

    // MARK: SQLite: a pool.write round trip

    /// One task, one checked update per `write`, sequentially: the round trip through the pool's
    /// thread and back, against GRDB's `DatabasePool.write` doing the same checked update with its
    /// fastest hand-written form (a cached statement).
    func sqliteRoundTrip(updates: Int = 20_000) async throws {
        report.section("SQLite pool: \(updates) sequential write { checked update } round trips")
        let path = try BenchDatabase.make(rows: 100)
        let grdbPath = try BenchDatabase.make(rows: 100)
        defer {
            BenchDatabase.remove(path)
            BenchDatabase.remove(grdbPath)
        }
        let pool = SQLitePool(path: path)
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(10)
        let grdb = try DatabasePool(path: grdbPath, configuration: configuration)
        var items = try await pool.read { db in try BenchItem.fetchAll(db) }
        var grdbItems = try await grdb.read { db in try GRDBItem.fetchAll(db) }
        let versions = VersionGenerator()

        var generatedTimes: [Double] = []
        var grdbTimes: [Double] = []
        var ratios: [Double] = []
        for round in 0..<5 {
            let generated = try await Measure.timeAsync {
                for index in 0..<updates {
                    let slot = index % items.count
                    let item = items[slot]
                    items[slot] = try await pool.write { db in
                        var next = item
                        next.value &+= 1
                        try next.update(db)
                        return next
                    }
                }
            }
            let theirs = try await Measure.timeAsync {
                for index in 0..<updates {
                    let slot = index % grdbItems.count
                    let item = grdbItems[slot]
                    let next = versions.next()
                    try await grdb.write { db in
                        let statement = try db.cachedStatement(
                            sql:
                                #"UPDATE "bench_item" SET "name" = ?, "value" = ?, "score" = ?, "version" = ? WHERE "id" = ? AND "version" = ?"#
                        )
                        try statement.execute(arguments: [item.name, item.value + 1, item.score, next, item.id, item.version])
                        guard db.changesCount == 1 else { throw BenchmarkFailure(message: "GRDB update conflicted") }
                    }
                    grdbItems[slot].value += 1
                    grdbItems[slot].version = next
                }
            }
            if round > 0 {
                generatedTimes.append(generated)
                grdbTimes.append(theirs)
                ratios.append(theirs / generated)
            }
        }
        await pool.close()
        let median = { (values: [Double]) in values.sorted()[values.count / 2] }
        report.note(
            String(
                format: "generated pool.write           median %8.1f µs per round trip",
                median(generatedTimes) * 1e6 / Double(updates)))
        report.note(
            String(
                format: "GRDB DatabasePool.write        median %8.1f µs per round trip", median(grdbTimes) * 1e6 / Double(updates)
            ))
        report.ratio("pool.grdb/generated", median(ratios))
    }

    // MARK: PostgreSQL: throughput over 8 connections

    /// The schema the PostgreSQL pool benchmarks use (fixed: postgres-nio's prepared statements are static).
    static let schema = "optimistic_lock_bench"

    /// `rows` rows in a fresh schema; returns the URL that selects it.
    static func postgresTable(url: String, rows: Int) throws -> String {
        let admin = try OptimisticLockPostgres.PostgresConnection(url: url)
        try admin.executeScript("DROP SCHEMA IF EXISTS \(schema) CASCADE; CREATE SCHEMA \(schema)")
        let scoped = url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D" + schema
        let db = try OptimisticLockPostgres.PostgresConnection(url: scoped)
        try BenchItem.createTable(db)
        try db.transaction {
            for index in 0..<rows {
                var item = BenchItem(id: Int64(index + 1), name: "item \(index)", value: 0, score: 0.5)
                try item.insert(db)
            }
        }
        return scoped
    }

    /// 16 tasks, each updating its own rows with checked updates, over 8 connections: generated code
    /// through `PostgresPool` against postgres-nio's `PostgresClient` running the same prepared
    /// `UPDATE ... WHERE id = $1 AND version = $2 RETURNING id`, and 8 threads of raw libpq as the limit.
    func postgresThroughput(url: String, tasks: Int = 16, updatesPerTask: Int = 2_000) async throws {
        report.section("PostgreSQL pools: \(tasks) tasks x \(updatesPerTask) checked updates over 8 connections")
        let total = tasks * updatesPerTask
        let scoped = try Self.postgresTable(url: url, rows: tasks * 4)
        defer {
            try? OptimisticLockPostgres.PostgresConnection(url: url).executeScript("DROP SCHEMA IF EXISTS \(Self.schema) CASCADE")
        }

        let pool = PostgresPool(url: scoped, configuration: .init(connections: 8, maxConcurrentWrites: 8))
        let client = PostgresClient(configuration: try Self.nioConfiguration(url: url), backgroundLogger: Logger(label: "bench"))
        let clientTask = Task { await client.run() }
        defer { clientTask.cancel() }

        let initial = try await pool.read { db in try BenchItem.fetchAll(db) }
        let owned = (0..<tasks).map { task in (0..<4).map { initial[task * 4 + $0] } }

        var results: [String: [Double]] = [:]
        for round in 0..<4 {
            // Generated: one checked update per request, without a transaction (one round trip);
            // then the same in a transaction each (BEGIN, UPDATE, COMMIT), a quarter as many.
            @Sendable func updateOwned(_ updates: Int, inTransaction: Bool) async throws -> Double {
                try await Measure.timeAsync {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for task in 0..<tasks {
                            let start = owned[task]
                            group.addTask {
                                var mine = try await pool.read { db in try start.map { try BenchItem.find(db, id: $0.id!)! } }
                                for index in 0..<updates {
                                    let item = mine[index % mine.count]
                                    let update: @Sendable (OptimisticLockPostgres.PostgresConnection) throws -> BenchItem = {
                                        db in
                                        var next = item
                                        next.value &+= 1
                                        try next.update(db)
                                        return next
                                    }
                                    mine[index % mine.count] =
                                        inTransaction
                                        ? try await pool.write(update) : try await pool.writeWithoutTransaction(update)
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                }
            }
            let generated = try await updateOwned(updatesPerTask, inTransaction: false)
            let transactional = try await updateOwned(updatesPerTask / 4, inTransaction: true) * 4
            // postgres-nio: its prepared-statement path, the rows changed counted through RETURNING.
            let nio = try await Measure.timeAsync {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for task in 0..<tasks {
                        let ids = owned[task].map { $0.id! }
                        group.addTask {
                            var versions: [Int64] = []
                            for id in ids {
                                let rows = try await client.query(
                                    "SELECT version FROM \(unescaped: Self.schema).bench_item WHERE id = \(id)")
                                for try await version in rows.decode(Int64.self) { versions.append(version) }
                            }
                            let tokens = VersionGenerator()
                            for index in 0..<updatesPerTask {
                                let slot = index % ids.count
                                let next = tokens.next()
                                let statement = NIOCheckedUpdate(
                                    id: ids[slot], expected: versions[slot], next: next,
                                    name: "item", value: Int64(index), score: 0.5)
                                var changed = 0
                                for try await _ in try await client.execute(statement) { changed += 1 }
                                guard changed == 1 else { throw BenchmarkFailure(message: "postgres-nio update conflicted") }
                                versions[slot] = next
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            // Raw libpq: 8 threads, each its own connection and prepared statement, no pool.
            let raw = try Self.rawThroughput(url: scoped, threads: 8, updates: total, rows: tasks * 4)
            if round > 0 {
                results["generated", default: []].append(generated)
                results["transaction", default: []].append(transactional)
                results["nio", default: []].append(nio)
                results["raw", default: []].append(raw)
                results["ratio", default: []].append(nio / generated)
            }
        }
        await pool.close()
        let median = { (name: String) in results[name]!.sorted()[results[name]!.count / 2] }
        for (name, label) in [
            ("raw", "raw libpq, 8 threads (the limit)"), ("generated", "generated, writeWithoutTransaction"),
            ("transaction", "generated, write (BEGIN/COMMIT)"), ("nio", "postgres-nio PostgresClient.execute"),
        ] {
            report.note(
                "\(label.padding(toLength: 40, withPad: " ", startingAt: 0)) \(String(format: "%8.0f", Double(total) / median(name))) updates/s"
            )
        }
        report.ratio("pool.postgresnio/generated", median("ratio"))
        report.ratio("pool.pg.generated/raw-libpq", median("generated") / median("raw"))
    }

    static func nioConfiguration(url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url) else { throw BenchmarkFailure(message: "bad URL \(url)") }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let user = components.user ?? "postgres"
        let database = String(components.path.dropFirst())
        var configuration: PostgresClient.Configuration
        if let host = query["host"], host.hasPrefix("/") {
            let port = query["port"] ?? "5432"
            configuration = .init(
                unixSocketPath: "\(host)/.s.PGSQL.\(port)", username: user, password: components.password,
                database: database)
        } else {
            configuration = .init(
                host: components.host ?? "localhost", port: components.port ?? 5432, username: user,
                password: components.password, database: database, tls: .disable)
        }
        configuration.options.maximumConnections = 8
        configuration.options.minimumConnections = 8
        return configuration
    }

    /// `updates` checked updates by `threads` threads of raw libpq; returns the seconds taken.
    static func rawThroughput(url: String, threads: Int, updates: Int, rows: Int) throws -> Double {
        let failures = Mutex<[String]>([])
        let group = DispatchGroup()
        let perThread = updates / threads
        let rowsPerThread = rows / threads
        let seconds = Measure.time {
            for thread in 0..<threads {
                group.enter()
                Thread {
                    defer { group.leave() }
                    do {
                        let loop = try RawPostgres(url: url)
                        try loop.run(updates: perThread, ids: (0..<rowsPerThread).map { Int64(thread * rowsPerThread + $0 + 1) })
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }.start()
            }
            group.wait()
        }
        if let failure = failures.withLock({ $0.first }) { throw BenchmarkFailure(message: failure) }
        return seconds
    }

    // MARK: PostgreSQL: the statement path on one connection

    /// One connection, checked updates in autocommit: the generated path against a raw libpq loop
    /// doing the same prepared, binary, checked UPDATE (wall clock; run it pinned to one core with
    /// `taskset -c 0` for a steady figure, and under callgrind with `profile pg-update-*`).
    func postgresStatementPath(url: String, updates: Int = 20_000) throws {
        report.section("PostgreSQL statement path: \(updates) checked updates on one connection")
        let scoped = try Self.postgresTable(url: url, rows: 100)
        defer {
            try? OptimisticLockPostgres.PostgresConnection(url: url).executeScript("DROP SCHEMA IF EXISTS \(Self.schema) CASCADE")
        }
        var ratios: [Double] = []
        var generatedTimes: [Double] = []
        var rawTimes: [Double] = []
        for round in 0..<6 {
            let generated = try Measure.time { try Self.generatedPostgresLoop(url: scoped, updates: updates) }
            let raw = try Measure.time { try RawPostgres(url: scoped).run(updates: updates, ids: (1...100).map(Int64.init)) }
            if round > 0 {
                generatedTimes.append(generated)
                rawTimes.append(raw)
                ratios.append(generated / raw)
            }
        }
        let median = { (values: [Double]) in values.sorted()[values.count / 2] }
        report.note(String(format: "raw libpq       median %7.1f µs per update", median(rawTimes) * 1e6 / Double(updates)))
        report.note(String(format: "generated       median %7.1f µs per update", median(generatedTimes) * 1e6 / Double(updates)))
        report.ratio("pg.update.generated/raw", median(ratios))
    }

    /// Checked updates through generated code on one connection, each its own statement.
    @inline(never)
    static func generatedPostgresLoop(url: String, updates: Int, transactionPooling: Bool = false) throws {
        let db = try OptimisticLockPostgres.PostgresConnection(url: url, transactionPooling: transactionPooling)
        var items = try BenchItem.fetchAll(db)
        try profiledGeneratedLoop(db, &items, updates)
    }

    @inline(never)
    static func profiledGeneratedLoop(_ db: OptimisticLockPostgres.PostgresConnection, _ items: inout [BenchItem], _ updates: Int)
        throws
    {
        for index in 0..<updates {
            let slot = index % items.count
            items[slot].value &+= 1
            try items[slot].update(db)
        }
    }

    // MARK: Contention through the pools

    /// 16 tasks incrementing one row through a pool: optimistic (`retryOnConflict`) against
    /// pessimistic locking (PostgreSQL: `SELECT ... FOR UPDATE` in the transaction; SQLite's writer
    /// takes the write lock at `BEGIN IMMEDIATE`, so both are the same there).
    func contention(url: String?, tasks: Int = 16, incrementsPerTask: Int = 100) async throws {
        let total = tasks * incrementsPerTask
        report.section("Contention through the pools: \(tasks) tasks x \(incrementsPerTask) increments of one row")
        let path = try BenchDatabase.make(rows: 1)
        defer { BenchDatabase.remove(path) }
        let sqlite = SQLitePool(path: path)
        let optimisticSQLite = try await Self.hammer(tasks: tasks, increments: incrementsPerTask) {
            try await sqlite.retryOnConflict(maxAttempts: 1_000_000) { db in
                var item = try BenchItem.find(db, id: 1)!
                item.value += 1
                try item.update(db)
            }
        }
        let sqliteFinal = try await sqlite.read { db in try BenchItem.find(db, id: 1)!.value }
        await sqlite.close()
        report.note(
            "SQLite optimistic (retryOnConflict)     \(String(format: "%8.0f", Double(total) / optimisticSQLite)) updates/s, final \(sqliteFinal) of \(total)"
        )
        guard let url else {
            report.note("PostgreSQL contention skipped: OPTIMISTIC_LOCK_POSTGRES_URL is not set")
            return
        }
        let scoped = try Self.postgresTable(url: url, rows: 1)
        defer {
            try? OptimisticLockPostgres.PostgresConnection(url: url).executeScript("DROP SCHEMA IF EXISTS \(Self.schema) CASCADE")
        }
        let pool = PostgresPool(url: scoped, configuration: .init(connections: 8, maxConcurrentWrites: 8))
        let optimistic = try await Self.hammer(tasks: tasks, increments: incrementsPerTask) {
            try await pool.retryOnConflict(maxAttempts: 1_000_000) { db in
                var item = try BenchItem.find(db, id: 1)!
                item.value += 1
                try item.update(db)
            }
        }
        let afterOptimistic = try await pool.read { db in try BenchItem.find(db, id: 1)!.value }
        let pessimistic = try await Self.hammer(tasks: tasks, increments: incrementsPerTask) {
            try await pool.write { db in
                let rows = try db.query(#"SELECT "value" FROM "bench_item" WHERE "id" = $1 FOR UPDATE"#, [1])
                guard case .integer(let value) = rows.first?[0] else { throw BenchmarkFailure(message: "no row") }
                try db.execute(
                    #"UPDATE "bench_item" SET "value" = $1, "version" = $2 WHERE "id" = $3"#,
                    [.integer(value + 1), .integer(db.newVersion()), 1])
            }
        }
        let final = try await pool.read { db in try BenchItem.find(db, id: 1)!.value }
        await pool.close()
        report.note(
            "PostgreSQL optimistic (retryOnConflict) \(String(format: "%8.0f", Double(total) / optimistic)) updates/s, final \(afterOptimistic) of \(total)"
        )
        report.note(
            "PostgreSQL pessimistic (FOR UPDATE)     \(String(format: "%8.0f", Double(total) / pessimistic)) updates/s, final \(final - afterOptimistic) of \(total)"
        )
        report.ratio("contention.pool.postgres.optimistic/pessimistic-throughput", pessimistic / optimistic)
    }

    static func hammer(tasks: Int, increments: Int, _ increment: @escaping @Sendable () async throws -> Void) async throws
        -> Double
    {
        try await Measure.timeAsync {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<tasks {
                    group.addTask { for _ in 0..<increments { try await increment() } }
                }
                try await group.waitForAll()
            }
        }
    }
}

/// postgres-nio's prepared statement for the checked update; the rows changed come back through RETURNING.
struct NIOCheckedUpdate: PostgresPreparedStatement {
    static let sql =
        #"UPDATE optimistic_lock_bench.bench_item SET "name" = $1, "value" = $2, "score" = $3, "version" = $4 WHERE "id" = $5 AND "version" = $6 RETURNING "id""#
    typealias Row = Int64

    let id: Int64
    let expected: Int64
    let next: Int64
    let name: String
    let value: Int64
    let score: Double

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(name)
        bindings.append(value)
        bindings.append(score)
        bindings.append(next)
        bindings.append(id)
        bindings.append(expected)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Int64.self)
    }
}

/// The hand-written baseline: libpq with a prepared statement, binary parameters, one connection.
final class RawPostgres {
    let connection: OpaquePointer

    init(url: String) throws {
        guard let connection = PQconnectdb(url), PQstatus(connection) == CONNECTION_OK else {
            throw BenchmarkFailure(message: "raw libpq cannot connect")
        }
        self.connection = connection
    }

    deinit {
        PQfinish(connection)
    }

    /// `updates` checked updates of the rows `ids`, round robin.
    @inline(never)
    func run(updates: Int, ids: [Int64]) throws {
        let sql =
            #"UPDATE "bench_item" SET "name" = $1, "value" = $2, "score" = $3, "version" = $4 WHERE "id" = $5 AND "version" = $6"#
        var types: [UInt32] = [25, 20, 701, 20, 20, 20]
        PQclear(PQprepare(connection, "raw_update", sql, 6, &types))
        var versions: [Int64] = []
        for id in ids {
            let result = PQexec(connection, "SELECT version FROM bench_item WHERE id = \(id)")
            versions.append(Int64(String(cString: PQgetvalue(result, 0, 0)))!)
            PQclear(result)
        }
        let tokens = VersionGenerator()
        var buffer = [UInt8](repeating: 0, count: 64)
        let name = Array("item".utf8)
        var lengths: [Int32] = [Int32(name.count), 8, 8, 8, 8, 8]
        var formats: [Int32] = [1, 1, 1, 1, 1, 1]
        try buffer.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!
            for (offset, byte) in name.enumerated() { base.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self) }
            var values: [UnsafePointer<CChar>?] = (0..<6).map {
                UnsafePointer(base.advanced(by: $0 == 0 ? 0 : 8 + ($0 - 1) * 8).assumingMemoryBound(to: CChar.self))
            }
            for index in 0..<updates {
                let slot = index % ids.count
                let next = tokens.next()
                base.storeBytes(of: Int64(index).bigEndian, toByteOffset: 8, as: Int64.self)
                base.storeBytes(of: (0.5).bitPattern.bigEndian, toByteOffset: 16, as: UInt64.self)
                base.storeBytes(of: next.bigEndian, toByteOffset: 24, as: Int64.self)
                base.storeBytes(of: ids[slot].bigEndian, toByteOffset: 32, as: Int64.self)
                base.storeBytes(of: versions[slot].bigEndian, toByteOffset: 40, as: Int64.self)
                let result = PQexecPrepared(connection, "raw_update", 6, &values, &lengths, &formats, 1)
                guard PQresultStatus(result) == PGRES_COMMAND_OK, PQcmdTuples(result).pointee == 49 /* "1" */ else {
                    PQclear(result)
                    throw BenchmarkFailure(message: "raw libpq update failed")
                }
                PQclear(result)
                versions[slot] = next
            }
        }
    }
}
