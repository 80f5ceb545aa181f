import Foundation
import OptimisticLock
import OptimisticLockHTTP
import OptimisticLockPostgres
import TestModels
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A request reports success exactly when its work was committed — also when the network or the
/// server misbehaves: a stopped backend, a blackholed connection, an answer lost after the server
/// committed. Every request ends within its bound, its error says whether anything may be kept
/// (`.outcomeUnknown`, `.partiallyCommitted`) or nothing is, the pool recovers, `close()` returns,
/// and the database holds what the errors claim.
@Suite("Unreliable network")
struct UnreliableNetworkTests {
    /// How long a test waits before it calls a request hung: far past every bound the library
    /// promises, since a loaded test machine can delay the task that awaits a request for seconds.
    static let slack: Duration = .seconds(30)
    /// What a bound measured on a pool's own thread (see `timed`) may exceed the promise by.
    static let margin: Duration = .seconds(3)

    /// Runs `body` and records how long it took, measured on the thread that runs it — a pool's own
    /// thread, which a busy cooperative thread pool cannot delay.
    static func timed<T>(_ elapsed: Locked<Duration>, _ body: () throws -> T) rethrows -> T {
        let start = ContinuousClock.now
        defer {
            let duration = ContinuousClock.now - start
            elapsed.withLock { $0 = duration }
        }
        return try body()
    }

    /// Names of authors stored in `database`, read on a connection of its own.
    static func authors(_ database: TestDatabase) throws -> [String] {
        try Author.fetchAll(try database.connect()).map(\.name)
    }

    /// Stops (SIGSTOP) the server process behind a connection; false (with a printed note) when
    /// this process may not signal it.
    static func stop(_ pid: Int32, test: String) -> Bool {
        guard kill(pid, SIGSTOP) == 0 else {
            print(
                "skipped: \(test) cannot stop the PostgreSQL backend \(pid) (errno \(errno)): run as root or as the server's user"
            )
            return false
        }
        return true
    }

    @Test(
        "A stopped backend: requests end at their timeout saying what may be kept, the pool replaces the connection, close() returns"
    )
    func stoppedBackend() async throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        _ = try database.connectWithSchema()
        let pool = PostgresPool(url: database.path, configuration: .init(connections: 1, requestTimeout: .seconds(2)))
        var stopped: [Int32] = []
        defer { for pid in stopped { kill(pid, SIGCONT) } }
        /// Stops the pool's connection, last used by a read (or by a write without a transaction).
        func stopNext(afterWrite: Bool = false) async throws -> Bool {
            let pid =
                afterWrite
                ? try await pool.writeWithoutTransaction { db in db.backendProcessID }
                : try await pool.read { db in db.backendProcessID }
            #expect(!stopped.contains(pid), "the pool reused a connection it gave up on")
            guard Self.stop(pid, test: "the stopped-backend test") else { return false }
            stopped.append(pid)
            return true
        }

        // A read: .timeout within the request timeout and the cancel's grace.
        guard try await stopNext() else { return }
        let elapsed = Locked(Duration.zero)
        let read = Task { try await pool.read { db in try Self.timed(elapsed) { try Author.count(db) } } }
        let readOutcome = await result(of: read, within: Self.slack)
        #expect(readOutcome != nil, "a read hangs on a stopped server")
        let readError = #expect(throws: DatabaseError.self) { try readOutcome?.get() }
        #expect(readError?.kind == .timeout, "\(String(describing: readError))")
        #expect(elapsed.withLock { $0 } < .seconds(4) + Self.margin)

        // A write whose BEGIN the stopped server got: .timeout, nothing kept.
        guard try await stopNext() else { return }
        let write = Task {
            try await pool.write { db in
                var author = Author(name: "in a transaction")
                try author.insert(db)
            }
        }
        let writeOutcome = await result(of: write, within: Self.slack)
        #expect(writeOutcome != nil, "a write hangs on a stopped server")
        let writeError = #expect(throws: DatabaseError.self) { try writeOutcome?.get() }
        #expect(writeError?.kind == .timeout, "\(String(describing: writeError))")

