import Foundation
import HTTPTypes
import OptimisticLockPostgres
import OptimisticLockSQL
import Synchronization
import TestModels
import Testing

@testable import OptimisticLock
@testable import OptimisticLockHTTP

/// Idempotency keys: a write runs at most once per key, because the key and its response are
/// stored in the write's own transaction; a retry gets the stored response.
@Suite("Idempotency keys")
struct IdempotencyTests {
    /// A database of `backend` with every test table and the table of keys (`migrate` creates it;
    /// the tests' tables come from `createTable`).
    static func database(_ backend: Backend) throws -> TestDatabase {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        try db.createIdempotencyTable()
        return database
    }

    /// Inserts an author under `key`, counting the runs of the body. Keys live an hour unless a
    /// test says otherwise: expiry is wall-clock time (stored for every process to read), so a
    /// busy machine or a clock step must not expire a key between two calls of one test.
    static func create(
        _ pool: AnyPool, key: String, scope: String = "", fingerprint: String = "POST /authors", name: String = "Ada",
        runs: Locked<Int>? = nil, expiresAfter: Duration = .seconds(3600)
    ) async throws -> IdempotentResult<Author> {
        try await pool.write { db in
            try db.idempotent(key: key, scope: scope, fingerprint: fingerprint, expiresAfter: expiresAfter) {
                runs?.withLock { $0 += 1 }
                var author = Author(name: name)
                try author.insert(db)
                return author
            }
        }
    }

    @Test(
        "A key runs its write once; a retry gets the stored response; another request under it is refused",
        arguments: Backend.available)
    func runsOnce(backend: Backend) async throws {
        let database = try Self.database(backend)
        let pool = AnyPool(database)
        let runs = Locked(0)
        let first = try await Self.create(pool, key: "key-1", runs: runs)
        #expect(!first.isReplay)
        let retry = try await Self.create(pool, key: "key-1", runs: runs)
        #expect(retry.isReplay)
        #expect(retry.response == first.response, "the stored response, with its id and version")
        #expect(runs.withLock { $0 } == 1)

        let reused = await #expect(throws: IdempotencyError.self) {
            try await Self.create(pool, key: "key-1", fingerprint: "POST /other", runs: runs)
        }
        #expect(reused?.kind == .keyReused)
        #expect(runs.withLock { $0 } == 1)

