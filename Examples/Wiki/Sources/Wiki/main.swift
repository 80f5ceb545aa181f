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

do {
    if let url = environment["DATABASE_URL"] {
        let pool = PostgresPool(url: url)
        let app = try await WikiApplication.build(pool: pool, host: host, port: port)
        print("Wiki on PostgreSQL at http://\(host):\(port)")
        try await app.runService()
        await pool.close()
    } else {
        let path = environment["WIKI_DATABASE"] ?? "wiki.sqlite"
        let pool = SQLitePool(path: path)
        let app = try await WikiApplication.build(pool: pool, host: host, port: port)
        print("Wiki on SQLite (\(path)) at http://\(host):\(port)")
        try await app.runService()
        await pool.close()
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
