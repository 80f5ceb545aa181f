import Hummingbird
import Logging
import OptimisticLock
import OptimisticLockServiceLifecycle
import WikiModels

/// The wiki: HTML pages for people (edit forms carry the version in a hidden field) and the same
/// pages as a JSON API (the version travels as an ETag and comes back in If-Match).
public enum WikiApplication {
    /// The application on `pool`, listening on `host:port` (port 0: any free port, which
    /// `onServerRunning` is told). The database is migrated to the models' schema first, and the
    /// pool is closed when the application shuts down (after the server has finished its requests).
    /// Logs go to `logger` (by default one at the level `LOG_LEVEL` names, else info).
    public static func build<Pool: DatabasePool>(
        pool: Pool, host: String = "127.0.0.1", port: Int = 8080, logger: Logger? = nil,
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        try await pool.migrate(OptimisticLockSchema.schema)
        let router = Router()
        let pages = PageStore(pool: pool)
        HTMLRoutes(pages: pages).add(to: router)
        APIRoutes(pages: pages).add(to: router)
        router.get("/health") { _, _ in "ok" }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Wiki"),
            services: [PoolService(pool)],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }
}
