import Foundation
import HTTPTypes
import OptimisticLock
import OptimisticLockHTTP
import TestModels
import Testing

/// ETags, If-Match, If-None-Match and the statuses of `OptimisticHTTP.write`, against a real database.
@Suite("HTTP preconditions")
struct HTTPTests {
    static func request(_ method: HTTPRequest.Method = .put, ifMatch: [String] = [], ifNoneMatch: String? = nil) -> HTTPRequest {
        var request = HTTPRequest(method: method, scheme: "http", authority: "localhost", path: "/api/authors/1")
        for value in ifMatch { request.headerFields.append(HTTPField(name: .ifMatch, value: value)) }
        if let ifNoneMatch { request.headerFields[.ifNoneMatch] = ifNoneMatch }
        return request
    }

    @Test("Entity tags: a record's strong tag is its version; weak tags and lists parse; malformed ones do not")
    func entityTags() throws {
        #expect(EntityTag(version: 42).description == #""42""#)
        #expect(EntityTag.list(#""42""#) == [EntityTag(opaque: "42")])
        #expect(
            EntityTag.list(#"W/"42", "7" ,"x""#) == [
                EntityTag(opaque: "42", isWeak: true), EntityTag(opaque: "7"), EntityTag(opaque: "x"),
            ])
        #expect(EntityTag.list(#"W/"42""#)?.first?.version == nil, "a weak tag never names a version")
        #expect(EntityTag.list(#""042""#)?.first?.version == nil, "not a version we would send")
        for malformed in [#"42"#, #""42"#, #""4 2""#, #""42" "43""#, #"W/42"#] {
            #expect(EntityTag.list(malformed[...]) == nil, "\(malformed)")
        }
    }

    @Test("The expected version: If-Match first, then the body; 412 for If-Match without a version; 428 when none is sent")
    func expectedVersions() throws {
        let fromHeader = try OptimisticHTTP.expectedVersions(request: Self.request(ifMatch: [#""5""#]), bodyVersion: 9)
        #expect(fromHeader.versions == [5] && fromHeader.source == .ifMatch)
        let several = try OptimisticHTTP.expectedVersions(
            request: Self.request(ifMatch: [#""5", "6""#, #""7""#]), bodyVersion: nil)
        #expect(several.versions == [5, 6, 7])
        let fromBody = try OptimisticHTTP.expectedVersions(request: Self.request(), bodyVersion: 9)
        #expect(fromBody.versions == [9] && fromBody.source == .body)
        let star = try OptimisticHTTP.expectedVersions(request: Self.request(ifMatch: ["*"]), bodyVersion: 9)
        #expect(star.versions == [9] && star.source == .body)

        let weak = #expect(throws: HTTPProblem.self) {
            try OptimisticHTTP.expectedVersions(request: Self.request(ifMatch: [#"W/"5""#]), bodyVersion: 9)
        }
        #expect(weak?.status == .preconditionFailed)
        for request in [Self.request(), Self.request(ifMatch: ["*"])] {
            let missing = #expect(throws: HTTPProblem.self) {
                try OptimisticHTTP.expectedVersions(request: request, bodyVersion: nil)
            }
            #expect(missing?.status == .preconditionRequired)
        }
        let malformed = #expect(throws: HTTPProblem.self) {
            try OptimisticHTTP.expectedVersions(request: Self.request(ifMatch: ["5"]), bodyVersion: nil)
        }
        #expect(malformed?.status == .badRequest)
        #expect(try OptimisticHTTP.expectedVersions(request: Self.request(), bodyVersion: nil, required: false).versions.isEmpty)
    }

    @Test("Framework-neutral headers, a required version handed over as Int64, cancellation as it is")
    func headersAndRequiredVersions() async throws {
        var headers = HTTPFields()
        headers[.ifMatch] = #""5", "6""#
        #expect(try OptimisticHTTP.expectedVersions(headers: headers, bodyVersion: nil).versions == [5, 6])
        // The closure of a required version gets an Int64, never nil; none sent is 428 before it runs.
        let seen = try await OptimisticHTTP.write(headers: headers, bodyVersion: nil) { (version: Int64) in version }
        #expect(seen == 5)
        let missing = await #expect(throws: HTTPProblem.self) {
            try await OptimisticHTTP.write(headers: HTTPFields(), bodyVersion: nil) { (_: Int64) in Issue.record("ran") }
        }
        #expect(missing?.status == .preconditionRequired)
        let optional = try await OptimisticHTTP.write(headers: HTTPFields(), bodyVersion: nil, requireVersion: false) {
            (version: Int64?) in version
        }
        #expect(optional == nil)
        var notModified = HTTPFields()
        notModified[.ifNoneMatch] = #""7""#
        #expect(OptimisticHTTP.isNotModified(headers: notModified, currentVersion: 7))
        // A cancelled write is thrown as it is; as a problem it is 503 and keeps its cause.
        await #expect(throws: CancellationError.self) {
            try await OptimisticHTTP.write(headers: headers, bodyVersion: nil) { (_: Int64) in throw CancellationError() }
        }
        let cancelled = OptimisticHTTP.problem(for: CancellationError(), source: .ifMatch)
        #expect(cancelled.status == .serviceUnavailable && cancelled.underlyingError is CancellationError)
        let passed = OptimisticHTTP.problem(for: HTTPProblem(status: .gone, title: "Gone", detail: "x"), source: nil)
        #expect(passed.status == .gone)
    }

    /// `OptimisticHTTP.write` updating an author the way a PUT handler does.
    static func put(_ db: SQLiteConnection, _ input: Author, _ request: HTTPRequest) async throws -> Author {
        try await OptimisticHTTP.write(request: request, bodyVersion: input.version == 0 ? nil : input.version) { version in
            var author = input
            author.version = version
            try author.update(db)
            return author
        }
    }

    @Test("Every outcome of a write: 200, 412, 409, 404, 409 for a taken unique value, 422, and If-Match lists")
    func outcomes() async throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connectWithSchema() as! SQLiteConnection
        var ada = Author(name: "Ada", email: "ada@example.com")
        try ada.insert(db)
        let read = ada

        // Fresh If-Match: saved, with a new version for the next ETag.
        var edit = read
        edit.name = "Ada Lovelace"
        let saved = try await Self.put(db, edit, Self.request(ifMatch: [EntityTag(version: read.version).description]))
        #expect(saved.version != read.version)

        // The same If-Match again: 412 with the current version and ETag.
        let stale = await #expect(throws: HTTPProblem.self) {
            try await Self.put(db, edit, Self.request(ifMatch: [EntityTag(version: read.version).description]))
        }
        #expect(stale?.status == .preconditionFailed)
        #expect(stale?.expectedVersion == read.version && stale?.currentVersion == saved.version)
        #expect(stale?.headerFields[.eTag] == EntityTag(version: saved.version).description)
        #expect(stale?.headerFields[.contentType] == "application/problem+json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(stale?.body ?? [])) as? [String: Any])
        #expect(json["status"] as? Int == 412 && json["currentVersion"] as? Int64 == saved.version)
        #expect(json["currentETag"] as? String == EntityTag(version: saved.version).description)

        // A stale version in the body (a form): 409.
        let conflict = await #expect(throws: HTTPProblem.self) { try await Self.put(db, edit, Self.request()) }
        #expect(conflict?.status == .conflict)

        // No version at all: 428; a list whose second tag is current: saved.
        var noVersion = saved
        noVersion.version = 0
        let required = await #expect(throws: HTTPProblem.self) { try await Self.put(db, noVersion, Self.request()) }
        #expect(required?.status == .preconditionRequired)
        let listed = try await Self.put(
            db, saved, Self.request(ifMatch: [#""1", "\#(saved.version)""#]))
        #expect(listed.version != saved.version)

        // A unique value taken: 409; a value that cannot be stored: 422.
        var grace = Author(name: "Grace", email: "grace@example.com")
        try grace.insert(db)
        var taken = grace
        taken.email = "ada@example.com"
        let unique = await #expect(throws: HTTPProblem.self) { try await Self.put(db, taken, Self.request()) }
        #expect(unique?.status == .conflict)
        let invalid = await #expect(throws: HTTPProblem.self) {
            try await OptimisticHTTP.write(request: Self.request(), bodyVersion: 1) { _ in
                throw DatabaseError.invalidValue("NaN cannot be stored", sql: nil)
            }
        }
        #expect(invalid?.status == .unprocessableContent)

        // Deleted: 404.
        try Author.delete(db, id: grace.id!, version: grace.version)
        let deleted = await #expect(throws: HTTPProblem.self) { try await Self.put(db, grace, Self.request()) }
        #expect(deleted?.status == .notFound)
        let busy = OptimisticHTTP.problem(for: DatabaseError(kind: .busy, message: "locked"), source: .body)
        #expect(busy.status == .serviceUnavailable && busy.headerFields[.retryAfter] == "1")
    }

    @Test("A request to a closed pool (a server shutting down) is 503: nothing of it ran")
    func closedPool() async throws {
        let database = TestDatabase(.sqlite)
        _ = try database.connectWithSchema()
        let pool = SQLitePool(path: database.path)
        await pool.close()
        let closed = await #expect(throws: HTTPProblem.self) {
            try await OptimisticHTTP.write(request: Self.request(), bodyVersion: 1) { _ in
                try await pool.write { db in try Author.count(db) }
            }
        }
        #expect(closed?.status == .serviceUnavailable)
    }

    @Test("If-None-Match: 304 when it names the current version")
    func notModified() {
        #expect(OptimisticHTTP.isNotModified(request: Self.request(.get, ifNoneMatch: #""7""#), currentVersion: 7))
        #expect(OptimisticHTTP.isNotModified(request: Self.request(.get, ifNoneMatch: #"W/"7""#), currentVersion: 7))
        #expect(OptimisticHTTP.isNotModified(request: Self.request(.get, ifNoneMatch: "*"), currentVersion: 7))
        #expect(!OptimisticHTTP.isNotModified(request: Self.request(.get, ifNoneMatch: #""6""#), currentVersion: 7))
        #expect(!OptimisticHTTP.isNotModified(request: Self.request(.get), currentVersion: 7))
    }
}

/// What an adversarial client can send.
@Suite("HTTP preconditions under attack")
struct HTTPAttackTests {
    @Test("If-Match listing thousands of tags costs at most two writes, whatever the list")
    func longLists() async throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connectWithSchema() as! SQLiteConnection
        var ada = Author(name: "Ada")
        try ada.insert(db)
        let attempts = Locked(0)
        let stale = (1...10_000).map { "\"\($0)\"" }.joined(separator: ", ")
        let failed = await #expect(throws: HTTPProblem.self) {
            try await OptimisticHTTP.write(request: HTTPTests.request(ifMatch: [stale]), bodyVersion: nil) { version in
                attempts.withLock { $0 += 1 }
                var author = ada
                author.version = version
                try author.update(db)
                return author
            }
        }
        #expect(failed?.status == .preconditionFailed)
        #expect(failed?.currentVersion == ada.version)
        #expect(attempts.withLock { $0 } == 1, "one write tells the current version: none of the tags names it")

        // The current version at the end of a long list: two writes (the first tells which one).
        attempts.withLock { $0 = 0 }
        let listed = try await OptimisticHTTP.write(
            request: HTTPTests.request(ifMatch: [stale + ", \"\(ada.version)\""]), bodyVersion: nil
        ) { version in
            attempts.withLock { $0 += 1 }
            var author = ada
            author.version = version
            author.name = "Ada Lovelace"
            try author.update(db)
            return author
        }
        #expect(listed.name == "Ada Lovelace")
        #expect(attempts.withLock { $0 } == 2)
    }

    @Test("`*` with other values, on one line or several, is malformed (400)")
    func starWithOthers() {
        for values in [["*", #""5""#], [#""5""#, "*"], [#"*, "5""#], [#""5", *"#]] {
            let error = #expect(throws: HTTPProblem.self, "\(values)") {
                try OptimisticHTTP.expectedVersions(request: HTTPTests.request(ifMatch: values), bodyVersion: nil)
            }
            #expect(error?.status == .badRequest, "\(values)")
        }
    }

    @Test("If-None-Match on a write: * is 412; a tag naming the version the write expects is 412; others let it run")
    func ifNoneMatchOnWrites() async throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connectWithSchema() as! SQLiteConnection
        var ada = Author(name: "Ada")
        try ada.insert(db)
        let written = Locked(0)
        func put(ifNoneMatch: String) async throws -> Author {
            var request = HTTPTests.request(ifMatch: [EntityTag(version: ada.version).description])
            request.headerFields[.ifNoneMatch] = ifNoneMatch
            return try await OptimisticHTTP.write(request: request, bodyVersion: nil) { version in
                written.withLock { $0 += 1 }
                var author = ada
                author.version = version
                try author.update(db)
                return author
            }
        }
        for refused in ["*", EntityTag(version: ada.version).description, "W/" + EntityTag(version: ada.version).description] {
            let error = await #expect(throws: HTTPProblem.self, "\(refused)") { try await put(ifNoneMatch: refused) }
            #expect(error?.status == .preconditionFailed, "\(refused)")
        }
        #expect(written.withLock { $0 } == 0, "a false precondition is not performed")
        let saved = try await put(ifNoneMatch: #""12345""#)
        #expect(saved.version != ada.version)
        ada = saved
    }

    @Test("A stored value that does not fit its field is the server's fault (500), not the client's")
    func storedValueIsServerError() {
        let stored =
            OptimisticHTTP.problem(
                for: DatabaseError.invalidStoredValue("column \"name\": BLOB is not text", sql: nil), source: .body)
        #expect(stored.status == .internalServerError)
        let sent = OptimisticHTTP.problem(for: DatabaseError.invalidValue("NaN", sql: nil), source: .body)
        #expect(sent.status == .unprocessableContent)
    }

    /// An error of the app's or its framework's, such as Vapor's `Abort(.forbidden)`.
    struct Forbidden: Error, Equatable {}

    @Test("An error the library does not know passes through write as it is, for the framework to answer")
    func foreignErrorsPassThrough() async throws {
        let headers: HTTPFields = [.ifMatch: #""7""#]
        await #expect(throws: Forbidden()) {
            try await OptimisticHTTP.write(headers: headers, bodyVersion: nil) { _ -> Int in throw Forbidden() }
        }
        await #expect(throws: Forbidden()) {
            try await OptimisticHTTP.write(headers: [:], bodyVersion: nil, requireVersion: false) { _ -> Int in
                throw Forbidden()
            }
        }
        // The library's errors are still their problems; a problem thrown by the app is itself.
        let conflict = await #expect(throws: HTTPProblem.self) {
            try await OptimisticHTTP.write(headers: headers, bodyVersion: nil) { _ -> Int in
                throw ConcurrentUpdate(table: "t", primaryKey: "1", expectedVersion: 7, actualVersion: 8)
            }
        }
        #expect(conflict?.status == .preconditionFailed)
        let teapot = HTTPProblem(status: .init(code: 418), title: "Teapot", detail: "short and stout")
        await #expect(throws: teapot) {
            try await OptimisticHTTP.write(headers: headers, bodyVersion: nil) { _ -> Int in throw teapot }
        }
        #expect(OptimisticHTTP.problem(forLibraryError: Forbidden()) == nil)
        #expect(OptimisticHTTP.problem(forLibraryError: CancellationError()) == nil)
        #expect(OptimisticHTTP.problem(forLibraryError: RecordNotFound(table: "t", primaryKey: "1"))?.status == .notFound)
    }
}

