import Foundation
import OptimisticLock
import OptimisticLockPostgres
import Synchronization
import TestModels
import Testing

/// A pool of either backend behind the one protocol, so that each test runs on both.
struct AnyPool: Sendable {
    let backend: Backend
    let sqlite: SQLitePool?
    let postgres: PostgresPool?

    init(
        _ database: TestDatabase, sqlite: SQLitePool.Configuration = .init(), postgres: PostgresPool.Configuration = .init(),
        applicationName: String? = nil
    ) {
        backend = database.backend
        switch database.backend {
        case .sqlite:
            self.sqlite = SQLitePool(path: database.path, configuration: sqlite)
            self.postgres = nil
        case .postgres:
            self.sqlite = nil
            let url = database.path + (applicationName.map { "&application_name=\($0)" } ?? "")
            self.postgres = PostgresPool(url: url, configuration: postgres)
        }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any DatabaseConnection) throws -> T) async throws -> T {
        if let sqlite { return try await sqlite.write { try body($0) } }
        return try await postgres!.write { try body($0) }
    }

    func writeWithoutTransaction<T: Sendable>(_ body: @escaping @Sendable (any DatabaseConnection) throws -> T) async throws -> T
    {
        if let sqlite { return try await sqlite.writeWithoutTransaction { try body($0) } }
        return try await postgres!.writeWithoutTransaction { try body($0) }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any DatabaseConnection) throws -> T) async throws -> T {
        if let sqlite { return try await sqlite.read { try body($0) } }
        return try await postgres!.read { try body($0) }
    }

    func retryOnConflict<T: Sendable>(_ body: @escaping @Sendable (any DatabaseConnection) throws -> T) async throws -> T {
        if let sqlite { return try await sqlite.retryOnConflict(maxAttempts: 1_000) { try body($0) } }
        return try await postgres!.retryOnConflict(maxAttempts: 1_000) { try body($0) }
    }

    func close() async {
        await sqlite?.close()
        await postgres?.close()
    }
}

/// A statement that runs for about `seconds` on either backend (SQLite: a long recursive count).
func slowQuery(_ db: any DatabaseConnection, seconds: Double) throws {
    if db.dialect == .postgres {
        _ = try db.query("SELECT pg_sleep(\(seconds))")
    } else {
        let count = Int(seconds * 8_000_000)
        _ = try db.query(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < \(count)) SELECT count(*) FROM c")
    }
}

