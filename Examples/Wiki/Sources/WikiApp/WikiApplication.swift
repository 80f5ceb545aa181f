import Hummingbird
import Logging
import OptimisticLock
import OptimisticLockHummingbird
import OptimisticLockServiceLifecycle
import Prometheus
import ServiceLifecycle
import WikiModels

/// The wiki: HTML pages for people (edit forms carry the version in a hidden field) and the same
/// pages as a JSON API (the version travels as an ETag and comes back in If-Match).
public enum WikiApplication {
    /// The application on `pool`, listening on `host:port` (port 0: any free port, which
    /// `onServerRunning` is told). The database is migrated to the models' schema first, and the
    /// pool is closed when the application shuts down (after the server has finished its requests).
    /// Logs go to `logger` (by default one at the level `LOG_LEVEL` names, else info).
    ///
    /// Every request gets a span from the bootstrapped tracer (the parent of its database spans when
    /// the pool's observer is a `Telemetry`) and HTTP metrics from the bootstrapped metrics system.
    /// With `metrics`, `GET /metrics` answers that registry in Prometheus' text format. `services`
    /// run beside the server (a `TraceLog`, say) and stop with it.
    public static func build<Pool: DatabasePool>(
        pool: Pool, host: String = "127.0.0.1", port: Int = 8080, logger: Logger? = nil,
        metrics: PrometheusCollectorRegistry? = nil, services: [any Service] = [],
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        try await pool.migrate(OptimisticLockSchema.schema)
        let router = Router()
        router.add(middleware: TracingMiddleware())
        router.add(middleware: MetricsMiddleware())
        // Conflicts, missing records and database failures thrown by a route: their HTTP problems.
        router.add(middleware: OptimisticLockErrorMiddleware())
        let pages = PageStore(pool: pool)
        HTMLRoutes(pages: pages).add(to: router)
        APIRoutes(pages: pages).add(to: router)
        router.get("/health") { _, _ in "ok" }
        if let metrics {
            router.get("/metrics") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
            }
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Wiki"),
            services: [PoolService(pool)] + services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }
}