        // Scopes keep keys apart.
        let alice = try await Self.create(pool, key: "key-1", scope: "alice", runs: runs)
        let bob = try await Self.create(pool, key: "key-1", scope: "bob", runs: runs)
        #expect(!alice.isReplay && !bob.isReplay && alice.response.id != bob.response.id)
        #expect(try await Self.create(pool, key: "key-1", scope: "alice", runs: runs).response == alice.response)
        #expect(try await pool.read { db in try Author.count(db) } == 3)
        await pool.close()
    }

    @Test("A write that fails stores nothing: the retry runs it; an expired key runs again", arguments: Backend.available)
    func failuresAndExpiry(backend: Backend) async throws {
        let database = try Self.database(backend)
        let pool = AnyPool(database)
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await pool.write { db in
                try db.idempotent(key: "failing", fingerprint: "f") { () throws -> Int in
                    var author = Author(name: "rolled back")
                    try author.insert(db)
                    throw Refused()
                }
            }
        }
        let runs = Locked(0)
        #expect(try await !Self.create(pool, key: "failing", fingerprint: "f", runs: runs).isReplay)
        #expect(runs.withLock { $0 } == 1)

        _ = try await Self.create(pool, key: "short-lived", runs: runs, expiresAfter: .milliseconds(1))
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await !Self.create(pool, key: "short-lived", runs: runs).isReplay, "an expired key is a new key")
        #expect(runs.withLock { $0 } == 3)
        #expect(try await pool.read { db in try Author.count(db) } == 3)

        // Expired keys are deleted (up to 1,000 a time), the others kept.
        _ = try await Self.create(pool, key: "expiring", runs: runs, expiresAfter: .milliseconds(1))
        try await Task.sleep(for: .milliseconds(20))
        let left = try await pool.write { db -> [String] in
            let statements = IdempotencyStatements(db.dialect)
            try db.execute(statements.deleteExpired, [.integer(IdempotencyKey.nowMicroseconds())])
            return try db.query("SELECT \"key\" FROM \(statements.dialect.quote(IdempotencyStatements.table))")
                .map { try $0.string("key") }.sorted()
        }
        #expect(left == ["failing", "short-lived"])
        await pool.close()
    }

    @Test("The cleanup of expired keys is due at most once a minute")
    func cleanupSchedule() {
        let last = Atomic<Int64>(0)
        let due = [120_000_000, 150_000_000, 179_999_999, 180_000_000].map { IdempotencyKey.cleanupIsDue($0, last: last) }
        #expect(due == [true, false, false, true])
    }

    @Test("Keys are 1 to 255 bytes of printable ASCII; the call needs a transaction and the table", arguments: Backend.available)
    func refusals(backend: Backend) async throws {
        let database = try Self.database(backend)
        let pool = AnyPool(database)
        for key in ["", String(repeating: "k", count: 256), "line\nbreak", "ключ", "tab\there"] {
            let error = await #expect(throws: IdempotencyError.self, "\(key.debugDescription)") {
                try await Self.create(pool, key: key)
            }
            #expect(error?.kind == .invalidKey)
        }
        #expect(try await !Self.create(pool, key: String(repeating: "k", count: 255)).isReplay)
        let outside = await #expect(throws: DatabaseError.self) {
            try await pool.writeWithoutTransaction { db in try db.idempotent(key: "k", fingerprint: "f") { 1 } }
        }
        #expect(outside?.kind == .misuse)
        let forever = await #expect(throws: DatabaseError.self) {
            try await pool.write { db in try db.idempotent(key: "k", fingerprint: "f", expiresAfter: .zero) { 1 } }
        }
        #expect(forever?.kind == .misuse)
        await pool.close()

        let bare = TestDatabase(backend)
        _ = try bare.connectWithSchema()
        let barePool = AnyPool(bare)
        let missing = await #expect(throws: DatabaseError.self) { try await Self.create(barePool, key: "k") }
        #expect(missing?.kind == .misuse && missing?.message.contains("migrate") == true, "\(String(describing: missing))")
        await barePool.close()
    }

    @Test("migrate creates the table of keys, also in a database migrated before it existed", arguments: Backend.available)
    func migrateCreatesTable(backend: Backend) async throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        try db.migrate(OptimisticLockSchema.schema)
        let pool = AnyPool(database)
        #expect(try await !Self.create(pool, key: "after-migrate").isReplay)
        // A database whose recorded fingerprint predates the table: migrate compares again and creates it.
        try db.executeScript(#"DROP TABLE "optimistic_lock_idempotency""#)
        try Fixture.execute(db, #"UPDATE "optimistic_lock_schema" SET "fingerprint" = 'v1-' || substr("fingerprint", 4)"#)
        try db.migrate(OptimisticLockSchema.schema)
        #expect(try await !Self.create(pool, key: "after-migrate").isReplay)
        await pool.close()
    }

    @Test(
        "100 concurrent requests with one key: one write, the others replay it (or, on PostgreSQL, hear it is in progress)",
        arguments: Backend.available)
    func concurrentRetries(backend: Backend) async throws {
        let database = try Self.database(backend)
        let pool = AnyPool(database, sqlite: .init(readers: 1), postgres: .init(connections: 8))
        let runs = Locked(0)
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    do {
                        let result = try await pool.write { db in
                            try db.idempotent(key: "one", fingerprint: "f") {
                                runs.withLock { $0 += 1 }
                                var author = Author(name: "once")
                                try author.insert(db)
                                try slowQuery(db, seconds: 0.2)
                                return author
                            }
                        }
                        return result.isReplay ? "replay \(result.response.id!)" : "ran \(result.response.id!)"
                    } catch let error as IdempotencyError where error.kind == .inProgress {
                        return "in progress"
                    }
                }
            }
            var outcomes: [String] = []
            for try await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        let ran = outcomes.filter { $0.hasPrefix("ran") }
        #expect(ran.count == 1, "\(ran)")
        #expect(runs.withLock { $0 } == 1)
        let id = ran.first.map { String($0.dropFirst(4)) } ?? "?"
        #expect(outcomes.allSatisfy { $0 == "ran \(id)" || $0 == "replay \(id)" || $0 == "in progress" })
        if backend == .sqlite { #expect(!outcomes.contains("in progress"), "SQLite's writers take turns") }
        #expect(try await pool.read { db in try Author.count(db) } == 1)
        await pool.close()
    }

    // MARK: HTTP

    static func post(key: String?) -> HTTPRequest {
        var request = HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/api/authors")
        if let key { request.headerFields[.idempotencyKey] = key }
        return request
    }

    /// `OptimisticHTTP.idempotentWrite` creating an author from `name` the way a POST handler does.
    static func post(_ pool: PostgresPool, key: String?, name: String) async throws -> IdempotentResult<IdempotentResponse> {
        try await OptimisticHTTP.idempotentWrite(request: Self.post(key: key), body: Array(name.utf8), pool: pool) { db in
            var author = Author(name: name)
            try author.insert(db)
            return try .json(author, status: .created, headerFields: [.location: "/api/authors/\(author.id!)"])
        }
    }

    @Test("A cancelled idempotent write is rethrown as CancellationError, not turned into a 503")
    func cancelledIdempotentWrite() async throws {
        let database = try Self.database(.sqlite)
        let pool = SQLitePool(path: database.path)
        await #expect(throws: CancellationError.self) {
            _ = try await OptimisticHTTP.idempotentWrite(request: Self.post(key: "cancelled"), body: [], pool: pool) {
                _ -> IdempotentResponse in throw CancellationError()
            }
        }
        await pool.close()
    }

    @Test("A POST whose answer is lost (outcome unknown) and is retried with its key creates one row and gets the same body")
    func lostAnswerRetried() async throws {
        guard Backend.postgresURL != nil else { return }
        let database = try Self.database(.postgres)
        guard let (proxy, url) = try FaultProxy.make(for: database.path, test: "the lost-answer retry test") else { return }
        defer { proxy.close() }
        let pool = PostgresPool(url: url, configuration: .init(connections: 1))
        proxy.arm(.drop, at: .query("COMMIT"))
        let lost = await #expect(throws: HTTPProblem.self) { try await Self.post(pool, key: "\"post-1\"", name: "Ada") }
        #expect(lost?.status == .internalServerError && lost?.type == HTTPProblem.outcomeUnknownType)
        #expect(lost?.headerFields[.retryAfter] == nil)

        let retried = try await Self.post(pool, key: "\"post-1\"", name: "Ada")
        #expect(retried.isReplay)
        #expect(retried.response.status == .created)
        #expect(retried.response.headerFields[.idempotentReplayed] == "true")
        let author = try JSONDecoder().decode(Author.self, from: Data(retried.response.body))
        #expect(retried.response.headerFields[.location] == "/api/authors/\(author.id!)")
        #expect(try Author.fetchAll(database.connect()).map(\.id) == [author.id], "exactly one row")
        #expect(try await Self.post(pool, key: "post-1", name: "Ada").isReplay, "a bare key is the same key")
        await pool.close()
    }

    @Test("HTTP: 422 for a key reused with another body, 400 for malformed keys, no key runs every time")
    func httpRefusals() async throws {
        guard Backend.postgresURL != nil else { return }
        let database = try Self.database(.postgres)
        let pool = PostgresPool(url: database.path)
        #expect(try await !Self.post(pool, key: "k", name: "Ada").isReplay)
        let reused = await #expect(throws: HTTPProblem.self) { try await Self.post(pool, key: "k", name: "Grace") }
        #expect(reused?.status == .unprocessableContent && reused?.type == HTTPProblem.idempotencyKeyReusedType)
        for key in ["\"unterminated\\\"", "\"\"", "\u{7F}", #""a", "b""#] {
            let malformed = await #expect(throws: HTTPProblem.self, "\(key.debugDescription)") {
                try await Self.post(pool, key: key, name: "Ada")
            }
            #expect(malformed?.status == .badRequest, "\(key.debugDescription)")
        }
        var twice = Self.post(key: "a")
        twice.headerFields.append(HTTPField(name: .idempotencyKey, value: "b"))
        let repeated = await #expect(throws: HTTPProblem.self) {
            try await OptimisticHTTP.idempotentWrite(request: twice, body: [], pool: pool) { _ in IdempotentResponse(status: .ok)
            }
        }
        #expect(repeated?.status == .badRequest)
        #expect(try await !Self.post(pool, key: nil, name: "Ada").isReplay)
        #expect(try await !Self.post(pool, key: nil, name: "Ada").isReplay)
        #expect(try Author.count(database.connect()) == 3)
        await pool.close()
    }

    @Test("SHA-256 of the FIPS 180-4 examples")
    func sha256() {
        func digest(_ bytes: [UInt8]) -> String {
            var hash = SHA256()
            hash.update(bytes)
            return hash.hexDigest()
        }
        #expect(digest([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(digest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            digest([UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
