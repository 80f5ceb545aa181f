// The wiki, on SQLite (WIKI_DATABASE, default wiki.sqlite) or on PostgreSQL when DATABASE_URL is set.
//
//     swift run --package-path Examples/Wiki Wiki          # http://127.0.0.1:8080
//     DATABASE_URL=postgresql://localhost/wiki PORT=9000 swift run --package-path Examples/Wiki Wiki
import Foundation
import Hummingbird
import OptimisticLock
import OptimisticLockPostgres
import WikiApp

let environment = ProcessInfo.processInfo.environment
let host = environment["HOST"] ?? "127.0.0.1"
guard let port = Int(environment["PORT"] ?? "8080") else {
    FileHandle.standardError.write(Data("error: PORT must be a number\n".utf8))
    exit(2)
}

/// Serves the wiki on `pool` until the process is told to stop (SIGTERM, SIGINT); the application
/// closes the pool as it shuts down.
func serve<Pool: DatabasePool>(_ pool: Pool, on database: String) async throws {
    let app = try await WikiApplication.build(pool: pool, host: host, port: port)
    print("Wiki on \(database) at http://\(host):\(port)")
    try await app.runService()
}

do {
    if let url = environment["DATABASE_URL"] {
        try await serve(PostgresPool(url: url), on: "PostgreSQL")
    } else {
        let path = environment["WIKI_DATABASE"] ?? "wiki.sqlite"
        try await serve(SQLitePool(path: path), on: "SQLite (\(path))")
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