@Suite("Pools")
struct PoolTests {
    @Test("64 tasks increment 4 rows through retryOnConflict: exact counts", arguments: Backend.available)
    func manyTasks(backend: Backend) async throws {
        let database = TestDatabase(backend)
        let setup = try database.connectWithSchema()
        var ids: [Int64] = []
        for _ in 0..<4 {
            var counter = Counter()
            try counter.insert(setup)
            ids.append(counter.id!)
        }
        let pool = AnyPool(database)
        let rows = ids
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<64 {
                group.addTask {
                    for step in 0..<10 {
                        let id = rows[(task + step) % rows.count]
                        try await pool.retryOnConflict { db in
                            var counter = try #require(try Counter.find(db, id: id))
                            counter.value += 1
                            try counter.update(db)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let values = try await pool.read { db in try Counter.fetchAll(db).map(\.value) }
        #expect(values.reduce(0, +) == 640)
        #expect(values == [160, 160, 160, 160])
        await pool.close()
    }

    @Test(
        "Writers waiting on a row held by another connection's transaction hold no thread: reads and other tasks go on",
        arguments: Backend.available)
    func noStarvation(backend: Backend) async throws {
        let database = TestDatabase(backend)
        let setup = try database.connectWithSchema()
        var counter = Counter()
        try counter.insert(setup)
        let id = try #require(counter.id)
        let pool = AnyPool(database)

        // Another connection holds the row (PostgreSQL) or the write lock (SQLite) in an open transaction.
        let locked = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let holder = Thread {
            guard let db = try? database.connect() else {
                locked.signal()
                return
            }
            try? db.transaction {
                var held = try #require(try Counter.find(db, id: id))
                held.value += 1000
                try held.update(db)
                locked.signal()
                release.wait()
                throw CancellationError()  // roll back
            }
        }
        holder.start()
        locked.wait()

        let writers = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<64 {
                    group.addTask {
                        try await pool.retryOnConflict { db in
                            var fresh = try #require(try Counter.find(db, id: id))
                            fresh.value += 1
                            try fresh.update(db)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        // The writers are all waiting, and stay waiting until the lock is released below: a read and
        // plain tasks that complete now did not need a thread or a connection the writers hold.
        let value = try await pool.read { db in try Counter.find(db, id: id)?.value }
        #expect(value == 0)
        let tasks = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<100 {
                group.addTask {
                    try await Task.sleep(for: .milliseconds(1))
                    return index
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(tasks == 4950)
        let committed = try await pool.read { db in try Counter.find(db, id: id)?.value }
        #expect(committed == 0, "no writer got through while the lock was held")

        release.signal()
        try await writers.value
        let final = try await pool.read { db in try Counter.find(db, id: id)?.value }
        #expect(final == 64, "every writer applied its increment once, the held change rolled back")
        await pool.close()
    }

    @Test(
        "Cancelling a running request interrupts its statement; the transaction rolls back; the connection stays usable",
        arguments: Backend.available)
    func cancelRunning(backend: Backend) async throws {
        let database = TestDatabase(backend)
        _ = try database.connectWithSchema()
        let pool = AnyPool(database, sqlite: .init(readers: 1), postgres: .init(connections: 1))
        let started = Locked(false)
        let work = Task {
            try await pool.write { db in
                var author = Author(name: "rolled back")
                try author.insert(db)
                started.withLock { $0 = true }
                try slowQuery(db, seconds: 300)
            }
        }
        while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(50))
        let clock = ContinuousClock()
        let start = clock.now
        work.cancel()
        let outcome = await work.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        #expect(clock.now - start < .seconds(120), "the statement (300 s) was interrupted, not waited for")
        // The same (only) connection works, and the cancelled transaction left nothing.
        let count = try await pool.write { db in try Author.count(db) }
        #expect(count == 0)
        let read = try await pool.read { db in try Author.count(db) }
        #expect(read == 0)
        await pool.close()
    }

    @Test("Cancelling a request that waits for a connection stops the wait at once", arguments: Backend.available)
    func cancelWaiting(backend: Backend) async throws {
        let database = TestDatabase(backend)
        _ = try database.connectWithSchema()
        let pool = AnyPool(database, sqlite: .init(readers: 1), postgres: .init(connections: 1))
        let started = Locked(false)
        let busy = Task {
            try await pool.write { db in
                started.withLock { $0 = true }
                try slowQuery(db, seconds: 60)
            }
        }
        while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        let waiting = Task { try await pool.write { db in try Author.count(db) } }
        try await Task.sleep(for: .milliseconds(50))
        let clock = ContinuousClock()
        let start = clock.now
        waiting.cancel()
        let outcome = await waiting.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        #expect(clock.now - start < .seconds(30), "the wait ended before the connection was free")
        busy.cancel()
        _ = await busy.result
        #expect(try await pool.write { db in try Author.count(db) } == 0)
        await pool.close()
    }

    @Test(
        "A request that cannot get a connection within the acquire timeout fails with .timeout",
        arguments: Backend.available)
    func acquireTimeout(backend: Backend) async throws {
        let database = TestDatabase(backend)
        _ = try database.connectWithSchema()
        let pool = AnyPool(
            database, sqlite: .init(readers: 1, acquireTimeout: .milliseconds(100)),
            postgres: .init(connections: 1, acquireTimeout: .milliseconds(100)))
        let started = Locked(false)
        let busy = Task {
            try await pool.write { db in
                started.withLock { $0 = true }
                try slowQuery(db, seconds: 60)
            }
        }
        while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: DatabaseError.self) { try await pool.write { db in try Author.count(db) } }
        #expect(error?.kind == .timeout, "\(String(describing: error))")
        #expect(clock.now - start < .seconds(30), "the timeout ended the wait, not the free connection")
        busy.cancel()
        _ = await busy.result
        await pool.close()
    }

    @Test(
        "More requests than connections queue and all complete, never more at once than the pool has",
        arguments: Backend.available)
    func exhaustion(backend: Backend) async throws {
        let database = TestDatabase(backend)
        _ = try database.connectWithSchema()
        let pool = AnyPool(database, sqlite: .init(readers: 2), postgres: .init(connections: 2))
        let running = Locked((now: 0, most: 0))
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<20 {
                group.addTask {
                    try await pool.read { db in
                        running.withLock {
                            $0.now += 1
                            $0.most = max($0.most, $0.now)
                        }
                        defer { running.withLock { $0.now -= 1 } }
                        try slowQuery(db, seconds: 0.02)
                        return index
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(results == 190)
        #expect(running.withLock { $0.most } == 2)
        await pool.close()
    }

    @Test("A closed pool refuses requests; close waits for the running ones", arguments: Backend.available)
    func close(backend: Backend) async throws {
        let database = TestDatabase(backend)
        _ = try database.connectWithSchema()
        let pool = AnyPool(database)
        let started = Locked(false)
        let running = Task {
            try await pool.write { db in
                started.withLock { $0 = true }
                try slowQuery(db, seconds: 0.2)
                var author = Author(name: "finished")
                try author.insert(db)
            }
        }
        while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        await pool.close()
        try await running.value
        let error = await #expect(throws: DatabaseError.self) { try await pool.read { db in try Author.count(db) } }
        #expect(error?.kind == .connection, "a closed pool has no connection: \(String(describing: error))")
        #expect(error?.message.contains("is closed") == true)
        #expect(try Author.count(try database.connect()) == 1)
    }

    @Test(
        "writeWithoutTransaction: a checked update from a request in one statement; each statement commits on its own",
        arguments: Backend.available)
    func withoutTransaction(backend: Backend) async throws {
        let database = TestDatabase(backend)
        _ = try database.connectWithSchema()
        let pool = AnyPool(database)
        struct Stop: Error {}
        let author = try await pool.write { db in try Fixture.author(db, name: "Ada") }
        // The version travelled to a browser and back: update without reading first.
        var edited = author
        edited.name = "Ada Lovelace"
        let saved = try await pool.writeWithoutTransaction { [edited] db in
            var record = edited
            try record.update(db)
            return record
        }
        #expect(saved.version != author.version)
        let stale = edited
        await #expect(throws: ConcurrentUpdate.self) {
            try await pool.writeWithoutTransaction { db in
                var record = stale
                try record.update(db)
            }
        }
        // No transaction: the first insert stays although the closure throws.
        await #expect(throws: Stop.self) {
            try await pool.writeWithoutTransaction { db in
                _ = try Fixture.author(db, name: "kept")
                throw Stop()
            }
        }
        let names = try await pool.read { db in try Author.fetchAll(db).map(\.name) }
        #expect(names == ["Ada Lovelace", "kept"])
        await pool.close()
    }

    @Test("A SQLite reader cannot write; a write error rolls the whole write back")
    func sqliteReadOnlyReaders() async throws {
        let database = TestDatabase(.sqlite)
        _ = try database.connectWithSchema()
        let pool = SQLitePool(path: database.path)
        let error = await #expect(throws: DatabaseError.self) {
            try await pool.read { db in
                var author = Author(name: "from a reader")
                try author.insert(db)
            }
        }
        #expect(error?.kind == .readOnly, "\(String(describing: error))")
        await #expect(throws: DatabaseError.self) {
            try await pool.write { db in
                var first = Author(id: 1, name: "first")
                try first.insert(db)
                var duplicate = Author(id: 1, name: "duplicate")
                try duplicate.insert(db)
            }
        }
        #expect(try await pool.read { db in try Author.count(db) } == 0)
        await pool.close()
    }

    @Test(
        "PostgreSQL backends terminated mid-load: the pool replaces them, failures are .connection errors, no increment lost or doubled"
    )
    func postgresTerminated() async throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        let setup = try database.connectWithSchema()
        var counter = Counter()
        try counter.insert(setup)
        let id = try #require(counter.id)
        let application = "pool_\(UInt32.random(in: 0...UInt32.max))"
        let pool = AnyPool(database, postgres: .init(connections: 8), applicationName: application)
        let successes = Locked(0)
        let failures = Locked<[String]>([])
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<32 {
                    group.addTask {
                        for _ in 0..<25 {
                            do {
                                try await pool.retryOnConflict { db in
                                    var fresh = try #require(try Counter.find(db, id: id))
                                    fresh.value += 1
                                    try fresh.update(db)
                                    var entry = AuditEntry(message: "increment", at: Date())
                                    try entry.insert(db)
                                }
                                successes.withLock { $0 += 1 }
                            } catch let error as DatabaseError where error.kind == .connection {
                                failures.withLock { $0.append(error.message) }
                            } catch {
                                failures.withLock { $0.append("UNEXPECTED \(error)") }
                            }
                        }
                    }
                }
            }
        }
        // Terminate every pool backend a few times while the load runs.
        let admin = try database.connect()
        var terminated = 0
        for _ in 0..<3 {
            try await Task.sleep(for: .milliseconds(150))
            let rows = try admin.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [.text(application)])
            terminated += rows.count
        }
        await load.value
        #expect(terminated > 0)
        let failed = failures.withLock { $0 }
        #expect(!failed.contains { $0.hasPrefix("UNEXPECTED") }, "\(failed.filter { $0.hasPrefix("UNEXPECTED") })")
        // Each committed increment wrote one audit row in the same transaction.
        let value = try #require(try Counter.find(admin, id: id)).value
        let audited = try AuditEntry.count(admin)
        #expect(value == Int64(audited), "no increment lost or doubled")
        let succeeded = successes.withLock { $0 }
        #expect(value >= Int64(succeeded) && value <= Int64(succeeded + failed.count))
        #expect(succeeded + failed.count == 800)
        // The pool recovered.
        try await pool.write { db in
            var fresh = try #require(try Counter.find(db, id: id))
            fresh.value += 1
            try fresh.update(db)
        }
        print("postgres terminated: \(terminated) backends, \(succeeded) increments, \(failed.count) connection failures")
        await pool.close()
    }
}