        // A statement on its own: the server has it and will run it when it resumes, so the
        // outcome is unknown — which is exactly what happens below. (Prepared first, on a session
        // that writes: a statement whose preparation, or the switch from reading, got no answer
        // was never run, and is a .timeout.)
        try await pool.writeWithoutTransaction { db in
            var author = Author(name: "warm-up")
            try author.insert(db)
        }
        guard try await stopNext(afterWrite: true) else { return }
        let alone = Task {
            try await pool.writeWithoutTransaction { db in
                var author = Author(name: "on its own")
                try author.insert(db)
            }
        }
        let aloneOutcome = await result(of: alone, within: Self.slack)
        #expect(aloneOutcome != nil, "a write without a transaction hangs on a stopped server")
        let aloneError = #expect(throws: DatabaseError.self) { try aloneOutcome?.get() }
        #expect(aloneError?.kind == .outcomeUnknown, "\(String(describing: aloneError))")

        // Cancelled, with no request timeout: ends within the grace, as a CancellationError.
        let patient = PostgresPool(url: database.path, configuration: .init(connections: 1, requestTimeout: nil))
        let patientPID = try await patient.read { db in db.backendProcessID }
        guard Self.stop(patientPID, test: "the stopped-backend test") else { return }
        stopped.append(patientPID)
        let cancelElapsed = Locked(Duration.zero)
        let cancelled = Task { try await patient.read { db in try Self.timed(cancelElapsed) { try Author.count(db) } } }
        try await Task.sleep(for: .milliseconds(200))
        cancelled.cancel()
        let cancelOutcome = await result(of: cancelled, within: Self.slack)
        #expect(cancelOutcome != nil, "a cancelled request on a stopped server hangs")
        #expect(throws: CancellationError.self) { try cancelOutcome?.get() }
        #expect(cancelElapsed.withLock { $0 } < .seconds(2) + Self.margin)

        // close() returns while requests wait on stopped servers.
        guard try await stopNext() else { return }
        let patientNext = try await patient.read { db in db.backendProcessID }
        guard Self.stop(patientNext, test: "the stopped-backend test") else { return }
        stopped.append(patientNext)
        let waiting = Task { try await pool.read { db in try Author.count(db) } }
        let hanging = Task { try await patient.read { db in try Author.count(db) } }
        try await Task.sleep(for: .milliseconds(200))
        let closing = Task<Void, any Error> { await pool.close() }
        #expect(await result(of: closing, within: Self.slack) != nil, "close() hangs")
        _ = await waiting.result
        hanging.cancel()
        _ = await hanging.result
        await patient.close()

