import Logging
import OptimisticLock
import OptimisticLockServiceLifecycle
import ServiceLifecycle
import TestModels
import Testing

/// A service that uses the pool: at graceful shutdown it finishes its work, one last write.
private struct LastWriter: Service {
    let pool: SQLitePool

    func run() async throws {
        try? await gracefulShutdown()
        try await pool.write { db in
            var author = Author(name: "at shutdown")
            try author.insert(db)
        }
    }
}

@Suite("Pool service")
struct PoolServiceTests {
    @Test("A PoolService closes its pool when the group shuts down gracefully, after the services listed after it")
    func gracefulShutdown() async throws {
        let database = TestDatabase(.sqlite)
        _ = try database.connectWithSchema()
        let pool = SQLitePool(path: database.path)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: PoolService(pool)), .init(service: LastWriter(pool: pool))],
                logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        try await pool.write { db in
            var author = Author(name: "while running")
            try author.insert(db)
        }
        await group.triggerGracefulShutdown()
        // The service listed after the pool finished its last write before the pool closed.
        try await running.value
        let error = await #expect(throws: DatabaseError.self) { try await pool.read { db in try Author.count(db) } }
        #expect(error?.kind == .connection, "the pool is closed: \(String(describing: error))")
        #expect(try database.connect().query("SELECT count(*) FROM author").first?[0] == .integer(2))
    }

    @Test("A PoolService closes its pool when its task is cancelled")
    func cancellation() async throws {
        let database = TestDatabase(.sqlite)
        _ = try database.connectWithSchema()
        let pool = SQLitePool(path: database.path)
        let service = Task { try await PoolService(pool).run() }
        _ = try await pool.read { db in try Author.count(db) }
        service.cancel()
        try await service.value
        await #expect(throws: DatabaseError.self) { try await pool.read { db in try Author.count(db) } }
    }
}
