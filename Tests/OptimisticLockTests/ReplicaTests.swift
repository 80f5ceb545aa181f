import Foundation
import OptimisticLock
import TestModels
import Testing

@testable import OptimisticLockPostgres

/// Reads on streaming replicas (started by `.ci/topology.sh`): routing, read-your-writes by WAL
/// position against a replica 1.5 s behind, tokens across pools, stale copies that can only
/// conflict, and replicas that cannot be reached.
@Suite("Read replicas")
struct ReplicaTests {
    /// The test database and the replica URLs with its schema; nil (with a printed note) without them.
    static func topology(_ test: String) throws -> (TestDatabase, replica: String, lagging: String)? {
        guard Backend.postgresURL != nil, let replica = Backend.replicaURL, let lagging = Backend.laggingReplicaURL else {
            print(
                "skipped: \(test) needs the replicas .ci/topology.sh starts (OPTIMISTIC_LOCK_POSTGRES_REPLICA_URL and _LAGGING_REPLICA_URL)"
            )
            return nil
        }
        let database = TestDatabase(.postgres)
        _ = try database.connectWithSchema()
        return (database, database.sameSchema(at: replica), database.sameSchema(at: lagging))
    }

    static func isInRecovery(_ db: PostgresConnection) throws -> Bool {
        try db.query("SELECT pg_is_in_recovery() AS r").first?.bool("r") == true
    }

    @Test("Reads run on a caught-up replica, writes on the primary")
    func routing() async throws {
        guard let (database, replica, _) = try Self.topology("the routing test") else { return }
        let pool = PostgresPool(url: database.path, configuration: .init(connections: 2, readReplicas: [replica]))
        #expect(try await pool.write { db in try Self.isInRecovery(db) } == false)
        #expect(try await pool.writeWithoutTransaction { db in try Self.isInRecovery(db) } == false)
        // The pool wrote nothing yet: any replica may read.
        let reader = PostgresPool(url: database.path, configuration: .init(connections: 2, readReplicas: [replica]))
        #expect(try await reader.read { db in try Self.isInRecovery(db) } == true)
        try await pool.write { db in
            var author = Author(name: "written")
            try author.insert(db)
        }
        #expect(pool.lastWritePosition != nil)
        // Read your writes: the replica has replayed the commit (or the read went to the primary).
        #expect(try await pool.read { db in try Author.count(db) } == 1)
        await pool.close()
        await reader.close()
    }

    @Test("Read-your-writes against a replica 1.5 s behind: every read after a write sees it, in well under the lag")
    func readYourWrites() async throws {
        guard let (database, _, lagging) = try Self.topology("the read-your-writes test") else { return }
        let pool = PostgresPool(url: database.path, configuration: .init(connections: 2, readReplicas: [lagging]))
        for round in 1...10 {
            try await pool.write { db in
                var author = Author(name: "round \(round)")
                try author.insert(db)
            }
            let (seen, onReplica) = try await pool.read { db in (try Author.count(db), try Self.isInRecovery(db)) }
            #expect(seen == round, "round \(round): the read missed the pool's own write")
            // The standby applies WAL 1.5 s late, and a read waits 50 ms for it: it read on the
            // primary instead of waiting out the lag.
            #expect(!onReplica, "round \(round): the read waited for the lagging standby")
        }
        // A write without a transaction is tracked too.
        try await pool.writeWithoutTransaction { db in
            var author = Author(name: "on its own")
            try author.insert(db)
        }
        #expect(try await pool.read { db in try Author.count(db) } == 11)
        await pool.close()
    }

    @Test("A position carried to another pool gets that pool read-your-writes too")
    func tokenAcrossPools() async throws {
        guard let (database, _, lagging) = try Self.topology("the token test") else { return }
        let writer = PostgresPool(url: database.path, configuration: .init(connections: 1, readReplicas: [lagging]))
        let reader = PostgresPool(url: database.path, configuration: .init(connections: 1, readReplicas: [lagging]))
        for round in 1...5 {
            try await writer.write { db in
                var author = Author(name: "round \(round)")
                try author.insert(db)
            }
            // The token travels as text (a cookie, a header).
            let written = try #require(writer.lastWritePosition)
            let token = try #require(WALPosition(written.description))
            #expect(try await reader.read(after: token) { db in try Author.count(db) } == round)
        }
        #expect(reader.lastWritePosition == nil, "the reader wrote nothing")
        await writer.close()
        await reader.close()
    }

