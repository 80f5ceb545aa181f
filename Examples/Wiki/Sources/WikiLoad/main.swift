// 16 concurrent editors of one page through the JSON PUT: prints saves/s and req/s, and exits 1
// unless the final page holds every save exactly once.
//
//     swift run -c release --package-path Examples/Wiki WikiLoad                 # in-process, SQLite
//     swift run -c release --package-path Examples/Wiki WikiLoad --url http://127.0.0.1:8080
//     DATABASE_URL=postgresql://... swift run -c release --package-path Examples/Wiki WikiLoad
import Foundation
import Hummingbird
import Logging
import OptimisticLock
import OptimisticLockPostgres
import ServiceLifecycle
import WikiApp
import WikiClient

struct Options {
    var url: String?
    var editors = 16
    var edits = 100

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw UsageError(message: "\(flag) needs a value") }
            switch flag {
            case "--url": url = value
            case "--editors": editors = try Self.count(value, flag)
            case "--edits": edits = try Self.count(value, flag)
            default: throw UsageError(message: "unknown option \(flag)")
            }
        }
    }

    static func count(_ value: String, _ flag: String) throws -> Int {
        guard let count = Int(value), count > 0 else { throw UsageError(message: "\(flag) needs a positive number") }
        return count
    }
}

struct UsageError: Error, CustomStringConvertible {
    var message: String
    var description: String { "\(message)\nusage: WikiLoad [--url http://host:port] [--editors 16] [--edits 100]" }
}

struct Created: Decodable {
    var id: Int64
}

/// Creates a page and runs the editors on it.
func load(_ baseURL: String, _ options: Options, backend: String) async throws -> Bool {
    let client = WikiClient(baseURL: baseURL, connections: options.editors)
    let slug = "load-\(UInt32.random(in: 0...UInt32.max))"
    let created = try await create(client, slug: slug)
    guard created.status == 201 else {
        try await client.shutdown()
        throw ConcurrentEditors.UnexpectedReply(request: "POST /api/pages", status: created.status, body: created.text)
    }
    let page = try created.decode(Created.self)
    let outcome: ConcurrentEditors.Outcome
    do {
        outcome = try await ConcurrentEditors.run(client: client, page: page.id, editors: options.editors, edits: options.edits)
    } catch {
        try await client.shutdown()
        throw error
    }
    try await client.shutdown()
    print("\(options.editors) editors × \(options.edits) edits of one page (\(backend)): \(outcome.summary)")
    return outcome.isExact
}

/// Creates the page with an Idempotency-Key, and sends the same request again (up to 3 times) when
/// its answer was lost or says the outcome is unknown or the database was unavailable: the key
/// makes the retry return the first attempt's page instead of creating a second one.
func create(_ client: WikiClient, slug: String) async throws -> WikiClient.Reply {
    let key = [("Idempotency-Key", "\"\(UUID().uuidString)\"")]
    // Every attempt sends the same bytes: the key's fingerprint is of the body as sent.
    let body = try JSONEncoder().encode(["slug": slug, "title": "Load"])
    var attempt = 1
    while true {
        do {
            let reply = try await client.send(.POST, "/api/pages", headers: key, body: body)
            guard reply.status == 500 || reply.status == 503, attempt < 3 else { return reply }
        } catch  where attempt < 3 {
            // The answer was lost on the way: the same key asks again.
        }
        attempt += 1
        try await Task.sleep(for: .milliseconds(100 * attempt))
    }
}

/// Starts the wiki in this process on a free port, runs `body`, and shuts the server down.
func withLocalServer<Pool: DatabasePool>(pool: Pool, _ body: @escaping @Sendable (String) async throws -> Bool) async throws
    -> Bool
{
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "WikiLoad")
    logger.logLevel = .warning
    let app = try await WikiApplication.build(pool: pool, port: 0, logger: logger) { port in continuation.yield(port) }
    let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
    return try await withThrowingTaskGroup(of: Bool?.self) { group in
        group.addTask {
            try await services.run()
            return nil
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { return false }
        do {
            let exact = try await body("http://127.0.0.1:\(port)")
            await services.triggerGracefulShutdown()
            return exact
        } catch {
            await services.triggerGracefulShutdown()
            throw error
        }
    }
}

do {
    let options = try Options(Array(CommandLine.arguments.dropFirst()))
    let exact: Bool
    if let url = options.url {
        exact = try await load(url, options, backend: url)
    } else if let url = ProcessInfo.processInfo.environment["DATABASE_URL"] {
        let pool = PostgresPool(url: url)
        exact = try await withLocalServer(pool: pool) { try await load($0, options, backend: "in-process server, PostgreSQL") }
        await pool.close()
    } else {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wiki-load-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pool = SQLitePool(path: directory.appendingPathComponent("wiki.sqlite").path)
        exact = try await withLocalServer(pool: pool) { try await load($0, options, backend: "in-process server, SQLite") }
        await pool.close()
    }
    exit(exact ? 0 : 1)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
