import Foundation
import OptimisticLock
import TestModels
import Testing

/// The reported ways a stale record overwrote a newer row while versions were counters (issue 10,
/// cases 1-6): each now ends in `ConcurrentUpdate`, the newer row untouched, on every backend.
@Suite("No lost update")
struct NoLostUpdateTests {
    struct Boom: Error {}

    @Test("1. A write rolled back with its transaction leaves a record that conflicts", arguments: Backend.available)
    func rolledBackTransaction(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let other = try database.connect()
        var mine = try Fixture.author(db, name: "Ada")
        let id = try #require(mine.id)

        #expect(throws: Boom.self) {
            try db.transaction {
                mine.name = "rolled back"
                try mine.update(db)
                throw Boom()
            }
        }
        // Someone else writes the row (with a counter, their version was exactly the one `mine` held).
        var theirs = try #require(try Author.find(other, id: id))
        theirs.name = "Theirs"
        try theirs.update(other)

        mine.name = "Mine"
        let conflict = #expect(throws: ConcurrentUpdate.self) { try mine.update(db) }
        #expect(conflict?.actualVersion == theirs.version)
        #expect(try Author.find(db, id: id)?.name == "Theirs")
    }

    @Test(
        "1. A write rolled back with its savepoint, the outer transaction committed, conflicts too",
        arguments: Backend.available)
    func rolledBackSavepoint(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let other = try database.connect()
        var mine = try Fixture.author(db, name: "Ada")
        let id = try #require(mine.id)
        try db.transaction {
            #expect(throws: Boom.self) {
                try db.transaction {
                    mine.name = "rolled back"
                    try mine.update(db)
                    throw Boom()
                }
            }
            _ = try Fixture.author(db, name: "committed beside it")
        }
        var theirs = try #require(try Author.find(other, id: id))
        theirs.name = "Theirs"
        try theirs.update(other)
        mine.name = "Mine"
        #expect(throws: ConcurrentUpdate.self) { try mine.update(db) }
        #expect(try Author.find(db, id: id)?.name == "Theirs")
        #expect(try Author.count(db) == 2)
    }

    /// A table whose deferred reference makes COMMIT fail after the statements in the transaction succeeded.
    static func makeCommitFail(_ db: some DatabaseConnection) throws {
        let type = db.dialect == .sqlite ? "INTEGER" : "bigint"
        try db.executeScript(
            """
            CREATE TABLE IF NOT EXISTS "commit_guard" ("author_id" \(type) REFERENCES "author" ("id")
                DEFERRABLE INITIALLY DEFERRED)
            """)
        try Fixture.execute(db, #"INSERT INTO "commit_guard" ("author_id") VALUES (?)"#, [.integer(987_654_321)])
    }

    @Test(
        "2. A write whose COMMIT failed (deferred foreign key) leaves a record that conflicts",
        arguments: Backend.available)
    func failedCommit(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let other = try database.connect()
        var mine = try Fixture.author(db, name: "Ada")
        let id = try #require(mine.id)
        let before = mine.version

        let error = #expect(throws: DatabaseError.self) {
            try db.transaction {
                mine.name = "never committed"
                try mine.update(db)
                try Self.makeCommitFail(db)
            }
        }
        #expect(error?.isForeignKeyViolation == true, "\(String(describing: error))")
        #expect(!db.isInTransaction)
        #expect(try Author.find(other, id: id)?.version == before, "the row kept its version")
        #expect(mine.version != before, "the record carries the version of the write that did not commit")

        var theirs = try #require(try Author.find(other, id: id))
        theirs.name = "Theirs"
        try theirs.update(other)
        mine.name = "Mine"
        #expect(throws: ConcurrentUpdate.self) { try mine.update(db) }
        #expect(try Author.find(db, id: id)?.name == "Theirs")
        // The connection is healthy afterwards.
        try db.transaction { _ = try Fixture.author(db, name: "after") }
    }

    @Test("2. A write whose COMMIT was busy (rollback journal, a reader holding its lock) leaves a record that conflicts")
    func busyCommit() throws {
        let database = TestDatabase(.sqlite)
        let setup = try database.connectWithSchema()
        try setup.executeScript("PRAGMA journal_mode = DELETE")
        var mine = try Fixture.author(setup, name: "Ada")
        let id = try #require(mine.id)
        let writer = try SQLiteConnection(path: database.path, busyTimeout: 0.05, useWAL: false)
        let reader = try SQLiteConnection(path: database.path, useWAL: false)
        #expect(try Fixture.column(reader, "PRAGMA journal_mode") == .text("delete"))
        // The reader holds a SHARED lock: the writer's COMMIT cannot take the EXCLUSIVE lock it needs.
        try reader.executeScript("BEGIN")
        #expect(try Author.count(reader) == 1)

        let error = #expect(throws: DatabaseError.self) {
            try writer.transaction {
                mine.name = "never committed"
                try mine.update(writer)
            }
        }
        #expect(error?.isBusy == true, "\(String(describing: error))")
        #expect(!writer.isInTransaction)
        try reader.executeScript("COMMIT")

        var theirs = try #require(try Author.find(reader, id: id))
        #expect(theirs.name == "Ada", "the busy commit was rolled back")
        theirs.name = "Theirs"
        try theirs.update(reader)
        mine.name = "Mine"
        #expect(throws: ConcurrentUpdate.self) { try mine.update(writer) }
        #expect(try Author.find(reader, id: id)?.name == "Theirs")
    }

    @Test(
        "3. A rolled-back insert whose key is handed out again never updates the new row",
        arguments: Backend.available)
    func rolledBackInsert(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let other = try database.connect()
        _ = try Fixture.author(db, name: "first")
        var ghost = Author(name: "ghost")
        #expect(throws: Boom.self) {
            try db.transaction {
                try ghost.insert(db)
                throw Boom()
            }
        }
        let ghostID = try #require(ghost.id)
        var real = Author(name: "real")
        try real.insert(other)
        if backend == .sqlite {
            #expect(real.id == ghostID, "SQLite rolled AUTOINCREMENT back: the same key was handed out again")
        }
        ghost.name = "overwrite"
        #expect(throws: ConcurrentUpdate.self) { try ghost.save(db) }
        #expect(try Author.find(db, id: try #require(real.id))?.name == "real")
        #expect(try Author.count(db) == 2)
    }

    @Test(
        "4. A copy read before its row was deleted and re-created with the same key conflicts",
        arguments: Backend.available)
    func recreatedKey(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let other = try database.connect()
        let author = try Fixture.author(db)
        let post = try Fixture.post(db, author: author, title: "Original")
        var stale = try #require(try Post.find(other, id: post.id))

        try post.delete(db)
        var recreated = Post(id: post.id, authorID: author.id!, title: "Re-created", createdAt: Date(timeIntervalSince1970: 0))
        try recreated.insert(db)

        stale.title = "Stale"
        #expect(throws: ConcurrentUpdate.self) { try stale.update(other) }
        #expect(throws: ConcurrentUpdate.self) { try stale.delete(other) }
        #expect(try Post.find(db, id: post.id)?.title == "Re-created")
    }

    @Test("5. A form for one row carrying another row's id never writes that row", arguments: Backend.available)
    func anotherRowsVersion(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        // With counters every fresh pair of rows shared version 1; tokens are different per row.
        for round in 0..<50 {
            var x = Counter(value: 1)
            var y = Counter(value: 2)
            try x.insert(db)
            try y.insert(db)
            #expect(x.version != y.version)
            var forged = x
            forged.id = y.id
            forged.value = 999
            #expect(throws: ConcurrentUpdate.self, "round \(round)") { try forged.update(db) }
            #expect(throws: ConcurrentUpdate.self, "round \(round)") { try Counter.delete(db, id: y.id!, version: x.version) }
            #expect(try Counter.find(db, id: y.id!)?.value == 2)
        }
    }

    @Test(
        "6. retryOnConflict runs each attempt atomically: a write before the conflict is not applied twice",
        arguments: Backend.available)
    func atomicRetries(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let other = try database.connect()
        var a = Counter(value: 0)
        var b = Counter(value: 0)
        try a.insert(db)
        try b.insert(db)
        let staleB = b
        var bElsewhere = try #require(try Counter.find(other, id: b.id!))
        bElsewhere.value += 1
        try bElsewhere.update(other)

        var attempts = 0
        try db.retryOnConflict {
            attempts += 1
            var freshA = try #require(try Counter.find(db, id: a.id!))
            freshA.value += 1
            try freshA.update(db)
            var nextB = attempts == 1 ? staleB : try #require(try Counter.find(db, id: b.id!))
            nextB.value += 1
            try nextB.update(db)
        }
        #expect(attempts == 2)
        #expect(try Counter.find(db, id: a.id!)?.value == 1, "the first attempt's write to A was rolled back")
        #expect(try Counter.find(db, id: b.id!)?.value == 2)
    }

    @Test("6. Inside an open transaction each attempt is a savepoint", arguments: Backend.available)
    func atomicRetriesNested(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var a = Counter(value: 0)
        var b = Counter(value: 0)
        try a.insert(db)
        try b.insert(db)
        var staleB = b
        var current = b
        current.value = 10
        try current.update(db)
        var attempts = 0
        try db.transaction {
            try db.retryOnConflict {
                attempts += 1
                var freshA = try #require(try Counter.find(db, id: a.id!))
                freshA.value += 1
                try freshA.update(db)
                if attempts == 1 {
                    staleB.value += 1
                    try staleB.update(db)
                }
            }
        }
        #expect(attempts == 2)
        #expect(try Counter.find(db, id: a.id!)?.value == 1)
        #expect(try Counter.find(db, id: b.id!)?.value == 10)
    }

    @Test("6. retryOnConflict retries a busy database (SQLite) and gives up after maxAttempts")
    func retriesBusy() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connectWithSchema()
        var counter = Counter()
        try counter.insert(db)
        let holder = try SQLiteConnection(path: database.path)
        let impatient = try SQLiteConnection(path: database.path, busyTimeout: 0.001)

        // Held for good: every attempt is busy, and the last busy error comes out.
        try holder.executeScript("BEGIN IMMEDIATE")
        var attempts = 0
        let error = #expect(throws: DatabaseError.self) {
            try impatient.retryOnConflict(maxAttempts: 3) {
                attempts += 1
                var fresh = try #require(try Counter.find(impatient, id: counter.id!))
                fresh.value += 1
                try fresh.update(impatient)
            }
        }
        #expect(error?.isBusy == true)
        #expect(attempts == 0, "BEGIN IMMEDIATE itself was busy: the closure never ran")

        try holder.executeScript("COMMIT")

        // Held by another thread for 30 ms: a retry gets through.
        let locked = DispatchSemaphore(value: 0)
        let path = database.path
        let release = Thread {
            guard let briefHolder = try? SQLiteConnection(path: path) else {
                locked.signal()
                return
            }
            try? briefHolder.executeScript("BEGIN IMMEDIATE")
            locked.signal()
            usleep(30_000)
            try? briefHolder.executeScript("COMMIT")
        }
        release.start()
        locked.wait()
        try impatient.retryOnConflict(maxAttempts: 10_000) {
            var fresh = try #require(try Counter.find(impatient, id: counter.id!))
            fresh.value += 1
            try fresh.update(impatient)
        }
        #expect(try Counter.find(db, id: counter.id!)?.value == 1)
    }

    @Test("6. retryOnConflict retries a PostgreSQL serialization failure (40001)")
    func retriesSerializationFailure() throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        let db = try database.connectWithSchema()
        var counter = Counter()
        try counter.insert(db)
        let id = try #require(counter.id)
        let first = try database.connect()
        let secondRead = DispatchSemaphore(value: 0)
        let firstCommitted = DispatchSemaphore(value: 0)
        let attempts = ThreadLock(0)
        let failure = ThreadLock<(any Error)?>(nil)

        let thread = Thread {
            do {
                let second = try database.connect()
                try second.retryOnConflict {
                    let attempt = attempts.withLock {
                        $0 += 1
                        return $0
                    }
                    try second.executeScript("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    var fresh = try #require(try Counter.find(second, id: id))
                    if attempt == 1 {
                        secondRead.signal()
                        firstCommitted.wait()
                    }
                    fresh.value += 10
                    try fresh.update(second)
                }
            } catch {
                failure.withLock { $0 = error }
            }
        }
        thread.start()
        secondRead.wait()
        var mine = try #require(try Counter.find(first, id: id))
        mine.value += 1
        try mine.update(first)
        firstCommitted.signal()
        while attempts.withLock({ $0 }) < 2 && failure.withLock({ $0 == nil }) { usleep(1_000) }
        while try Counter.find(db, id: id)?.value != 11 && failure.withLock({ $0 == nil }) { usleep(1_000) }
        #expect(failure.withLock { $0 } == nil)
        #expect(attempts.withLock { $0 } == 2, "the first attempt failed with 40001 and was rerun")
        #expect(try Counter.find(db, id: id)?.value == 11)
    }
}