        // Resumed, the servers roll back the transaction and commit the statement sent on its own.
        for pid in stopped { kill(pid, SIGCONT) }
        stopped.removeAll()
        let until = ContinuousClock.now + Self.slack
        while try Self.authors(database).count < 2, ContinuousClock.now < until { try await Task.sleep(for: .milliseconds(20)) }
        #expect(try Self.authors(database) == ["warm-up", "on its own"])
    }

    @Test("The answer to COMMIT never comes (a blackhole): .outcomeUnknown at the request timeout; the row was committed")
    func blackholedCommit() async throws {
        guard let base = Backend.postgresURL else { return }
        let database = TestDatabase(.postgres)
        _ = try database.connectWithSchema()
        guard let (proxy, url) = try FaultProxy.make(for: database.path, test: "the blackholed-commit test") else { return }
        _ = base
        defer { proxy.close() }
        let pool = PostgresPool(url: url, configuration: .init(connections: 1, requestTimeout: .seconds(2)))
        _ = try await pool.read { db in try Author.count(db) }
        proxy.arm(.blackhole, at: .query("COMMIT"))
        let write = Task {
            try await pool.write { db in
                var author = Author(name: "committed, unanswered")
                try author.insert(db)
            }
        }
        let outcome = await result(of: write, within: Self.slack)
        #expect(outcome != nil, "the request hangs")
        let error = #expect(throws: DatabaseError.self) { try outcome?.get() }
        #expect(error?.kind == .outcomeUnknown, "\(String(describing: error))")
        #expect(error?.mayHaveCommitted == true)
        #expect(proxy.fired == 1)
        #expect(try Self.authors(database) == ["committed, unanswered"], "the server committed what it was sent")

        // The pool recovers on a new connection; close() returns.
        #expect(try await pool.read { db in try Author.count(db) } == 1)
        let closing = Task<Void, any Error> { await pool.close() }
        #expect(await result(of: closing, within: Self.slack) != nil, "close() hangs")
    }

    @Test("The connection drops after the server got COMMIT: .outcomeUnknown at once, never retried, and the row is there")
    func droppedCommitAnswer() async throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        _ = try database.connectWithSchema()
        guard let (proxy, url) = try FaultProxy.make(for: database.path, test: "the dropped-commit test") else { return }
        defer { proxy.close() }
        let pool = PostgresPool(url: url, configuration: .init(connections: 1))
        let attempts = Locked(0)
        proxy.arm(.drop, at: .query("COMMIT"))
        let error = await #expect(throws: DatabaseError.self) {
            try await pool.retryOnConflict { db in
                attempts.withLock { $0 += 1 }
                var author = Author(name: "committed, answer lost")
                try author.insert(db)
            }
        }
        #expect(error?.kind == .outcomeUnknown, "\(String(describing: error))")
        #expect(attempts.withLock { $0 } == 1, "an unknown outcome was retried")
        #expect(try Self.authors(database) == ["committed, answer lost"])

        // What an HTTP client is told: not "busy, try again".
        let lost = try #require(error)
        let problem = OptimisticHTTP.problem(for: lost, source: .ifMatch)
        #expect(problem.status == .internalServerError)
        #expect(problem.type == HTTPProblem.outcomeUnknownType)
        #expect(problem.headerFields[.retryAfter] == nil)
        #expect(try await pool.read { db in try Author.count(db) } == 1)
        await pool.close()
    }

    @Test(
        "A dropped answer to a statement: outside a transaction .outcomeUnknown (it committed); inside one .connection (rolled back)"
    )
    func droppedStatementAnswer() async throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        let admin = try database.connectWithSchema()
        guard let (proxy, url) = try FaultProxy.make(for: database.path, test: "the dropped-statement test") else { return }
        defer { proxy.close() }
        var author = Author(name: "v0")
        try author.insert(admin)
        let pool = PostgresPool(url: url, configuration: .init(connections: 1))

        // The checked UPDATE prepared first, so that the next Sync is its run's.
        let stored = author
        var current = try await pool.writeWithoutTransaction { db in
            var copy = stored
            copy.name = "v1"
            try copy.update(db)
            return copy
        }
        proxy.arm(.drop, at: .sync)
        let base = current
        let autocommit = await #expect(throws: DatabaseError.self) {
            try await pool.writeWithoutTransaction { db in
                var copy = base
                copy.name = "v2"
                try copy.update(db)
            }
        }
        #expect(autocommit?.kind == .outcomeUnknown, "\(String(describing: autocommit))")
        #expect(try Author.find(admin, id: author.id!)?.name == "v2", "the server committed the update")

        current = try #require(try await pool.read { db in try Author.find(db, id: base.id!) })
        let latest = current
        _ = try await pool.write { db in
            var copy = latest
            copy.name = "v3"
            try copy.update(db)
            return copy
        }
        let fresh = try #require(try Author.find(admin, id: author.id!))
        proxy.arm(.drop, at: .sync)
        let inTransaction = await #expect(throws: DatabaseError.self) {
            try await pool.write { db in
                var copy = fresh
                copy.name = "v4"
                try copy.update(db)
            }
        }
        #expect(inTransaction?.kind == .connection, "\(String(describing: inTransaction))")
        #expect(inTransaction?.mayHaveCommitted == false)
        // The server rolls back when it sees the connection go: wait for that, then look.
        let deadline = ContinuousClock.now + Self.slack
        while ContinuousClock.now < deadline,
            try Fixture.column(admin, "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'")
                != .integer(0)
        {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try Author.find(admin, id: author.id!)?.name == "v3", "the dropped transaction was rolled back")
        await pool.close()
    }

    @Test("The request timeout bounds the wait for a connection and a statement the server works on; the pool goes on")
    func requestTimeout() async throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        _ = try database.connectWithSchema()
        let pool = PostgresPool(
            url: database.path, configuration: .init(connections: 1, acquireTimeout: .seconds(60), requestTimeout: .seconds(1)))
        let elapsed = Locked(Duration.zero)
        let slow = await #expect(throws: DatabaseError.self) {
            try await pool.read { db in try Self.timed(elapsed) { _ = try db.query("SELECT pg_sleep(20)") } }
        }
        #expect(slow?.kind == .timeout, "\(String(describing: slow))")
        #expect(elapsed.withLock { $0 } < .seconds(1) + Self.margin, "the server answers the cancel at once")

        // The only connection held for 3 s (by a body that computes, which no deadline stops):
        // another request gives up at its 1 s, not at the 60 s acquire timeout.
        let holding = Locked(false)
        let holder = Task {
            try await pool.write { _ in
                holding.withLock { $0 = true }
                let until = ContinuousClock.now + .seconds(3)
                while ContinuousClock.now < until { usleep(1_000) }
            }
        }
        while !holding.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        let waiting = await #expect(throws: DatabaseError.self) {
            _ = try await pool.read { db in try Author.count(db) }
        }
        #expect(waiting?.kind == .timeout, "\(String(describing: waiting))")
        _ = await holder.result
        #expect(try await pool.read { db in try Author.count(db) } == 0)
        await pool.close()
    }

    @Test(
        "A body that ends its own transaction is refused before the SQL runs: nothing runs outside the transaction",
        arguments: Backend.available)
    func bodyEndsTransaction(backend: Backend) async throws {
        let database = TestDatabase(backend)
        _ = try database.connectWithSchema()
        let pool = AnyPool(database, sqlite: .init(readers: 1), postgres: .init(connections: 1))
        let enders = [
            "COMMIT", "commit work", "END", "  /* sneaky */ ROLLBACK", "-- a comment\nrollback transaction", "ABORT",
            "SELECT 1; COMMIT",
        ]
        for sql in enders where backend == .postgres || !["ABORT", "commit work"].contains(sql) {
            let error = await #expect(throws: DatabaseError.self, "\(sql)") {
                try await pool.write { db in
                    var author = Author(name: "written before \(sql)")
                    try author.insert(db)
                    try db.executeScript(sql)
                    var after = Author(name: "written after \(sql)")
                    try after.insert(db)
                }
            }
            #expect(error?.kind == .misuse, "\(sql): \(String(describing: error))")
            // The same through a prepared statement.
            await #expect(throws: DatabaseError.self, "\(sql)") {
                try await pool.write { db in
                    var author = Author(name: "written before a prepared \(sql)")
                    try author.insert(db)
                    _ = try db.query(sql.contains(";") ? "COMMIT" : sql)
                }
            }
        }
        #expect(try Self.authors(database).isEmpty, "a body ended its transaction and committed")

        // A refusal caught by the body leaves the transaction whole: it commits when the body returns.
        try await pool.write { db in
            var first = Author(name: "first")
            try first.insert(db)
            #expect(throws: DatabaseError.self) { try db.executeScript("ROLLBACK") }
            var second = Author(name: "second")
            try second.insert(db)
        }
        #expect(try Self.authors(database).sorted() == ["first", "second"])

        // Savepoints of the body's own are its business.
        try await pool.write { db in
            try db.executeScript("SAVEPOINT mine")
            var third = Author(name: "rolled back to the savepoint")
            try third.insert(db)
            try db.executeScript("ROLLBACK TO SAVEPOINT mine")
        }
        #expect(try Self.authors(database).count == 2)
        // Outside a transaction, COMMIT is only a statement (a warning on PostgreSQL, an error on SQLite).
        _ = try? await pool.writeWithoutTransaction { db in try db.executeScript("COMMIT") }
        await pool.close()
    }

    @Test(
        "writeWithoutTransaction stopped after a statement committed says so (.partiallyCommitted), not CancellationError",
        arguments: Backend.available)
    func partiallyCommitted(backend: Backend) async throws {
        let database = TestDatabase(backend)
        _ = try database.connectWithSchema()
        let pool = AnyPool(database, sqlite: .init(readers: 1), postgres: .init(connections: 1))
        let inserted = Locked(false)
        let work = Task {
            try await pool.writeWithoutTransaction { db in
                var author = Author(name: "kept")
                try author.insert(db)
                inserted.withLock { $0 = true }
                // Statements until the cancel refuses one (at most 60 s).
                let until = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < until { _ = try Author.count(db) }
            }
        }
        while !inserted.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        work.cancel()
        let outcome = await result(of: work, within: Self.slack)
        let error = #expect(throws: DatabaseError.self) { try outcome?.get() }
        #expect(error?.kind == .partiallyCommitted, "\(String(describing: error))")
        #expect(error?.mayHaveCommitted == true)
        #expect(try Self.authors(database) == ["kept"])

        // Nothing committed before the cancel (an UPDATE that matched no row commits nothing): a
        // CancellationError, as before.
        let reading = Locked(false)
        let nothing = Task {
            try await pool.writeWithoutTransaction { db in
                try Fixture.execute(db, "UPDATE \(Author.tableName) SET name = 'x' WHERE name = 'nobody'")
                reading.withLock { $0 = true }
                let until = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < until { _ = try Author.count(db) }
            }
        }
        while !reading.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        nothing.cancel()
        let plain = await result(of: nothing, within: Self.slack)
        #expect(throws: CancellationError.self) { try plain?.get() }
        await pool.close()
    }

    @Test("statementTimeout: .zero sets none (as PostgreSQL's 0 does), a negative one is refused")
    func statementTimeoutValues() async throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        // The server's default for these connections is 5 s; .zero must turn it off, nil keep it.
        let url = database.path + "&options=-cstatement_timeout%3D5000"
        let none = PostgresPool(url: url, configuration: .init(statementTimeout: .zero))
        #expect(try await none.read { db in try db.query("SHOW statement_timeout").first?[0] } == .text("0"))
        let kept = PostgresPool(url: url, configuration: .init(statementTimeout: nil))
        #expect(try await kept.read { db in try db.query("SHOW statement_timeout").first?[0] } == .text("5s"))
        let short = PostgresPool(url: url, configuration: .init(statementTimeout: .microseconds(10)))
        #expect(try await short.read { db in try db.query("SHOW statement_timeout").first?[0] } == .text("1ms"))
        let negative = PostgresPool(url: url, configuration: .init(statementTimeout: .seconds(-1)))
        let error = await #expect(throws: DatabaseError.self) { try await negative.read { _ in } }
        #expect(error?.kind == .misuse && error?.message.contains("negative") == true, "\(String(describing: error))")
        for pool in [none, kept, short, negative] { await pool.close() }
    }

    @Test("A SQLite read is rolled back: DDL after turning query_only off is not kept either")
    func sqliteReadsRollBack() async throws {
        let database = TestDatabase(.sqlite)
        _ = try database.connectWithSchema()
        for readers in [0, 1] {
            let pool = SQLitePool(path: database.path, configuration: .init(readers: readers))
            try await pool.read { db in
                try db.executeScript("PRAGMA query_only = 0")
                try db.executeScript("DROP TABLE \(Comment.tableName)")
                try db.executeScript("CREATE TABLE made_by_a_read (x)")
            }
            let tables = try await pool.read { db in
                try db.query("SELECT name FROM sqlite_master WHERE type = 'table'").compactMap { row -> String? in
                    if case .text(let name) = row[0] { return name }
                    return nil
                }
            }
            #expect(tables.contains(Comment.tableName), "readers: \(readers): a read dropped a table")
            #expect(!tables.contains("made_by_a_read"), "readers: \(readers): a read created a table")
            await pool.close()
        }
    }

    @Test(
        "writeWithoutTransaction stopped after a statement that may have written: .partiallyCommitted; after settings alone: not")
    func partialCountsAreConservative() async throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        _ = try database.connectWithSchema()
        let pool = PostgresPool(url: database.path, configuration: .init(connections: 1, requestTimeout: .seconds(1)))
        let table = Author.tableName
        let cases: [(String, @Sendable (PostgresConnection) throws -> Void)] = [
            (
                "a script that commits, then a timeout in the same round trip",
                { db in
                    try db.executeScript(
                        "BEGIN; INSERT INTO \(table) (name, version) VALUES ('one', 1); COMMIT; SELECT pg_sleep(10)")
                }
            ),
            (
                "an INSERT inside a SELECT, then a timeout",
                { db in
                    _ = try db.query(
                        "WITH x AS (INSERT INTO \(table) (name, version) VALUES ('two', 2) RETURNING id) SELECT id FROM x")
                    _ = try db.query("SELECT pg_sleep(10)")
                }
            ),
            (
                "a script that writes and then selects, then a timeout",
                { db in
                    try db.executeScript("INSERT INTO \(table) (name, version) VALUES ('three', 3); SELECT 1")
                    _ = try db.query("SELECT pg_sleep(10)")
                }
            ),
        ]
        for (name, body) in cases {
            let error = await #expect(throws: DatabaseError.self, "\(name)") { try await pool.writeWithoutTransaction(body) }
            #expect(error?.kind == .partiallyCommitted, "\(name): \(String(describing: error))")
        }
        // A statement's own failure speaks for that statement (the ones before it committed on their own).
        await #expect(throws: ConcurrentUpdate.self) {
            try await pool.writeWithoutTransaction { db in
                var author = Author(name: "four")
                try author.insert(db)
                author.version = 1
                try author.update(db)
            }
        }
        #expect(try Self.authors(database).sorted() == ["four", "one", "three", "two"])

        // Settings and generated reads change nothing: the plain error.
        let settings = await #expect(throws: DatabaseError.self) {
            try await pool.writeWithoutTransaction { db in
                try db.executeScript("SET work_mem = '8MB'")
                _ = try Author.count(db)
                _ = try db.query("SELECT pg_sleep(10)")
            }
        }
        #expect(settings?.kind == .timeout, "\(String(describing: settings))")
        await pool.close()
    }

    @Test("A closure that leaves a transaction open fails, rolled back, on both backends", arguments: Backend.available)
    func transactionLeftOpen(backend: Backend) async throws {
        let database = TestDatabase(backend)
        _ = try database.connectWithSchema()
        let pool = AnyPool(database, sqlite: .init(readers: 1), postgres: .init(connections: 1))
        let error = await #expect(throws: DatabaseError.self) {
            try await pool.writeWithoutTransaction { db in
                try db.executeScript("BEGIN")
                var author = Author(name: "in a transaction never committed")
                try author.insert(db)
            }
        }
        #expect(error?.kind == .misuse, "\(String(describing: error))")
        #expect(try Self.authors(database).isEmpty)
        #expect(try await pool.read { db in try Author.count(db) } == 0, "the connection is usable")
        await pool.close()
    }

    @Test("PostgreSQL reads are read-only: a write in a read fails and keeps nothing; writes switch back")
    func postgresReadsAreReadOnly() async throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        _ = try database.connectWithSchema()
        let pool = PostgresPool(url: database.path, configuration: .init(connections: 1))
        for _ in 0..<2 {
            let error = await #expect(throws: DatabaseError.self) {
                try await pool.read { db in
                    var author = Author(name: "written in a read")
                    try author.insert(db)
                }
            }
            #expect(error?.kind == .readOnly, "\(String(describing: error))")
            try await pool.writeWithoutTransaction { db in
                var author = Author(name: "without a transaction")
                try author.insert(db)
            }
            try await pool.write { db in
                var author = Author(name: "in a transaction")
                try author.insert(db)
            }
        }
        #expect(try Self.authors(database).count == 4)
        await pool.close()
    }

    @Test("A server that said goodbye before COMMIT was sent: .connection (rolled back), not .outcomeUnknown")
    func goodbyeBeforeCommit() async throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        _ = try database.connectWithSchema()
        let pool = PostgresPool(url: database.path, configuration: .init(connections: 1))
        let url = database.path
        let error = await #expect(throws: DatabaseError.self) {
            try await pool.write { db in
                var author = Author(name: "never committed")
                try author.insert(db)
                let admin = try PostgresConnection(url: url)
                _ = try admin.query("SELECT pg_terminate_backend($1::int)", [.integer(Int64(db.backendProcessID))])
                // The server's FATAL message reaches the socket before the body returns.
                usleep(300_000)
            }
        }
        #expect(error?.kind == .connection, "\(String(describing: error)) \(String(describing: error?.sqlState))")
        #expect(try Self.authors(database).isEmpty)
        await pool.close()
    }

    @Test("COPY through a script is refused as .misuse, and the connection goes on")
    func copyRefused() async throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        let db = try database.connectWithSchema()
        for sql in ["COPY \(Author.tableName) FROM STDIN", "COPY \(Author.tableName) TO STDOUT"] {
            let error = #expect(throws: DatabaseError.self) { try db.executeScript(sql) }
            #expect(error?.kind == .misuse, "\(sql): \(String(describing: error))")
        }
        #expect(try Author.count(db) == 0)
    }

    @Test("Statements that time out keep their connection: the server answered the cancel")
    func timeoutsKeepConnections() async throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        _ = try database.connectWithSchema()
        let pool = PostgresPool(url: database.path, configuration: .init(connections: 1, requestTimeout: .milliseconds(300)))
        var backends: Set<Int32> = []
        for _ in 0..<20 {
            _ = try? await pool.read { db in _ = try db.query("SELECT pg_sleep(5)") }
            backends.insert(try await pool.read { db in db.backendProcessID })
        }
        // A cancel still under way when a job ends costs its connection (it must not reach the
        // next job); a cancel the server answered costs nothing.
        #expect(backends.count < 20, "every timeout replaced its connection (\(backends.count) connections for 20)")
        await pool.close()
    }

    @Test("A slow network: answers late within the timeout succeed; later than the timeout and the grace, the request ends")
    func delayedAnswers() async throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        _ = try database.connectWithSchema()
        guard let (proxy, url) = try FaultProxy.make(for: database.path, test: "the delayed-answers test") else { return }
        defer { proxy.close() }
        let pool = PostgresPool(url: url, configuration: .init(connections: 1, requestTimeout: .seconds(1)))
        #expect(try await pool.read { db in try Author.count(db) } == 0)
        proxy.arm(.delay(.milliseconds(300)), at: .sync)
        #expect(try await pool.read { db in try Author.count(db) } == 0, "300 ms late is slow, not failed")

        let late = try #require(try FaultProxy.make(for: database.path, test: "the delayed-answers test"))
        defer { late.0.close() }
        let slow = PostgresPool(url: late.1, configuration: .init(connections: 1, requestTimeout: .seconds(1)))
        let pid = try await slow.read { db in db.backendProcessID }
        late.0.arm(.delay(.seconds(5)), at: .sync)
        let elapsed = Locked(Duration.zero)
        let error = await #expect(throws: DatabaseError.self) {
            try await slow.read { db in try Self.timed(elapsed) { try Author.count(db) } }
        }
        #expect(error?.kind == .timeout, "\(String(describing: error))")
        #expect(elapsed.withLock { $0 } < .seconds(3) + Self.margin, "the request timeout and the grace")
        #expect(try await slow.read { db in db.backendProcessID } != pid, "the connection that got no answer was replaced")
        await pool.close()
        await slow.close()
    }
}
