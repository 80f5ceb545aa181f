import Foundation
import OptimisticLock
import OptimisticLockPostgres
import TestModels
import Testing

/// A database of its own on the test server, reached directly and through PgBouncer in
/// transaction mode (`.ci/topology.sh`): a pooler passes no `search_path` option, so each test gets
/// a database instead of a schema.
final class PooledDatabase: Sendable {
    let name: String
    /// Straight to the server.
    let directURL: String
    /// Through PgBouncer.
    let bouncerURL: String

    init?(test: String) throws {
        guard let primary = Backend.postgresURL, let bouncer = Backend.pgbouncerURL,
            primary.contains("/optimistic_lock?"), bouncer.hasSuffix("/optimistic_lock")
        else {
            print("skipped: \(test) needs PgBouncer, which .ci/topology.sh starts (OPTIMISTIC_LOCK_PGBOUNCER_URL)")
            return nil
        }
        name = "d_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        try PostgresConnection(url: primary).executeScript("CREATE DATABASE \(name)")
        directURL = primary.replacingOccurrences(of: "/optimistic_lock?", with: "/\(name)?")
        bouncerURL = String(bouncer.dropLast("optimistic_lock".count)) + name
        try TestDatabase.createTables(try PostgresConnection(url: directURL))
    }

    deinit {
        // On a thread of its own, and bounded: DROP DATABASE waits until every backend of the
        // server has taken note (a barrier), and another test may hold backends stopped for a
        // while — a test thread of Swift's cooperative pool must not wait for that.
        guard let primary = Backend.postgresURL else { return }
        let name = name
        Thread.detachNewThread {
            guard let admin = try? PostgresConnection(url: primary) else { return }
            try? admin.executeScript("SET statement_timeout = '60s'; DROP DATABASE \(name) WITH (FORCE)")
        }
    }
}

/// PgBouncer in transaction mode: no named statement, no session state relied on.
@Suite("PgBouncer")
struct PgBouncerTests {
    @Test("Through PgBouncer in transaction mode, 32 tasks × 10 read-modify-writes with finds, fetchAll and text SQL: exact")
    func transactionMode() async throws {
        guard let database = try PooledDatabase(test: "the PgBouncer test") else { return }
        let setup = try PostgresConnection(url: database.directURL)
        var ids: [Int64] = []
        for _ in 0..<4 {
            var counter = Counter()
            try counter.insert(setup)
            ids.append(try #require(counter.id))
        }
        let rows = ids
        // Without the option, the named statements of one client meet another's on a server
        // connection: the failure this option exists for.
        let named = PostgresPool(url: database.bouncerURL, configuration: .init(connections: 8))
        let collisions = Locked(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<16 {
                group.addTask {
                    for step in 0..<5 {
                        do {
                            _ = try await named.read { db in try Counter.find(db, id: rows[(task + step) % rows.count]) }
                        } catch let error as DatabaseError where ["42P05", "26000"].contains(error.sqlState ?? "") {
                            collisions.withLock { $0 += 1 }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        await named.close()
        print(
            "PgBouncer without transactionPooling: \(collisions.withLock { $0 }) of 80 reads failed on another client's statement"
        )
        #expect(collisions.withLock { $0 } > 0, "named statements never met: this control tested nothing")

        let pool = PostgresPool(url: database.bouncerURL, configuration: .init(connections: 8, transactionPooling: true))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<32 {
                group.addTask {
                    for step in 0..<10 {
                        let id = rows[(task + step) % rows.count]
                        try await pool.retryOnConflict { db in
                            var counter = try #require(try Counter.find(db, id: id))
                            #expect(try Counter.fetchAll(db).count == 4)
                            #expect(
                                try db.query("SELECT count(*) AS n FROM counter WHERE id = $1", [.integer(id)]).first?.int64("n")
                                    == 1)
                            counter.value += 1
                            try counter.update(db)
                        }
                        _ = try await pool.read { db in try Counter.find(db, id: id) }
                        _ = try await pool.writeWithoutTransaction { db in try Counter.count(db) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let total = try Counter.fetchAll(setup).reduce(0) { $0 + $1.value }
        #expect(total == 320, "increments lost or doubled: \(total) of 320")
        await pool.close()
    }

    @Test(
        "A pool's statement timeout holds for its own transactions and never reaches another pool's on the same server connections"
    )
    func statementTimeoutStaysHome() async throws {
        guard let database = try PooledDatabase(test: "the PgBouncer statement-timeout test") else { return }
        let strict = PostgresPool(
            url: database.bouncerURL,
            configuration: .init(connections: 4, statementTimeout: .milliseconds(200), transactionPooling: true))
        let patient = PostgresPool(url: database.bouncerURL, configuration: .init(connections: 4, transactionPooling: true))
        let leaked = Locked(0)
        let timedOut = Locked(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<10 {
                        do {
                            try await strict.write { db in _ = try db.query("SELECT pg_sleep(0.5)") }
                        } catch let error as DatabaseError where error.kind == .timeout {
                            timedOut.withLock { $0 += 1 }
                        }
                    }
                }
                group.addTask {
                    for _ in 0..<10 {
                        let setting = try await patient.write { db in
                            try db.query("SHOW statement_timeout").first?[0]
                        }
                        if setting != .text("0") { leaked.withLock { $0 += 1 } }
                        _ = try await patient.writeWithoutTransaction { db in try db.query("SELECT pg_sleep(0.3)") }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(timedOut.withLock { $0 } == 40, "the strict pool's timeout did not hold for every transaction")
        #expect(leaked.withLock { $0 } == 0, "the strict pool's timeout reached the other pool")
        await strict.close()
        await patient.close()
    }
}
