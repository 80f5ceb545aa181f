import NotesModels
import OptimisticLock
import OptimisticLockVapor
import Vapor

/// The notes API on a pool (SQLite or PostgreSQL).
public enum NotesApplication {
    /// Migrates the pool's database to the models' schema, then adds the library's error middleware
    /// and the routes to `app`; the pool is closed when the application shuts down.
    ///
    /// - Throws: what `migrate` throws when the database cannot be brought to the schema safely.
    public static func configure<Pool: DatabasePool>(_ app: Application, pool: Pool) async throws {
        try await pool.migrate(OptimisticLockSchema.schema)
        // Conflicts, missing records, database failures and `OptimisticHTTP`'s problems, thrown by
        // any route: RFC 9457 problems with their statuses.
        app.middleware.use(OptimisticLockErrorMiddleware())
        // A note may be long: bodies up to 1 MB (Vapor's default is 16 KB).
        app.routes.defaultMaxBodySize = "1mb"
        app.lifecycle.use(PoolLifecycle(pool: pool))
        try app.register(collection: NoteRoutes(pool: pool))
    }

    /// JSON as Vapor's default content configuration writes it (ISO 8601 dates), for responses
    /// made outside it (the stored response of an idempotent create).
    static var jsonEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

/// Closes the pool when the application shuts down.
struct PoolLifecycle<Pool: DatabasePool>: LifecycleHandler {
    let pool: Pool

    func shutdownAsync(_ application: Application) async {
        await pool.close()
    }
}