/// What a failed write tells an HTTP client: never a stored value. PostgreSQL's DETAIL quotes the
/// failing row ("Failing row contains (...)"), which may hold other users' data.
@Suite("HTTP problems carry no stored data")
struct HTTPProblemDataTests {
    static let secret = "s3cr3t-api-key-of-another-user"

    @Test("No constraint or value failure puts a stored value into a problem body", arguments: Backend.available)
    func noStoredValues(backend: Backend) async throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let ours = Self.secret
        let checked = "secret_note"
        try db.executeScript(
            backend == .postgres
                ? "CREATE TABLE \(checked) (id bigint PRIMARY KEY, note text NOT NULL, body text CONSTRAINT body_short CHECK (length(body) < 5))"
                : "CREATE TABLE \(checked) (id INTEGER PRIMARY KEY, note TEXT NOT NULL, body TEXT CONSTRAINT body_short CHECK (length(body) < 5))"
        )
        var owner = Author(name: "owner", email: "\(ours)@example.com")
        try owner.insert(db)
        let placeholders = { (sql: String) in Fixture.placeholders(sql, db.dialect) }
        let failures: [(String, () throws -> Void)] = [
            (
                "unique",
                {
                    try db.execute(
                        placeholders("INSERT INTO author (name, email, version) VALUES (?, ?, 1)"),
                        [.text("x"), .text("\(ours)@example.com")])
                }
            ),
            (
                "not null",
                { try db.execute(placeholders("INSERT INTO \(checked) (id, note, body) VALUES (1, NULL, ?)"), [.text(ours)]) }
            ),
            (
                "check",
                {
                    try db.execute(
                        placeholders("INSERT INTO \(checked) (id, note, body) VALUES (2, ?, ?)"), [.text(ours), .text(ours)])
                }
            ),
            (
                "foreign key",
                {
                    try db.execute(
                        placeholders(
                            "INSERT INTO post (id, version, author_id, title, body, status, created_at, view_count) VALUES (?, 1, 999999, ?, '', 'draft', 0, 0)"
                        ), [.text(ours), .text(ours)])
                }
            ),
        ]
        for (name, failing) in failures {
            let error = #expect(throws: (any Error).self, "\(name)") { try failing() }
            guard let error else { continue }
            let problem = OptimisticHTTP.problem(for: error, source: .body)
            let body = String(decoding: problem.body, as: UTF8.self)
            #expect(!body.contains(ours), "\(name): the problem body carries a stored value: \(body)")
            #expect(problem.headerFields.allSatisfy { !$0.value.contains(ours) }, "\(name)")
            #expect(problem.underlyingError != nil, "\(name): the error is kept for the log")
        }
        if backend == .postgres {
            let invalid = #expect(throws: DatabaseError.self) { try db.query("SELECT $1::text::int", [.text(ours)]) }
            let failure = try #require(invalid)
            let problem = OptimisticHTTP.problem(for: failure, source: .body)
            #expect(!String(decoding: problem.body, as: UTF8.self).contains(ours))
        }
    }
}
