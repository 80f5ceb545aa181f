import Foundation
import OptimisticLock
import WikiModels

/// What the routes do with pages, through the pool. Every change is one checked statement: the
/// version a person or a client saw is the version the write is checked against.
struct PageStore<Pool: DatabasePool>: Sendable {
    let pool: Pool

    func all() async throws -> [Page] {
        try await pool.read { db in try Page.fetchAll(db, orderBy: [.ascending(.title)]) }
    }

    func page(_ id: Int64) async throws -> Page? {
        try await pool.read { db in try Page.find(db, id: id) }
    }

    func create(slug: String, title: String, body: String) async throws -> Page {
        try await pool.writeWithoutTransaction { db in try Self.create(db, slug: slug, title: title, body: body) }
    }

    /// Inserts a page on `db` (inside the caller's transaction, when it has one).
    static func create(_ db: Pool.Connection, slug: String, title: String, body: String) throws -> Page {
        var page = Page(slug: slug, title: title, body: body, updatedAt: Date())
        try page.insert(db)
        return page
    }

    /// Saves an edit made from `version` without reading the page first: one conditional UPDATE of
    /// the edited columns (it throws `ConcurrentUpdate` when the page changed or was deleted since).
    /// The saved page is read back in the same transaction, for the response.
    func save(_ id: Int64, version: Int64, title: String, body: String) async throws -> Page {
        try await pool.write { db in
            var edit = Page(id: id, slug: "", title: title, body: body, updatedAt: Date())
            edit.version = version
            try edit.update(db, columns: [.title, .body, .updatedAt])
            guard let saved = try Page.find(db, id: id) else { throw RecordNotFound(table: "page", primaryKey: "\(id)") }
            return saved
        }
    }

    func delete(_ id: Int64, version: Int64) async throws {
        try await pool.writeWithoutTransaction { db in try Page.delete(db, id: id, version: version) }
    }
}
