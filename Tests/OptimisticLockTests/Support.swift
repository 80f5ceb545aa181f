import Foundation
import OptimisticLock
import TestModels

/// A backend the semantics tests run on.
enum Backend: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite

    var description: String { rawValue }

    /// The backends available in this run.
    static var available: [Backend] { [.sqlite] }
}

/// A fresh, empty database of one backend, deleted at the end; open as many connections to it as needed.
final class TestDatabase: Sendable {
    let backend: Backend
    let path: String

    init(_ backend: Backend = .sqlite) {
        self.backend = backend
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("optimistic-lock-tests")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        self.path = folder.appendingPathComponent(UUID().uuidString + ".sqlite").path
    }

    deinit {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            try? FileManager.default.removeItem(atPath: path + suffix)
        }
    }

    /// A new connection.
    func connect(busyTimeout: Double = 30) throws -> any DatabaseConnection {
        switch backend {
        case .sqlite: try SQLiteConnection(path: path, busyTimeout: busyTimeout)
        }
    }

    /// A new connection with every test table created.
    func connectWithSchema() throws -> any DatabaseConnection {
        let db = try connect()
        try Self.createTables(db)
        return db
    }

    /// Creates every table of the test models, referenced tables first.
    static func createTables(_ db: some DatabaseConnection) throws {
        try Author.createTable(db)
        try Post.createTable(db)
        try Comment.createTable(db)
        try Product.createTable(db)
        try Event.createTable(db)
        try Booking.createTable(db)
        try Counter.createTable(db)
        try AuditEntry.createTable(db)
        try Sample.createTable(db)
        try Hostile.createTable(db)
    }
}

/// Helpers shared by the tests.
enum Fixture {
    /// An author stored in `db`.
    static func author(_ db: some DatabaseConnection, name: String = "Ada") throws -> Author {
        var author = Author(name: name)
        try author.insert(db)
        return author
    }

    /// A post by `author`, stored in `db`.
    static func post(_ db: some DatabaseConnection, author: Author, title: String = "Draft") throws -> Post {
        var post = Post(id: UUID(), authorID: author.id!, title: title, createdAt: Date(timeIntervalSince1970: 1_700_000_000))
        try post.insert(db)
        return post
    }

    /// The value of one column of one row, read with plain SQL (not through generated code).
    static func column(_ db: some DatabaseConnection, _ sql: String, _ arguments: [DatabaseValue] = []) throws -> DatabaseValue? {
        try db.query(sql, arguments).first?[0]
    }
}
