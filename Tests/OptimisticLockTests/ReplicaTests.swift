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
        var onPrimary = 0
        for round in 1...10 {
            try await pool.write { db in
                var author = Author(name: "round \(round)")
                try author.insert(db)
            }
            let (seen, onReplica) = try await pool.read { db in (try Author.count(db), try Self.isInRecovery(db)) }
            #expect(seen == round, "round \(round): the read missed the pool's own write")
            if !onReplica { onPrimary += 1 }
        }
        // The standby applies WAL 1.5 s late and a read waits 50 ms for it, so reads right after a
        // write go to the primary — unless the machine took more than the lag to get there.
        print("read-your-writes against a 1.5 s lag: \(onPrimary) of 10 reads on the primary")
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
        while try replica.replicaState().replayed < created, ContinuousClock.now < until {
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
        // What is checked is where the reads go, not how fast: the request timeout is far past the
        // replicas' 2 s connect timeout, so that a machine busy with other work (CI once stalled
        // this test past the default 60 s) cannot fail it.
        let pool = PostgresPool(
            url: database.path,
            configuration: .init(connections: 2, requestTimeout: .seconds(600), readReplicas: [refused, blackholed]))
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

    @Test("Router: replicas take turns among those up; none left, the primary reads")
    func routerTurns() {
        var router = Router(count: 3)
        let now = TestInstant.zero
        var turns: [Int] = []
        for _ in 0..<6 { turns.append(router.choose(now: now) ?? -1) }
        #expect(turns == [0, 1, 2, 0, 1, 2])
        let other = router.choose(now: now, excluding: [0])
        #expect(other == 1)
        let none = router.choose(now: now, excluding: [0, 1, 2])
        #expect(none == nil)
    }

    @Test("Router: a failed replica is skipped 1 s, then 2 s, 4 s ... at most 30 s, and back at once after a success")
    func routerDownAndBack() {
        var router = Router(count: 2)
        let at = { (seconds: Int) in TestInstant(offset: .seconds(seconds)) }
        router.failed(0, now: at(0))
        #expect(!router.isUp(0, now: at(0)) && router.isUp(0, now: at(1)))
        let skips = router.choose(now: at(0))
        #expect(skips == 1, "the failed replica is skipped")
        router.failed(0, now: at(1))
        #expect(!router.isUp(0, now: at(2)) && router.isUp(0, now: at(3)))
        for second in 3..<20 { router.failed(0, now: at(second)) }
        #expect(!router.isUp(0, now: at(19 + 29)) && router.isUp(0, now: at(19 + 30)), "at most 30 s")
        router.succeeded(0)
        #expect(router.isUp(0, now: at(20)))
        router.failed(1, now: at(20))
        router.failed(0, now: at(20))
        let allDown = router.choose(now: at(20))
        #expect(allDown == nil, "none up: the primary reads")
    }

    // MARK: What a review found

    /// The Unix socket of a server URL of the test cluster (`...?host=/dir&port=n`).
    static func socket(of url: String) throws -> String {
        let parts = try #require(URLComponents(string: url))
        let host = try #require(parts.queryItems?.first { $0.name == "host" }?.value)
        let port = try #require(parts.queryItems?.first { $0.name == "port" }?.value)
        return "\(host)/.s.PGSQL.\(port)"
    }

    @Test("Reads stay read-only inside a transaction of their own, and such a read runs on a replica")
    func transactionsInReads() async throws {
        guard let (database, replica, _) = try Self.topology("the reads-in-transactions test") else { return }
        for replicas in [[], [replica]] {
            let pool = PostgresPool(url: database.path, configuration: .init(connections: 2, readReplicas: replicas))
            let error = await #expect(throws: DatabaseError.self) {
                try await pool.read { db in
                    try db.transaction {
                        var author = Author(name: "written in a read's transaction")
                        try author.insert(db)
                    }
                }
            }
            #expect(error?.kind == .readOnly, "\(String(describing: error))")
            let (authors, posts, onReplica) = try await pool.read { db in
                try db.transaction { (try Author.count(db), try Post.count(db), try Self.isInRecovery(db)) }
            }
            #expect(authors == 0 && posts == 0)
            #expect(onReplica == !replicas.isEmpty, "a snapshot read did not run where it should")
            await pool.close()
        }
    }

    @Test("One replica URL that reaches several standbys (a load balancer): every read still sees the pool's writes")
    func urlReachingSeveralServers() async throws {
        guard let (database, _, _) = try Self.topology("the load-balancer test"), let replica = Backend.replicaURL,
            let lagging = Backend.laggingReplicaURL
        else { return }
        let proxy = try FaultProxy(socketPaths: [try Self.socket(of: replica), try Self.socket(of: lagging)])
        defer { proxy.close() }
        let balanced = database.sameSchema(at: "postgresql://postgres@127.0.0.1:\(proxy.port)/optimistic_lock")
        let pool = PostgresPool(url: database.path, configuration: .init(connections: 4, readReplicas: [balanced]))
        for round in 1...10 {
            try await pool.write { db in
                var author = Author(name: "round \(round)")
                try author.insert(db)
            }
            let seen = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 { group.addTask { try await pool.read { db in try Author.count(db) } } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(seen.allSatisfy { $0 == round }, "round \(round): a read missed the pool's write: \(seen)")
        }
        await pool.close()
    }

    @Test("A write without a transaction whose task is cancelled after it succeeded keeps read-your-writes")
    func cancelledWriteKeepsItsPosition() async throws {
        guard let (database, _, lagging) = try Self.topology("the cancelled-write test") else { return }
        let setup = try database.connect()
        var author = Author(name: "before")
        try author.insert(setup)
        let id = try #require(author.id)
        let created = try #require(setup as? PostgresConnection).currentWritePosition()
        let replica = try PostgresConnection(url: lagging)
        let until = ContinuousClock.now + .seconds(20)
        while try replica.replicaState().replayed < created, ContinuousClock.now < until {
            try await Task.sleep(for: .milliseconds(50))
        }
        let pool = PostgresPool(url: database.path, configuration: .init(connections: 2, readReplicas: [lagging]))
        let task = Task {
            try await pool.writeWithoutTransaction { db in
                try Fixture.execute(db, "UPDATE author SET name = 'after' WHERE id = ?", [.integer(id)])
                usleep(300_000)
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        guard case .success = await task.result else { return }
        let name = try await pool.read { db in try Author.find(db, id: id)?.name }
        #expect(name == "after", "the write returned, and the next read missed it")
        await pool.close()
    }

    @Test("A replica that stops answering costs a read its replicaTimeout, not the request timeout: the primary reads")
    func hungReplica() async throws {
        guard let (database, _, _) = try Self.topology("the hung-replica test"), let replica = Backend.replicaURL else { return }
        let proxy = try FaultProxy(socketPath: try Self.socket(of: replica))
        defer { proxy.close() }
        let url = database.sameSchema(at: "postgresql://postgres@127.0.0.1:\(proxy.port)/optimistic_lock")
        let pool = PostgresPool(
            url: database.path,
            configuration: .init(connections: 1, requestTimeout: .seconds(30), readReplicas: [url], replicaTimeout: .seconds(1)))
        #expect(try await pool.read { db in try Self.isInRecovery(db) } == true)
        proxy.arm(.blackhole, at: .sync)
        #expect(try await pool.read { db in try Self.isInRecovery(db) } == false, "the read did not go to the primary")
        #expect(pool.router.withLock { $0.failures(0) } == 1)
        await pool.close()
    }

    @Test("A replica URL that reaches a server that is not a standby never serves a read that needs a position")
    func notAStandby() async throws {
        guard let (database, _, _) = try Self.topology("the not-a-standby test") else { return }
        let named = { (name: String) in database.path + "&application_name=\(name)" }
        let pool = PostgresPool(
            url: named("as_primary"), configuration: .init(connections: 1, readReplicas: [named("as_replica")]))
        let who = { @Sendable (db: PostgresConnection) throws -> String in
            try db.query("SELECT current_setting('application_name') AS a").first?.string("a") ?? ""
        }
        #expect(try await pool.read(who) == "as_replica", "a read that needs no position may go anywhere")
        try await pool.write { db in
            var author = Author(name: "written")
            try author.insert(db)
        }
        for _ in 0..<3 { #expect(try await pool.read(who) == "as_primary") }
        await pool.close()
    }

    @Test("A SELECT that calls a function is a write for read-your-writes")
    func selectThatWrites() async throws {
        guard let (database, _, lagging) = try Self.topology("the writing-select test") else { return }
        let setup = try database.connect()
        var author = Author(name: "before")
        try author.insert(setup)
        try setup.executeScript(
            "CREATE FUNCTION rename_all() RETURNS int LANGUAGE sql AS $$ UPDATE author SET name = 'after'; SELECT 1 $$")
        let pool = PostgresPool(url: database.path, configuration: .init(connections: 1, readReplicas: [lagging]))
        try await pool.writeWithoutTransaction { db in
            _ = try db.prepare(SQLStatement(sqlite: "SELECT 1", postgres: "SELECT rename_all()")).execute()
        }
        #expect(try await pool.read { db in try Author.fetchAll(db).map(\.name) } == ["after"])
        await pool.close()
    }

    @Test("WAL positions: PostgreSQL's text, and nothing else")
    func positions() throws {
        #expect(WALPosition("16/B374D848")?.value == 0x16_B374_D848)
        #expect(WALPosition("0/0")?.value == 0)
        #expect(WALPosition("FFFFFFFF/FFFFFFFF")?.value == .max)
        #expect(WALPosition(0x16_B374_D848).description == "16/B374D848")
        for bad in ["", "16", "16/", "/1", "+1/+a", "-0/0", "1/2/3", "123456789/0", "g/0", " 1/0"] {
            #expect(WALPosition(bad) == nil, "\(bad.debugDescription)")
        }
    }
}
