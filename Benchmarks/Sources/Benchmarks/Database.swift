import CSQLite
import Foundation
import GRDB
import OptimisticLock

/// Fresh database files with identical content for every contender.
enum BenchDatabase {
    /// On tmpfs (`/dev/shm`) where there is one: the benchmarks compare CPU paths, and disk latency
    /// would only add noise that is the same for every contender.
    static let folder: URL = {
        let base =
            FileManager.default.isWritableFile(atPath: "/dev/shm")
            ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        let url = base.appendingPathComponent("optimistic-lock-bench-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// A new database file with table `bench_item` holding `rows` rows (versions 1).
    static func make(rows: Int) throws -> String {
        let path = folder.appendingPathComponent(UUID().uuidString + ".sqlite").path
        let db = try OptimisticLock.SQLiteConnection(path: path)
        try BenchItem.createTable(db)
        try db.transaction {
            for index in 0..<rows {
                var item = BenchItem(name: "item \(index)", value: Int64(index), score: Double(index) / 3)
                try item.insert(db)
            }
        }
        return path
    }

    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// Deletes the database files made so far (open connections keep theirs until they close).
    static func removeFiles() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names where name.contains(".sqlite") {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    static func removeAll() {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A GRDB queue on the file, with the same settings as `OptimisticLock.SQLiteConnection` (WAL is already on in the file).
    static func grdb(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: configuration)
    }
}

/// The hand-written baseline: the raw sqlite3 C API on the connection's handle.
enum Raw {
    static func prepare(_ db: OpaquePointer, _ sql: String) -> OpaquePointer {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            fatalError("prepare failed: \(String(cString: sqlite3_errmsg(db)))")
        }
        return statement
    }

    static func exec(_ db: OpaquePointer, _ sql: String) {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
            fatalError("exec failed: \(String(cString: sqlite3_errmsg(db)))")
        }
    }

    static func bindText(_ statement: OpaquePointer, _ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) {
                _ = sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), optimistic_lock_sqlite_transient())
            }
        }
    }

    static func text(_ statement: OpaquePointer, _ index: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement, index) else { return "" }
        return String(
            decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, index))),
            as: UTF8.self)
    }
}

/// The same row as a plain struct, for the raw baseline.
struct RawItem {
    var id: Int64
    var version: Int64
    var name: String
    var value: Int64
    var score: Double
}

/// A line as a plain struct, for the raw finder baseline.
struct RawLine {
    var id: Int64
    var version: Int64
    var itemID: Int64
    var quantity: Int64
    var note: String
}

/// GRDB record with a hand-written `init(row:)`, the fastest way GRDB documents.
struct GRDBItem: FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "bench_item"
    var id: Int64?
    var version: Int64
    var name: String
    var value: Int64
    var score: Double

    init(id: Int64?, version: Int64, name: String, value: Int64, score: Double) {
        self.id = id
        self.version = version
        self.name = name
        self.value = value
        self.score = score
    }

    init(row: GRDB.Row) {
        id = row[0]
        version = row[1]
        name = row[2]
        value = row[3]
        score = row[4]
    }

    func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        container["version"] = version
        container["name"] = name
        container["value"] = value
        container["score"] = score
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// GRDB record through `Codable`, the most common way it is used.
struct GRDBCodableItem: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "bench_item"
    var id: Int64?
    var version: Int64
    var name: String
    var value: Int64
    var score: Double
}
