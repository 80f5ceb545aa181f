import Foundation
import NotesModels
import OptimisticLock
import OptimisticLockHTTP
import OptimisticLockVapor
import Vapor

/// The routes. Each handler only says what to read or write: `OptimisticHTTP` checks `If-Match`
/// (or the body's version) and picks the status, and `OptimisticLockErrorMiddleware` answers what
/// is thrown.
///
/// | Route | |
/// |---|---|
/// | `GET /notes?after=&limit=` | a page of notes in key order, with the cursor of the next |
/// | `POST /notes` | create: 201 with `Location` and `ETag` |
/// | `GET /notes/:id` | 200 with `ETag`; 304 for a matching `If-None-Match` |
/// | `PUT /notes/:id` | edit, checked against `If-Match` or the body's `version` (one is required) |
/// | `DELETE /notes/:id` | delete, checked against `If-Match` (required) |
/// | `POST /folders` | create a folder (409 for a taken name) |
struct NoteRoutes<Pool: DatabasePool>: RouteCollection {
    let pool: Pool

    func boot(routes: any RoutesBuilder) throws {
        let notes = routes.grouped("notes")
        notes.get(use: list)
        notes.post(use: create)
        notes.get(":id", use: read)
        notes.put(":id", use: edit)
        notes.delete(":id", use: delete)
        routes.post("folders", use: createFolder)
    }

    @Sendable func list(request: Request) async throws -> Response {
        let after = try request.queryNumber("after")
        let limit = Int(min(max(try request.queryNumber("limit") ?? 50, 1), 500))
        let page = try await pool.read { db in try Note.fetchPage(db, after: after, limit: limit) }
        let response = Response(status: .ok)
        try response.content.encode(page, as: .json)
        return response
    }

    /// With an `Idempotency-Key`, a retried create (after a lost answer) gets the stored 201 instead
    /// of a second note: the key is kept in the insert's transaction.
    @Sendable func create(request: Request) async throws -> Response {
        let input = try request.json(NoteInput.self)
        let bytes = request.body.data.map { Array($0.readableBytesView) } ?? []
        let created = try await OptimisticHTTP.idempotentWrite(request: request, body: bytes, pool: pool) { db in
            var note = Note(folderID: input.folderID, title: input.title, body: input.body ?? "", updatedAt: Date())
            try note.insert(db)
            return try .json(
                note, status: .created,
                headerFields: [.location: "/notes/\(note.id!)", .eTag: EntityTag(version: note.version).description],
                encoder: NotesApplication.jsonEncoder)
        }
        return Response.idempotent(created.response)
    }

    @Sendable func read(request: Request) async throws -> Response {
        let id = try request.id()
        guard let note = try await pool.read({ db in try Note.find(db, id: id) }) else {
            throw RecordNotFound(table: "note", primaryKey: String(id))
        }
        if OptimisticHTTP.isNotModified(request: request, currentVersion: note.version) {
            return Response.notModified(version: note.version)
        }
        return try Response.versioned(note, version: note.version)
    }

    @Sendable func edit(request: Request) async throws -> Response {
        let id = try request.id()
        let input = try request.json(NoteInput.self)
        let saved = try await OptimisticHTTP.write(request: request, bodyVersion: input.version) { version in
            try await pool.write { db in
                var note = Note(id: id, folderID: input.folderID, title: input.title, body: input.body ?? "", updatedAt: Date())
                note.version = version
                try note.update(db)
                return note
            }
        }
        return try Response.versioned(saved, version: saved.version)
    }

    @Sendable func delete(request: Request) async throws -> Response {
        let id = try request.id()
        try await OptimisticHTTP.write(request: request, bodyVersion: nil) { version in
            try await pool.writeWithoutTransaction { db in try Note.delete(db, id: id, version: version) }
        }
        return Response(status: .noContent)
    }

    @Sendable func createFolder(request: Request) async throws -> Response {
        let input = try request.json(FolderInput.self)
        let folder = try await pool.write { db in
            var folder = Folder(name: input.name)
            try folder.insert(db)
            return folder
        }
        return try Response.versioned(folder, version: folder.version, status: .created, location: "/folders/\(folder.id!)")
    }
}