    @Test("A stale copy read on a lagging replica can only conflict: 8 tasks × 10 increments, exact, long before the lag allows")
    func staleCopiesConflict() async throws {
        guard let (database, _, lagging) = try Self.topology("the stale-copy test") else { return }
        let setup = try database.connect()
        var counter = Counter()
        try counter.insert(setup)
        let id = try #require(counter.id)
        // The tables and the counter exist from here on: reads after this position see them.
        let created = try #require(setup as? PostgresConnection).currentWritePosition()
        // Once the lagging replica has the counter, readers that never write read it there, and
        // see old versions of it while the tasks increment it.
        let replica = try PostgresConnection(url: lagging)
        let until = ContinuousClock.now + .seconds(20)
        while try replica.replayedPosition() < created, ContinuousClock.now < until {
            try await Task.sleep(for: .milliseconds(50))
        }
        let pool = PostgresPool(url: database.path, configuration: .init(connections: 8, readReplicas: [lagging]))
        let readers = PostgresPool(url: database.path, configuration: .init(connections: 8, readReplicas: [lagging]))
        let conflicts = Locked(0)
        let onReplica = Locked(0)
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<10 {
                        let (read, inRecovery) = try await readers.read(after: created) { db in
                            (try Counter.find(db, id: id), try Self.isInRecovery(db))
                        }
                        if inRecovery { onReplica.withLock { $0 += 1 } }
                        let copy = try #require(read)
                        do {
                            try await pool.writeWithoutTransaction { db in
                                var edited = copy
                                edited.value += 1
                                try edited.update(db)
                            }
                        } catch is ConcurrentUpdate {
                            conflicts.withLock { $0 += 1 }
                            try await pool.retryOnConflict { db in
                                var fresh = try #require(try Counter.find(db, id: id))
                                fresh.value += 1
                                try fresh.update(db)
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = clock.now - start
        #expect(try Counter.find(setup, id: id)?.value == 80, "an increment was lost")
        #expect(onReplica.withLock { $0 } > 40, "the reads did not go to the lagging replica: this test tested nothing")
        #expect(conflicts.withLock { $0 } > 40, "the replica's copies were not stale: this test tested nothing")
        print(
            "stale copies: \(onReplica.withLock { $0 }) of 80 reads on the lagging replica, \(conflicts.withLock { $0 }) conflicted and were rerun; \(elapsed)"
        )
        // 80 reads each waiting out the 1.5 s lag would take 120 s.
        #expect(elapsed < .seconds(60))
        await pool.close()
        await readers.close()
    }

    @Test("A replica that cannot be reached is skipped: reads go to the primary, fast, without errors")
    func unreachableReplica() async throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        _ = try database.connectWithSchema()
        let silent = try SilentServer()
        defer { silent.close() }
        let refused = "postgresql://postgres@127.0.0.1:1/optimistic_lock"
        let blackholed = "postgresql://postgres@127.0.0.1:\(silent.port)/optimistic_lock"
        let pool = PostgresPool(url: database.path, configuration: .init(connections: 2, readReplicas: [refused, blackholed]))
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try await pool.read { db in try Author.count(db) } == 0)
        let first = clock.now - start
        // Both failed, so the router skips them for a while (its own tests time how long).
        let failures = pool.router.withLock { router in [router.failures(0), router.failures(1)] }
        #expect(failures.allSatisfy { $0 >= 1 }, "a replica's failure went unnoticed: \(failures)")
        for _ in 0..<20 { #expect(try await pool.read { db in try Author.count(db) } == 0) }
        // Timing is printed, not asserted: a test machine running the suite can delay the awaiting
        // task by tens of seconds, while the silent replica's connect timeout is 2 s.
        print("unreachable replicas: first read \(first), 20 more by \(clock.now - start)")
        await pool.close()
    }

    // MARK: The router, without servers

    typealias Router = ReplicaRouter<TestInstant>

    @Test("Router: replicas take turns; a needed position picks a caught-up one, else one to ask, else none")
    func routerTurns() {
        var router = Router(count: 3)
        let now = TestInstant.zero
        var turns: [Int] = []
        for _ in 0..<6 {
            let choice = router.choose(needing: 0, now: now)
            turns.append(choice?.replica ?? -1)
        }
        #expect(turns == [0, 1, 2, 0, 1, 2])
        router.replayed(2, 100)
        let caughtUp = router.choose(needing: 100, now: now)
        #expect(caughtUp == .init(replica: 2, caughtUp: true))
        let ask = router.choose(needing: 100, now: now, excluding: [2])
        #expect(ask?.caughtUp == false)
        let none = router.choose(needing: 100, now: now, excluding: [0, 1, 2])
        #expect(none == nil)
    }

    @Test("Router: a failed replica is skipped 1 s, then 2 s, 4 s ... at most 30 s, and back at once after a success")
    func routerDownAndBack() {
        var router = Router(count: 2)
        let at = { (seconds: Int) in TestInstant(offset: .seconds(seconds)) }
        router.failed(0, now: at(0))
        #expect(!router.isUp(0, now: at(0)) && router.isUp(0, now: at(1)))
        let skips = router.choose(needing: 0, now: at(0))
        #expect(skips?.replica == 1, "the failed replica is skipped")
        router.failed(0, now: at(1))
        #expect(!router.isUp(0, now: at(2)) && router.isUp(0, now: at(3)))
        for second in 3..<20 { router.failed(0, now: at(second)) }
        #expect(!router.isUp(0, now: at(19 + 29)) && router.isUp(0, now: at(19 + 30)), "at most 30 s")
        router.succeeded(0)
        #expect(router.isUp(0, now: at(20)))
        router.failed(1, now: at(20))
        router.failed(0, now: at(20))
        let allDown = router.choose(needing: 0, now: at(20))
        #expect(allDown == nil, "none up: the primary reads")
    }
}
