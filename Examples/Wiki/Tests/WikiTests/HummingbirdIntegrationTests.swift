import Foundation
import Hummingbird
import HummingbirdTesting
import InMemoryLogging
import Logging
import OptimisticLock
import OptimisticLockHTTP
import OptimisticLockHummingbird
import Testing
import WikiClient
import WikiModels

/// `OptimisticLockHummingbird` in a plain Hummingbird app: handlers throw the library's errors (or
/// call `OptimisticHTTP`) and the middleware answers each with its problem, over real HTTP.
@Suite("Hummingbird integration")
struct HummingbirdIntegrationTests {
    /// A small notes API on the wiki's `Page` model, with no error handling of its own.
    static func router(_ pool: SQLitePool) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: OptimisticLockErrorMiddleware())
        router.get("/notes/:id") { request, context in
            let id = try context.parameters.require("id", as: Int64.self)
            guard let page = try await pool.read({ db in try Page.find(db, id: id) }) else {
                throw RecordNotFound(table: "page", primaryKey: String(id))
            }
            if OptimisticHTTP.isNotModified(request: request, currentVersion: page.version) {
                return Response.notModified(version: page.version)
            }
            return try Response.versioned(page, version: page.version, request: request, context: context)
        }
        router.post("/notes") { request, context in
            let input = try await request.decode(as: PageJSONInput.self, context: context)
            let page = try await pool.write { db in
                var page = Page(slug: input.slug, title: input.title, body: input.body, updatedAt: Date())
                try page.insert(db)  // a taken slug throws a unique violation: 409
                return page
            }
            return try Response.versioned(
                page, version: page.version, status: .created, location: "/notes/\(page.id!)", request: request, context: context)
        }
        router.put("/notes/:id") { request, context in
            let id = try context.parameters.require("id", as: Int64.self)
            let input = try await request.decode(as: PageJSONInput.self, context: context)
            let saved = try await OptimisticHTTP.write(request: request, bodyVersion: nil) { version in
                try await pool.write { db in
                    var page = Page(id: id, slug: input.slug, title: input.title, body: input.body, updatedAt: Date())
                    page.version = version
                    try page.update(db)
                    return page
                }
            }
            return try Response.versioned(saved, version: saved.version, request: request, context: context)
        }
        router.delete("/notes/:id") { request, context in
            let id = try context.parameters.require("id", as: Int64.self)
            try await OptimisticHTTP.write(request: request, bodyVersion: nil) { version in
                try await pool.writeWithoutTransaction { db in try Page.delete(db, id: id, version: version) }
            }
            return Response(status: .noContent)
        }
        // Failures thrown from plain handler code.
        router.post("/fail/invalid") { _, _ -> Response in throw DatabaseError.invalidValue("NaN cannot be stored", sql: nil) }
        router.post("/fail/busy") { _, _ -> Response in throw DatabaseError(kind: .busy, message: "database is locked") }
        router.post("/fail/conflict") { _, _ -> Response in
            throw ConcurrentUpdate(table: "page", primaryKey: "1", expectedVersion: 5, actualVersion: 6)
        }
        return router
    }

    struct PageJSONInput: Codable {
        var slug: String
        var title: String
        var body: String
    }

    struct Problem: Decodable {
        var type: String
        var status: Int
        var detail: String
        var currentVersion: Int64?
    }

    @Test("Every status of the route table, each problem as application/problem+json; a stale If-Match is 412, never 500")
    func statuses() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hb-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let pool = SQLitePool(path: path)
        try await pool.migrate(OptimisticLockSchema.schema)
        let logs = InMemoryLogHandler()
        var logger = Logger(label: "notes") { _ in logs }
        logger.logLevel = .debug
        let app = Application(
            router: Self.router(pool), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        try await app.test(.live) { server in
            let client = WikiClient(baseURL: "http://127.0.0.1:\(server.port!)")
            do {
                try await Self.exercise(client, pool)
            } catch {
                try await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
        await pool.close()
        // The causes are logged, never sent: the 503 at error with the database's message, a 409 at debug.
        let failures = logs.entries.filter { "\($0.message)" == "request failed" }
        #expect(failures.contains { $0.level == .error && "\($0.metadata)".contains("database is locked") }, "\(logs.entries)")
        #expect(logs.entries.contains { "\($0.message)" == "request refused" && $0.level == .debug })
    }

    /// The requests of `statuses()`, each checked.
    static func exercise(_ client: WikiClient, _ pool: SQLitePool) async throws {
        do {
            func json(_ slug: String, _ body: String) -> Data {
                try! JSONEncoder().encode(PageJSONInput(slug: slug, title: "T", body: body))
            }
            func problem(_ reply: WikiClient.Reply, _ status: Int, _ line: Int = #line) throws -> Problem {
                #expect(reply.status == status, "line \(line): \(reply.text)")
                #expect(reply.headers["content-type"] == "application/problem+json", "line \(line)")
                return try JSONDecoder().decode(Problem.self, from: reply.body)
            }

            let created = try await client.send(.POST, "/notes", body: json("a", "first"))
            #expect(created.status == 201 && created.headers["location"] == "/notes/1")
            let tag = try #require(created.headers["etag"])
            let read = try await client.send(.GET, "/notes/1")
            #expect(read.status == 200 && read.headers["etag"] == tag && read.text.contains("\"first\""))
            // What versioned sends, request.decode reads back (dates as ISO 8601, as Hummingbird's).
            #expect(read.text.contains("\"updatedAt\":\"20"), "\(read.text)")
            #expect(try await client.send(.GET, "/notes/1", headers: [("If-None-Match", tag)]).status == 304)

            let saved = try await client.send(.PUT, "/notes/1", headers: [("If-Match", tag)], body: json("a", "second"))
            #expect(saved.status == 200 && saved.headers["etag"] != tag)
            let stale = try problem(
                try await client.send(.PUT, "/notes/1", headers: [("If-Match", tag)], body: json("a", "lost?")), 412)
            #expect(stale.type == HTTPProblem.staleVersionType && "\"\(stale.currentVersion ?? 0)\"" == saved.headers["etag"])
            _ = try problem(try await client.send(.PUT, "/notes/1", body: json("a", "no version")), 428)
            _ = try problem(
                try await client.send(.PUT, "/notes/1", headers: [("If-Match", "\"unterminated")], body: json("a", "x")), 400)
            _ = try problem(try await client.send(.POST, "/notes", body: json("a", "taken slug")), 409)
            _ = try problem(try await client.send(.GET, "/notes/9"), 404)
            _ = try problem(try await client.send(.POST, "/fail/invalid"), 422)
            let busy = try await client.send(.POST, "/fail/busy")
            _ = try problem(busy, 503)
            #expect(busy.headers["retry-after"] == "1")
            _ = try problem(try await client.send(.POST, "/fail/conflict"), 409)

            let current = try #require(saved.headers["etag"])
            #expect(try await client.send(.DELETE, "/notes/1", headers: [("If-Match", current)]).status == 204)
            let gone = try problem(
                try await client.send(.PUT, "/notes/1", headers: [("If-Match", current)], body: json("a", "x")), 404)
            #expect(gone.type == HTTPProblem.deletedType)
            // Nothing the failures sent was stored.
            #expect(try await pool.read { db in try Page.count(db) } == 0)
        }
    }
}
