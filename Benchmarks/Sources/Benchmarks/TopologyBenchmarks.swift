import Foundation
import OptimisticLock
import OptimisticLockPostgres

/// PostgreSQL topologies: unnamed statements (for a pooler in transaction mode) against named ones,
/// and reads on a replica against reads on the primary. Sequential requests through a pool of one
/// connection, so that the ratio is of the client's path and the server's work, not of contention.
struct TopologyBenchmarks {
    let report: Report

    static let schema = "optimistic_lock_bench_topology"

    /// Checked updates through `pool.writeWithoutTransaction`, one after another.
    @inline(never)
    static func updates(_ pool: PostgresPool, _ count: Int) async throws {
        var items = try await pool.read { db in try BenchItem.fetchAll(db) }
        for index in 0..<count {
            let slot = index % items.count
            let item = items[slot]
            items[slot] = try await pool.writeWithoutTransaction { db in
                var edited = item
                edited.value &+= 1
                try edited.update(db)
                return edited
            }
        }
    }

    /// Finds through `pool.read`, one after another.
    @inline(never)
    static func finds(_ pool: PostgresPool, _ count: Int) async throws {
        for index in 0..<count {
            _ = try await pool.read { db in try BenchItem.find(db, id: Int64(index % 100 + 1)) }
        }
    }

    /// A pool over the benchmark table: unnamed statements or named, with or without a replica.
    static func pool(_ url: String, unnamed: Bool = false, replica: String? = nil) -> PostgresPool {
        PostgresPool(
            url: url,
            configuration: .init(
                connections: 1, readReplicas: replica.map { [$0] } ?? [], transactionPooling: unnamed))
    }

    func run(url: String, replicaURL: String?, operations: Int = 5_000) async throws {
        report.section("PostgreSQL topologies: \(operations) sequential requests through a pool of one connection")
        let scoped = try PoolBenchmarks.postgresTable(url: url, rows: 100)
        defer {
            try? OptimisticLockPostgres.PostgresConnection(url: url).executeScript(
                "DROP SCHEMA IF EXISTS \(PoolBenchmarks.schema) CASCADE")
        }
        let named = Self.pool(scoped, unnamed: false)
        let unnamed = Self.pool(scoped, unnamed: true)
        var ratios: [Double] = []
        var namedTimes: [Double] = []
        var unnamedTimes: [Double] = []
        for round in 0..<6 {
            let first = try await Measure.timeAsync { try await Self.updates(named, operations) }
            let second = try await Measure.timeAsync { try await Self.updates(unnamed, operations) }
            if round > 0 {
                namedTimes.append(first)
                unnamedTimes.append(second)
                ratios.append(second / first)
            }
        }
        let median = { (values: [Double]) in values.sorted()[values.count / 2] }
        let perOperation = { (time: Double) in String(format: "%6.1f µs", time * 1e6 / Double(operations)) }
        report.note("checked update, named statements        \(perOperation(median(namedTimes)))")
        report.note("checked update, unnamed (transactionPooling) \(perOperation(median(unnamedTimes)))")
        report.ratio("pg.unnamed/named", median(ratios))
        await named.close()
        await unnamed.close()

        guard let replicaURL else {
            report.note("replica reads skipped: OPTIMISTIC_LOCK_POSTGRES_REPLICA_URL is not set (.ci/topology.sh)")
            return
        }
        let replicaScoped =
            replicaURL + (replicaURL.contains("?") ? "&" : "?") + "options=-csearch_path%3D" + PoolBenchmarks.schema
        // Wait until the replica has the table.
        let position = try OptimisticLockPostgres.PostgresConnection(url: scoped).query(
            "SELECT pg_current_wal_insert_lsn()::text AS p")
        let until = Date().addingTimeInterval(30)
        let replica = try OptimisticLockPostgres.PostgresConnection(url: replicaScoped)
        while Date() < until {
            let replayed = try replica.query("SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn AS caught", [position[0][0]])
            if try replayed.first?.bool("caught") == true { break }
            usleep(20_000)
        }
        let primaryReads = Self.pool(scoped)
        let replicaReads = Self.pool(scoped, replica: replicaScoped)
        var readRatios: [Double] = []
        var primaryTimes: [Double] = []
        var replicaTimes: [Double] = []
        for round in 0..<6 {
            let onPrimary = try await Measure.timeAsync { try await Self.finds(primaryReads, operations) }
            let onReplica = try await Measure.timeAsync { try await Self.finds(replicaReads, operations) }
            if round > 0 {
                primaryTimes.append(onPrimary)
                replicaTimes.append(onReplica)
                readRatios.append(onReplica / onPrimary)
            }
        }
        report.note("find on the primary                     \(perOperation(median(primaryTimes)))")
        report.note("find on a replica (pool with readReplicas) \(perOperation(median(replicaTimes)))")
        report.ratio("replica.read/primary.read", median(readRatios))
        await primaryReads.close()
        await replicaReads.close()
    }

    /// For callgrind: `count` checked updates through a pool, named or unnamed.
    static func profile(url: String, unnamed: Bool, count: Int = 20_000) async throws {
        let scoped = try PoolBenchmarks.postgresTable(url: url, rows: 100)
        let pool = Self.pool(scoped, unnamed: unnamed)
        try await updates(pool, count)
        await pool.close()
    }
}
