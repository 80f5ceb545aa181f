import Foundation
import OptimisticLock
import OptimisticLockHTTP
import Testing
import Vapor
import VaporTesting

/// Notes over real HTTP: every status of the route table, each failure as an RFC 9457 problem
/// (`application/problem+json`) thrown from plain handler code and answered by
/// `OptimisticLockErrorMiddleware`; a stale `If-Match` is 412, never 500.
@Suite("VaporNotes over HTTP")
struct NotesAPITests {
    struct NoteJSON: Decodable {
        var id: Int64
        var version: Int64
        var folderID: Int64?
        var title: String
        var body: String
        var updatedAt: Date
    }

    struct PageJSON: Decodable {
        var records: [NoteJSON]
        var nextCursor: Int64?
    }

    /// The problem a response carries, after checking its status and content type.
    func problem(_ response: TestingHTTPResponse, _ status: UInt, line: Int = #line) throws -> Problem {
        #expect(response.status.code == status, "line \(line): \(response.text)")
        #expect(response.header("Content-Type") == "application/problem+json", "line \(line): \(response.headers)")
        let problem = try response.decode(Problem.self)
        #expect(problem.status == Int(status), "line \(line)")
        return problem
    }

    @Test("Every status of the route table", arguments: Backend.available)
    func statuses(_ backend: Backend) async throws {
        try await withNotes(backend) { notes in
            // 201 with Location and ETag; a taken folder name is 409; a folder that does not exist 422.
            let folder = try await notes.send(.POST, "/folders", json: #"{"name": "Work"}"#)
            #expect(folder.status == .created && folder.header("Location") == "/folders/1", "\(folder.text)")
            _ = try problem(try await notes.send(.POST, "/folders", json: #"{"name": "Work"}"#), 409)
            _ = try problem(try await notes.send(.POST, "/notes", json: #"{"title": "x", "folderID": 99}"#), 422)
            let created = try await notes.send(.POST, "/notes", json: #"{"title": "Plan", "body": "first", "folderID": 1}"#)
            let note = try created.decode(NoteJSON.self)
            // (PostgreSQL's identity spent a value on the refused insert: the id is not always 1.)
            let path = "/notes/\(note.id)"
            #expect(created.status == .created && created.header("Location") == path, "\(created.text)")
            let tag = try #require(created.header("ETag"))
            #expect(tag == "\"\(note.version)\"" && note.body == "first" && note.folderID == 1)

            // 200 with the same ETag, dates as ISO 8601; 304 for If-None-Match; 404; 400 for a bad id.
            let read = try await notes.send(.GET, path)
            #expect(read.status == .ok && read.header("ETag") == tag && read.text.contains(#""updatedAt":"20"#), "\(read.text)")
            let notModified = try await notes.send(.GET, path, headers: [("If-None-Match", tag)])
            #expect(notModified.status == .notModified && notModified.header("ETag") == tag)
            _ = try problem(try await notes.send(.GET, "/notes/999999"), 404)
            _ = try problem(try await notes.send(.GET, "/notes/nine"), 400)

            // 200 and a new ETag; the old one is stale: 412 with the current version, never 500.
            let saved = try await notes.send(
                .PUT, path, headers: [("If-Match", tag)], json: #"{"title": "Plan", "body": "second"}"#)
            #expect(saved.status == .ok, "\(saved.text)")
            let current = try #require(saved.header("ETag"))
            let savedBody = try saved.decode(NoteJSON.self).body
            #expect(current != tag && savedBody == "second")
            let staleReply = try await notes.send(
                .PUT, path, headers: [("If-Match", tag)], json: #"{"title": "Plan", "body": "lost?"}"#)
            let stale = try problem(staleReply, 412)
            #expect(stale.type == HTTPProblem.staleVersionType && "\"\(stale.currentVersion ?? 0)\"" == current)
            #expect(staleReply.header("ETag") == current, "the problem's ETag is the current version")
            // A stale version in the body is 409; none at all 428; a malformed If-Match or body 400.
            let staleBody = try problem(
                try await notes.send(.PUT, path, json: #"{"title": "Plan", "body": "lost?", "version": \#(note.version)}"#),
                409)
            #expect(staleBody.type == HTTPProblem.staleVersionType && staleBody.expectedVersion == note.version)
            _ = try problem(try await notes.send(.PUT, path, json: #"{"title": "Plan", "body": "no version"}"#), 428)
            _ = try problem(
                try await notes.send(.PUT, path, headers: [("If-Match", "\"unterminated")], json: #"{"title": "x"}"#), 400)
            _ = try problem(try await notes.send(.PUT, path, headers: [("If-Match", current)], json: "{not json"), 400)
            _ = try problem(try await notes.send(.PUT, path, headers: [("If-Match", current)], json: ""), 400)
            _ = try problem(try await notes.send(.GET, "/notes?limit=abc"), 400)
            _ = try problem(
                try await notes.send(.PUT, path, headers: [("If-Match", current)], json: #"{"title": "x", "folderID": 7}"#),
                422)

            // 503 with Retry-After while another connection holds the write lock; nothing is saved.
            let blocker = try notes.connect()
            try blocker.executeScript(notes.lockNotes)
            let busyReply = try await notes.send(
                .PUT, path, headers: [("If-Match", current)], json: #"{"title": "Plan", "body": "busy"}"#)
            try blocker.executeScript("ROLLBACK")
            let busy = try problem(busyReply, 503)
            #expect(busyReply.header("Retry-After") == "1")
            #expect(busy.detail.contains("busy"), "\(busy.detail)")
            let after = try await notes.send(.GET, path)
            let afterBody = try after.decode(NoteJSON.self).body
            #expect(after.header("ETag") == current && afterBody == "second")

            // A page of notes with the cursor of the next.
            let other = try (try await notes.send(.POST, "/notes", json: #"{"title": "Second"}"#)).decode(NoteJSON.self)
            let first = try (try await notes.send(.GET, "/notes?limit=1")).decode(PageJSON.self)
            #expect(first.records.map(\.id) == [note.id] && first.nextCursor == note.id)
            let second = try (try await notes.send(.GET, "/notes?after=\(note.id)&limit=1")).decode(PageJSON.self)
            #expect(second.records.map(\.id) == [other.id] && second.nextCursor == nil)

            // Two If-Match lines, a stale tag and the current one: the current one is used.
            let twoLines = try await notes.send(
                .PUT, path, headers: [("If-Match", tag), ("if-match", current)], json: #"{"title": "Plan", "body": "third"}"#)
            #expect(twoLines.status == .ok, "\(twoLines.text)")
            let latest = try #require(twoLines.header("ETag"))

            // 204; then the note is gone (404 with the deleted type); a delete needs If-Match (428).
            _ = try problem(try await notes.send(.DELETE, path), 428)
            #expect(try await notes.send(.DELETE, path, headers: [("If-Match", latest)]).status == .noContent)
            let gone = try problem(
                try await notes.send(.PUT, path, headers: [("If-Match", latest)], json: #"{"title": "x"}"#), 404)
            #expect(gone.type == HTTPProblem.deletedType)
            #expect(try notes.noteCount() == 1)

            // Causes are logged, never sent: the 503 at error with the database's words, a 409 at debug.
            let entries = notes.logs.entries
            #expect(entries.contains { "\($0.message)" == "request failed" && $0.level == .error }, "\(entries)")
            #expect(entries.contains { "\($0.message)" == "request refused" && $0.level == .debug })
            #expect(!busy.detail.contains("lock"), "the database's message is not sent: \(busy.detail)")
        }
    }

    @Test(
        "A create sent twice with one Idempotency-Key makes one note; the second answer is the stored one",
        arguments: Backend.available)
    func idempotentCreate(_ backend: Backend) async throws {
        try await withNotes(backend) { notes in
            let key = [("Idempotency-Key", "\"create-1\"")]
            let first = try await notes.send(.POST, "/notes", headers: key, json: #"{"title": "Once"}"#)
            #expect(first.status == .created && first.header("Idempotent-Replayed") == nil, "\(first.text)")
            let again = try await notes.send(.POST, "/notes", headers: key, json: #"{"title": "Once"}"#)
            #expect(again.status == .created && again.header("Idempotent-Replayed") == "true", "\(again.text)")
            #expect(again.text == first.text && again.header("ETag") == first.header("ETag"))
            #expect(again.header("Location") == first.header("Location"))
            // The same key with another body is refused, and nothing more is created.
            _ = try problem(try await notes.send(.POST, "/notes", headers: key, json: #"{"title": "Other"}"#), 422)
            #expect(try notes.noteCount() == 1)
            // What the stored answer holds reads back as a note (dates as ISO 8601).
            #expect(try again.decode(NoteJSON.self).title == "Once")
        }
    }

    @Test("A framework error thrown inside write is the framework's answer (403), not a 500")
    func frameworkErrorsPassThrough() async throws {
        try await withNotes(.sqlite) { notes in
            notes.app.put("locked", ":id") { request async throws -> Response in
                try await OptimisticHTTP.write(request: request, bodyVersion: nil) { _ -> Response in
                    throw Abort(.forbidden, reason: "this note is locked")
                }
            }
            let reply = try await notes.send(.PUT, "/locked/1", headers: [("If-Match", "\"5\"")], json: "{}")
            #expect(reply.status == .forbidden && reply.text.contains("this note is locked"), "\(reply.text)")
        }
    }

    @Test("Eight clients save the same version at once: one 200, seven 412, the winner's text kept", arguments: Backend.available)
    func concurrentEditors(_ backend: Backend) async throws {
        try await withNotes(backend) { notes in
            let created = try await notes.send(.POST, "/notes", json: #"{"title": "Shared"}"#)
            let tag = try #require(created.header("ETag"))
            let path = try #require(created.header("Location"))
            // One server for all eight (VaporTesting's `.running` starts one per request), reached
            // by eight concurrent requests of the app's HTTP client.
            let app = notes.app
            try await app.asyncBoot()
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(app.http.server.shared.localAddress?.port)
            let statuses = try await withThrowingTaskGroup(of: (UInt, String).self) { group in
                for editor in 0..<8 {
                    group.addTask {
                        let reply = try await app.client.put(
                            "http://127.0.0.1:\(port)\(path)", headers: ["If-Match": tag, "Content-Type": "application/json"]
                        ) { request in
                            request.body = ByteBuffer(string: #"{"title": "Shared", "body": "editor \#(editor)"}"#)
                        }
                        return (reply.status.code, reply.body.map { String(buffer: $0) } ?? "")
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            await app.server.shutdown()
            #expect(statuses.filter { $0.0 == 200 }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0.0 == 412 }.count == 7, "\(statuses)")
            let winner = try #require(statuses.first { $0.0 == 200 })
            let stored = try (try await notes.send(.GET, path)).decode(NoteJSON.self)
            #expect(winner.1.contains("\"\(stored.body)\""), "\(winner.1) vs \(stored.body)")
        }
    }
}
