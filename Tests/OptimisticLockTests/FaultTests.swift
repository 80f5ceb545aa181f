import Foundation
import OptimisticLock
import TestModels
import TestSupport
import Testing

/// Faults on SQLite files: killed writers, busy databases, files that cannot be used. Nothing
/// crashes, nothing committed is lost, nothing half-written becomes visible.
@Suite("Faults")
struct FaultTests {
    /// Starts the worker in `mode`, waits until it prints `word`, then kills it with SIGKILL.
    func killWorker(_ arguments: [String], after word: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltExecutable.path("contention-worker"))
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var output = ""
        while !output.contains(word) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            output += String(decoding: chunk, as: UTF8.self)
        }
        try #require(output.contains(word), "the worker said: \(output)")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
    }

    /// A counter stored and updated twice: value 2.
    func committedCounter(_ db: some DatabaseConnection) throws -> Counter {
        var counter = Counter(value: 0)
        try counter.insert(db)
        for _ in 0..<2 {
            counter.value += 1
            try counter.update(db)
        }
        return counter
    }

    @Test("A writer SIGKILLed inside a multi-row transaction leaves an intact file and none of its rows")
    func killedInTransaction() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connectWithSchema()
        let counter = try committedCounter(db)
        try killWorker(["hold-transaction", database.path, String(counter.id!), "500"], after: "ready")

        let after = try database.connect()
        #expect(try Fixture.column(after, "PRAGMA integrity_check") == .text("ok"))
        #expect(try Counter.count(after) == 1, "none of the killed transaction's rows are visible")
        let stored = try #require(try Counter.find(after, id: counter.id!))
        #expect(stored == counter, "the committed version is intact")
        var next = stored
        next.value += 1
        try next.update(after)
        #expect(next.version != stored.version, "the database takes writes again")
    }

    @Test("A writer SIGKILLed between its read and its conditional update leaves no trace")
    func killedBetweenReadAndWrite() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connectWithSchema()
        let counter = try committedCounter(db)
        try killWorker(["hold-read", database.path, String(counter.id!)], after: "read")
        let after = try database.connect()
        #expect(try Fixture.column(after, "PRAGMA integrity_check") == .text("ok"))
        #expect(try Counter.find(after, id: counter.id!) == counter)
        var next = counter
        next.value = 10
        try next.update(after)
        #expect(try Counter.find(after, id: counter.id!)?.value == 10)
    }

    @Test("A tiny busy timeout while another connection holds the write lock: a busy error, nothing changed")
    func busy() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connectWithSchema()
        let counter = try committedCounter(db)
        let holder = try database.connect()
        try holder.executeScript("BEGIN IMMEDIATE")
        let impatient = try SQLiteConnection(path: database.path, busyTimeout: 0.05)
        var mine = counter
        mine.value = 100
        let error = #expect(throws: DatabaseError.self) { try mine.update(impatient) }
        #expect(error?.isBusy == true)
        #expect(error?.message.contains("locked") == true, "\(String(describing: error))")
        #expect(mine.version == counter.version, "the record is untouched")
        try holder.executeScript("ROLLBACK")
        try mine.update(impatient)
        #expect(try Counter.find(db, id: counter.id!)?.value == 100)
    }

    @Test("Writers with tiny busy timeouts under contention: busy errors, never a lost update")
    func busyUnderContention() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connectWithSchema()
        var counter = Counter()
        try counter.insert(db)
        let id = try #require(counter.id)
        let successes = ThreadLock(0)
        let busyErrors = ThreadLock(0)
        let errors = ContentionTests.runThreads(6) { _ in
            let connection = try SQLiteConnection(path: database.path, busyTimeout: 0.001)
            for _ in 0..<40 {
                do {
                    try connection.retryOnConflict(maxAttempts: 1_000) {
                        var current = try #require(try Counter.find(connection, id: id))
                        current.value += 1
                        try current.update(connection)
                    }
                    successes.withLock { $0 += 1 }
                } catch let error as DatabaseError where error.isBusy {
                    busyErrors.withLock { $0 += 1 }
                }
            }
        }
        #expect(errors.isEmpty, "\(errors)")
        let final = try #require(try Counter.find(db, id: id))
        #expect(final.value == Int64(successes.withLock { $0 }), "every success counted once, nothing lost")
        #expect(successes.withLock { $0 } + busyErrors.withLock { $0 } == 240)
        print("busy contention: \(successes.withLock { $0 }) updates, \(busyErrors.withLock { $0 }) busy errors")
    }

    @Test("A missing directory is a clear error on open")
    func missingDirectory() {
        let path = "/nonexistent-\(UUID().uuidString)/db.sqlite"
        let error = #expect(throws: DatabaseError.self) { try SQLiteConnection(path: path) }
        #expect(error?.kind == .cannotOpen)
        #expect(error?.message.contains(path) == true)
    }

    @Test("A file that is not a database is a clear error on open")
    func notADatabase() throws {
        let database = TestDatabase(.sqlite)
        try String(repeating: "this is not a database\n", count: 200).write(
            toFile: database.path, atomically: true, encoding: .utf8)
        let error = #expect(throws: DatabaseError.self) { try SQLiteConnection(path: database.path) }
        #expect(error?.kind == .corrupt)
        #expect(error?.message.contains("not a database") == true, "\(String(describing: error))")
    }

    @Test("A read-only connection reads, and its writes fail with a read-only error")
    func readOnly() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connectWithSchema()
        let counter = try committedCounter(db)
        let reader = try SQLiteConnection(path: database.path, readOnly: true)
        #expect(try Counter.find(reader, id: counter.id!) == counter)
        var copy = counter
        copy.value = 50
        let error = #expect(throws: DatabaseError.self) { try copy.update(reader) }
        #expect(error?.kind == .readOnly)
        #expect(copy.version == counter.version)
        #expect(throws: DatabaseError.self) { try SQLiteConnection(path: database.path + ".missing", readOnly: true) }
    }

    @Test("A corrupt page is a clear error at first use, not a crash")
    func corruptPage() throws {
        let database = TestDatabase(.sqlite)
        do {
            let db = try database.connectWithSchema()
            try db.transaction {
                for value in 0..<3_000 {
                    var counter = Counter(value: Int64(value))
                    try counter.insert(db)
                }
            }
            try db.executeScript("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        // Overwrite the headers of pages 3 to 12 (4096-byte pages) with garbage.
        let handle = try #require(FileHandle(forUpdatingAtPath: database.path))
        for page in 2..<12 {
            try handle.seek(toOffset: UInt64(page * 4096))
            try handle.write(contentsOf: Data(repeating: 0xA5, count: 64))
        }
        try handle.close()
        let error = #expect(throws: DatabaseError.self) {
            let db = try database.connect()
            _ = try Counter.fetchAll(db)
            _ = try Fixture.column(db, "PRAGMA quick_check")
            throw DatabaseError(kind: .other, message: "the corruption went unnoticed")
        }
        #expect(error?.kind == .corrupt, "\(String(describing: error))")
    }
}

