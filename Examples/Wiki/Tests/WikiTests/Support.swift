import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import OptimisticLock
import OptimisticLockPostgres
import Prometheus
import Synchronization
import WikiApp
import WikiClient

/// The databases the wiki runs on in this test run: SQLite always, PostgreSQL when
/// `OPTIMISTIC_LOCK_POSTGRES_URL` names a server (`.ci/run` starts one).
enum Backend: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite
    case postgres

    var description: String { rawValue }

    static var postgresURL: String? {
        guard let url = ProcessInfo.processInfo.environment["OPTIMISTIC_LOCK_POSTGRES_URL"], !url.isEmpty else { return nil }
        return url
    }

    static var available: [Backend] {
        if postgresURL == nil {
            print("note: OPTIMISTIC_LOCK_POSTGRES_URL is not set: the wiki's PostgreSQL tests are skipped")
            return [.sqlite]
        }
        return [.sqlite, .postgres]
    }
}

/// A wiki server on a new, empty database, reached over real HTTP.
struct Wiki: Sendable {
    /// A JSON/HTML client of the server.
    let client: WikiClient
    /// The server's address.
    var baseURL: String { client.baseURL }
    /// The SQLite file, on SQLite.
    var sqlitePath: String?
    /// Runs SQL on the database directly (the tests' view of what was stored).
    let database: @Sendable (String) async throws -> [[DatabaseValue]]
    /// Opens a connection of its own to the wiki's database (another server, say).
    let connect: @Sendable () throws -> any DatabaseConnection

    /// The body of page `id` as stored.
    func storedBody(_ id: Int64) async throws -> String? {
        guard case .text(let body)? = try await database("SELECT body FROM page WHERE id = \(id)").first?.first else {
            return nil
        }
        return body
    }

    /// The number of pages stored.
    func pageCount() async throws -> Int64 {
        guard case .integer(let count)? = try await database("SELECT count(*) FROM page").first?.first else { return -1 }
        return count
    }
}

/// Runs `body` against a wiki server on a new database of `backend`, then stops both.
func withWiki(
    _ backend: Backend, sqlite configuration: SQLitePool.Configuration = .init(),
    postgres postgresConfiguration: PostgresPool.Configuration = .init(),
    metrics: PrometheusCollectorRegistry? = nil, _ body: @Sendable (Wiki) async throws -> Void
) async throws {
    switch backend {
    case .sqlite:
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wiki-tests")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(UUID().uuidString + ".sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let pool = SQLitePool(path: path, configuration: configuration)
        try await serve(pool, sqlitePath: path, metrics: metrics, connect: { try SQLiteConnection(path: path) }, body)
    case .postgres:
        let base = Backend.postgresURL!
        let schema = "wiki_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try PostgresConnection(url: base)
        try admin.executeScript("CREATE SCHEMA \(schema)")
        defer { try? admin.executeScript("DROP SCHEMA \(schema) CASCADE") }
        let url = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D" + schema
        let pool = PostgresPool(url: url, configuration: postgresConfiguration)
        try await serve(pool, sqlitePath: nil, metrics: metrics, connect: { try PostgresConnection(url: url) }, body)
    }
}

private func serve<Pool: DatabasePool>(
    _ pool: Pool, sqlitePath: String?, metrics: PrometheusCollectorRegistry?,
    connect: @escaping @Sendable () throws -> any DatabaseConnection,
    _ body: @Sendable (Wiki) async throws -> Void
) async throws {
    var logger = Logger(label: "WikiTests")
    logger.logLevel = .warning
    let app = try await WikiApplication.build(pool: pool, port: 0, logger: logger, metrics: metrics)
    do {
        try await app.test(.live) { server in
            let client = WikiClient(baseURL: "http://127.0.0.1:\(server.port!)")
            let database: @Sendable (String) async throws -> [[DatabaseValue]] = { sql in
                try await pool.read { db in try db.query(sql).map(\.values) }
            }
            do {
                try await body(Wiki(client: client, sqlitePath: sqlitePath, database: database, connect: connect))
            } catch {
                try await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    } catch {
        await pool.close()
        throw error
    }
    await pool.close()
}

/// A page as created through the API.
func createPage(_ wiki: Wiki, slug: String, title: String = "A page", body: String = "") async throws -> PageJSON {
    let reply = try await wiki.client.send(.POST, "/api/pages", json: ["slug": slug, "title": title, "body": body])
    guard reply.status == 201 else {
        throw ConcurrentEditors.UnexpectedReply(request: "POST", status: reply.status, body: reply.text)
    }
    return try reply.decode(PageJSON.self)
}

/// The quoted entity tag of a version.
func etag(_ version: Int64) -> String { "\"\(version)\"" }

/// An RFC 9457 problem body.
struct Problem: Decodable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var expectedVersion: Int64?
    var currentVersion: Int64?
}

/// An `application/x-www-form-urlencoded` body.
func form(_ fields: [(String, String)]) -> Data {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    let pairs = fields.map { name, value in
        "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed)!)"
    }
    return Data(pairs.joined(separator: "&").utf8)
}

/// The value of `<input ... name="NAME" value="VALUE">` in an HTML page.
func hiddenValue(_ name: String, in html: String) -> String? {
    guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
    let rest = html[range.upperBound...]
    return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
}

/// The text of the element with `id` (its first line of content up to the closing tag), unescaped.
func elementText(_ id: String, in html: String) -> String? {
    guard let open = html.range(of: "id=\"\(id)\"") else { return nil }
    guard let start = html[open.upperBound...].firstIndex(of: ">") else { return nil }
    let content = html[html.index(after: start)...]
    guard let end = content.range(of: "</") else { return nil }
    return String(content[..<end.lowerBound])
        .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
        .replacingOccurrences(of: "&amp;", with: "&")
}
