import OptimisticLock
import ServiceLifecycle

/// A pool as a swift-service-lifecycle `Service`: it runs until the service group shuts down
/// gracefully (or its task is cancelled), then closes the pool, which fails the requests still
/// waiting for a connection and waits for the running ones.
///
/// A service group shuts its services down in reverse order, so list the pool before the services
/// that use it: the server stops taking requests and finishes its own first.
///
/// ```swift
/// let pool = SQLitePool(path: "app.sqlite")
/// let app = Application(router: router, services: [PoolService(pool)])   // Hummingbird 2
/// try await app.runService()
/// ```
public struct PoolService<Pool: DatabasePool>: Service {
    /// The pool closed at shutdown.
    public let pool: Pool

    /// A service that closes `pool` at shutdown.
    public init(_ pool: Pool) {
        self.pool = pool
    }

    /// Waits for graceful shutdown or cancellation, then closes the pool.
    public func run() async throws {
        // Throws CancellationError when the task is cancelled: the pool closes all the same.
        try? await gracefulShutdown()
        await pool.close()
    }
}