/// A connection forced across threads (it is not `Sendable`): the second thread is refused.
@Suite("Connections across threads")
struct CrossThreadTests {
    /// Inserts an author named `name` through `connection` on a thread of its own, once `start`
    /// (if given) is signalled. Wait on `done`; `error` then holds what the insert threw, if anything.
    static func insertOnAnotherThread(
        _ connection: any DatabaseConnection, name: String, after start: DispatchSemaphore? = nil
    ) -> (done: DispatchSemaphore, error: Locked<(any Error)?>) {
        nonisolated(unsafe) let shared = connection
        let done = DispatchSemaphore(value: 0)
        let error = Locked<(any Error)?>(nil)
        Thread.detachNewThread {
            start?.wait()
            var author = Author(name: name)
            do { try author.insert(shared) } catch let thrown { error.withLock { $0 = thrown } }
            done.signal()
        }
        return (done, error)
    }

    @Test(
        "One connection used from two threads at once: .misuse for the second, never two rows with one version",
        arguments: Backend.available)
    func twoThreads(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var warm = Author(name: "warm")
        try warm.insert(db)
        nonisolated(unsafe) let shared = db
        let refused = Locked(0)
        let stored = Locked(0)
        let unexpected = Locked<[String]>([])
        let start = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        for thread in 0..<2 {
            Thread.detachNewThread {
                start.wait()
                // Until the threads have met often (a busy machine may start one late), or long enough.
                for index in 0..<100_000 where refused.withLock({ $0 }) < 500 || stored.withLock({ $0 }) < 2_000 {
                    var author = Author(name: "thread \(thread) #\(index)")
                    do {
                        try author.insert(shared)
                        stored.withLock { $0 += 1 }
                    } catch let error as DatabaseError where error.kind == .misuse {
                        refused.withLock { $0 += 1 }
                    } catch {
                        unexpected.withLock { $0.append("\(error)") }
                    }
                }
                done.signal()
            }
        }
        start.signal()
        start.signal()
        done.wait()
        done.wait()
        let duplicates = try db.query(
            "SELECT version, count(*) AS n FROM author GROUP BY version HAVING count(*) > 1")
        #expect(duplicates.isEmpty, "rows share a version: \(duplicates)")
        #expect(
            try Author.count(db) == Int64(stored.withLock { $0 }) + 1, "a row was stored that its insert did not report, or lost")
        #expect(unexpected.withLock { $0 }.isEmpty, "\(unexpected.withLock { $0 }.prefix(3))")
        print("two threads on one \(backend) connection: \(stored.withLock { $0 }) stored, \(refused.withLock { $0 }) refused")
        #expect(refused.withLock { $0 } > 0, "the threads never met: this test tested nothing")
    }

    @Test(
        "A write from a second thread while the first has a transaction open is refused, not run inside it and rolled back",
        arguments: Backend.available)
    func transactionIsOwned(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let opened = DispatchSemaphore(value: 0)
        let second = Self.insertOnAnotherThread(db, name: "from the second thread", after: opened)
        struct Abandon: Error {}
        #expect(throws: Abandon.self) {
            try db.transaction {
                var mine = Author(name: "from the first thread")
                try mine.insert(db)
                opened.signal()
                second.done.wait()
                throw Abandon()
            }
        }
        let refusal = try #require(second.error.withLock { $0 } as? DatabaseError, "the second thread's insert was not refused")
        #expect(refusal.kind == .misuse && refusal.message.contains("another thread"))
        #expect(try Author.count(db) == 0)
        // Once the transaction is over, the other thread may use the connection.
        Self.insertOnAnotherThread(db, name: "after").done.wait()
        #expect(try Author.count(db) == 1)
    }

    @Test(
        "A query stepped to its end without a reset gives the connection back; running it again takes it again",
        arguments: Backend.available)
    func steppedToTheEnd(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let sql =
            backend == .sqlite ? "SELECT count(*) FROM author WHERE name = ?" : "SELECT count(*) FROM author WHERE name = $1"
        let statement = try db.prepare(sql)
        statement.bind(text: "B", at: 1)
        while try statement.step() {}
        let first = Self.insertOnAnotherThread(db, name: "B")
        first.done.wait()
        #expect(first.error.withLock { $0 } == nil)
        statement.reset()
        statement.bind(text: "B", at: 1)
        #expect(try statement.step())
        #expect(try statement.int64(at: 0) == 1)
        // The run in progress holds the connection: another thread is refused until the reset.
        let during = Self.insertOnAnotherThread(db, name: "C")
        during.done.wait()
        #expect((during.error.withLock { $0 } as? DatabaseError)?.kind == .misuse)
        statement.reset()
        var after = Author(name: "D")
        try after.insert(db)
        #expect(try Author.count(db) == 2)
    }
}
