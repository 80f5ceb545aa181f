// The notes API, on SQLite (NOTES_DATABASE, default notes.sqlite) or on PostgreSQL when
// DATABASE_URL is set. Vapor's own options apply (`serve --hostname 0.0.0.0 --port 9000`).
//
//     swift run --package-path Examples/VaporNotes VaporNotes          # http://127.0.0.1:8080
//     DATABASE_URL=postgresql://localhost/notes swift run --package-path Examples/VaporNotes VaporNotes
import Foundation
import NotesApp
import OptimisticLock
import OptimisticLockPostgres
import Vapor

var environment = try Environment.detect()
try LoggingSystem.bootstrap(from: &environment)
let app = try await Application.make(environment)
do {
    if let url = Environment.get("DATABASE_URL") {
        try await NotesApplication.configure(app, pool: PostgresPool(url: url))
    } else {
        try await NotesApplication.configure(app, pool: SQLitePool(path: Environment.get("NOTES_DATABASE") ?? "notes.sqlite"))
    }
    try await app.execute()
    try await app.asyncShutdown()
} catch {
    // A refused migration or a database that cannot be reached: said plainly, and a clean exit.
    app.logger.critical("\(error)")
    try? await app.asyncShutdown()
    exit(1)
}
