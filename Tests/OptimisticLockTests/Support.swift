import Foundation
import OptimisticLock
import OptimisticLockPostgres
import Synchronization
import TestModels

/// A backend the semantics tests run on.
enum Backend: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite
    case postgres

    var description: String { rawValue }

    /// The PostgreSQL server the tests use: `OPTIMISTIC_LOCK_POSTGRES_URL` (`.ci/run` starts one).
    static var postgresURL: String? {
        guard let url = ProcessInfo.processInfo.environment["OPTIMISTIC_LOCK_POSTGRES_URL"], !url.isEmpty else {
            return nil
        }
        return url
    }

    /// The backends available in this run: SQLite always, PostgreSQL when a server URL is given
    /// (the suite "PostgreSQL server" reports the skip when it is not).
    static var available: [Backend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// A streaming replica of the test server that replays at once (`.ci/topology.sh`), or nil.
    static var replicaURL: String? { environment("OPTIMISTIC_LOCK_POSTGRES_REPLICA_URL") }

    /// A streaming replica of the test server that replays 1.5 s late, or nil.
    static var laggingReplicaURL: String? { environment("OPTIMISTIC_LOCK_POSTGRES_LAGGING_REPLICA_URL") }

    /// PgBouncer in transaction mode in front of the test server, or nil.
    static var pgbouncerURL: String? { environment("OPTIMISTIC_LOCK_PGBOUNCER_URL") }

    private static func environment(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// Whether text may contain the NUL character (PostgreSQL's text cannot).
    var keepsNUL: Bool { self == .sqlite }
}

/// A fresh, empty database of one backend, deleted at the end; open as many connections to it as needed.
/// On SQLite a new file; on PostgreSQL a new schema, selected through the connection URL.
final class TestDatabase: Sendable {
    let backend: Backend
    /// The SQLite file, or the PostgreSQL URL.
    let path: String
    private let schema: String?

    init(_ backend: Backend = .sqlite) {
        self.backend = backend
        switch backend {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("optimistic-lock-tests")
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            self.path = folder.appendingPathComponent(UUID().uuidString + ".sqlite").path
            self.schema = nil
        case .postgres:
            let base = Backend.postgresURL ?? ""
            let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            // A failure here shows up as a failing test at the first connect.
            if let admin = try? PostgresConnection(url: base) {
                try? admin.executeScript("CREATE SCHEMA \(schema)")
            }
            self.schema = schema
            self.path = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D" + schema
        }
    }

    deinit {
        switch backend {
        case .sqlite:
            for suffix in ["", "-wal", "-shm", "-journal"] {
                try? FileManager.default.removeItem(atPath: path + suffix)
            }
        case .postgres:
            if let schema, let url = Backend.postgresURL, let admin = try? PostgresConnection(url: url) {
                try? admin.executeScript("DROP SCHEMA \(schema) CASCADE")
            }
        }
    }

    /// `url` (another server of the same cluster: a replica) with this database's schema selected.
    func sameSchema(at url: String) -> String {
        guard let schema else { return url }
        return url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D" + schema
    }

    /// A new connection.
    func connect(busyTimeout: Double = 30) throws -> any DatabaseConnection {
        switch backend {
        case .sqlite: try SQLiteConnection(path: path, busyTimeout: busyTimeout)
        case .postgres: try PostgresConnection(url: path)
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
        try Tally.createTable(db)
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
        try db.query(placeholders(sql, db.dialect), arguments).first?[0]
    }

    /// Runs hand-written SQL written with `?` placeholders on any backend.
    @discardableResult
    static func execute(_ db: some DatabaseConnection, _ sql: String, _ arguments: [DatabaseValue] = []) throws -> Int {
        try db.execute(placeholders(sql, db.dialect), arguments)
    }

    /// `?` placeholders (outside quotes) as `$1, $2, ...` for PostgreSQL.
    static func placeholders(_ sql: String, _ dialect: SQLDialect) -> String {
        guard dialect == .postgres else { return sql }
        var out = ""
        var count = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                out.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                out.append(character)
            } else if character == "?" {
                count += 1
                out += "$\(count)"
            } else {
                out.append(character)
            }
        }
        return out
    }
}

/// A value behind a lock that escaping closures (tasks, threads) can share.
final class Locked<Value: Sendable>: Sendable {
    // A pthread mutex (ThreadSanitizer sees it; it cannot see `Mutex`'s futex).
    private let mutex: ThreadLock<Value>

    init(_ value: Value) {
        mutex = ThreadLock(value)
    }

    func withLock<Result: Sendable>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try mutex.withLock { try body(&$0) }
    }
}

/// The task's result, or nil when it has none within `limit`: a test of something that must not
/// hang fails instead of hanging the run (the stuck task is left behind).
func result<T: Sendable>(of task: Task<T, any Error>, within limit: Duration) async -> Result<T, any Error>? {
    let once = Locked(false)
    return await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, any Error>?, Never>) in
        let finish = { @Sendable (value: Result<T, any Error>?) in
            if once.withLock({ done in
                defer { done = true }
                return !done
            }) {
                continuation.resume(returning: value)
            }
        }
        Task { finish(await task.result) }
        Task {
            try? await Task.sleep(for: limit)
            finish(nil)
        }
    }
}
