import Foundation
import InMemoryLogging
import Logging
import NIOCore
import NotesApp
import OptimisticLock
import OptimisticLockPostgres
import Vapor
import VaporTesting

/// The databases the notes API runs on in this test run: SQLite always, PostgreSQL when
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
            print("note: OPTIMISTIC_LOCK_POSTGRES_URL is not set: the notes API's PostgreSQL tests are skipped")
            return [.sqlite]
        }
        return [.sqlite, .postgres]
    }
}

/// The notes API on a new, empty database, reached over real HTTP (VaporTesting's `.running`: a
/// server on a free port and an HTTP client).
struct Notes: Sendable {
    let app: Application
    /// The app's log.
    let logs: InMemoryLogHandler
    /// Opens a connection of its own to the database (to hold a lock, or to look at the rows).
    let connect: @Sendable () throws -> any DatabaseConnection
    /// The SQL that takes a write lock on the notes until the connection rolls back.
    let lockNotes: String

    /// Sends a request and returns the response.
    func send(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], json: String? = nil
    ) async throws -> TestingHTTPResponse {
        var fields = HTTPHeaders(headers)
        if json != nil { fields.replaceOrAdd(name: .contentType, value: "application/json") }
        let request = TestingHTTPRequest(
            method: method, url: URI(path: path), headers: fields, body: ByteBuffer(string: json ?? ""))
        return try await app.testing(method: .running(hostname: "127.0.0.1", port: 0)).performTest(request: request)
    }

    /// The number of notes stored.
    func noteCount() throws -> Int64 {
        let db = try connect()
        guard case .integer(let count)? = try db.query("SELECT count(*) FROM note").first?.values.first else { return -1 }
        return count
    }
}

/// Runs `body` against the notes API on a new database of `backend`, then shuts both down.
func withNotes(_ backend: Backend, _ body: (Notes) async throws -> Void) async throws {
    let logs = InMemoryLogHandler()
    let app = try await Application.make(.testing)
    app.logger = Logger(label: "notes") { _ in logs }
    app.logger.logLevel = .debug
    var cleanUp: () -> Void = {}
    do {
        let notes: Notes
        switch backend {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("notes-\(UUID().uuidString).sqlite").path
            cleanUp = { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
            // A write waits 0.2 s for another connection's lock, then fails as busy (503).
            let pool = SQLitePool(path: path, configuration: .init(busyTimeout: 0.2))
            try await NotesApplication.configure(app, pool: pool)
            notes = Notes(
                app: app, logs: logs, connect: { try SQLiteConnection(path: path) }, lockNotes: "BEGIN IMMEDIATE")
        case .postgres:
            let base = Backend.postgresURL!
            let schema = "notes_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let admin = try PostgresConnection(url: base)
            try admin.executeScript("CREATE SCHEMA \(schema)")
            cleanUp = { try? admin.executeScript("DROP SCHEMA \(schema) CASCADE") }
            // A write waits 0.2 s for another connection's lock, then fails as busy (503).
            let url =
                base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)%20-clock_timeout%3D200"
            try await NotesApplication.configure(app, pool: PostgresPool(url: url))
            notes = Notes(
                app: app, logs: logs, connect: { try PostgresConnection(url: url) },
                lockNotes: "BEGIN; LOCK TABLE note IN EXCLUSIVE MODE")
        }
        try await body(notes)
    } catch {
        try? await app.asyncShutdown()
        cleanUp()
        throw error
    }
    try await app.asyncShutdown()
    cleanUp()
}

/// An RFC 9457 problem body.
struct Problem: Decodable {
    var type: String
    var status: Int
    var detail: String
    var expectedVersion: Int64?
    var currentVersion: Int64?
}

extension TestingHTTPResponse {
    /// The body as text.
    var text: String { String(buffer: body) }

    /// The body decoded from JSON (dates as ISO 8601, as the app sends them).
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(buffer: body))
    }

    /// The first value of a header.
    func header(_ name: String) -> String? { headers.first(name: name) }
}
