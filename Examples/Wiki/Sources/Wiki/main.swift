// The wiki, on SQLite (WIKI_DATABASE, default wiki.sqlite) or on PostgreSQL when DATABASE_URL is set.
//
//     swift run --package-path Examples/Wiki Wiki          # http://127.0.0.1:8080
//     DATABASE_URL=postgresql://localhost/wiki PORT=9000 swift run --package-path Examples/Wiki Wiki
//
// Logs go to standard output at LOG_LEVEL (default info); metrics are at GET /metrics; with
// WIKI_TRACES=1 every request's trace is logged as a tree of spans.
import Foundation
import Hummingbird
import Logging
import Metrics
import OptimisticLock
import OptimisticLockPostgres
import OptimisticLockTelemetry
import Prometheus
import ServiceLifecycle
import Tracing
import WikiApp

let environment = ProcessInfo.processInfo.environment
let host = environment["HOST"] ?? "127.0.0.1"
guard let port = Int(environment["PORT"] ?? "8080") else {
    FileHandle.standardError.write(Data("error: PORT must be a number\n".utf8))
    exit(2)
}
guard let level = environment["LOG_LEVEL"].map({ Logger.Level(rawValue: $0.lowercased()) }) ?? .info else {
    FileHandle.standardError.write(Data("error: LOG_LEVEL must be trace, debug, info, notice, warning, error or critical\n".utf8))
    exit(2)
}

// Observability first: the database's Telemetry keeps the metrics and tracing systems it finds.
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardOutput(label: label)
    handler.logLevel = level
    return handler
}
let registry = PrometheusCollectorRegistry()
MetricsSystem.bootstrap(WikiMetrics.factory(registry: registry))
var services: [any Service] = []
if environment["WIKI_TRACES"] == "1" {
    let tracer = TraceLog.makeTracer()
    InstrumentationSystem.bootstrap(tracer)
    services.append(TraceLog(tracer: tracer, logger: Logger(label: "wiki.traces")))
}
let telemetry = Telemetry(logger: Logger(label: "wiki.database"))

/// Serves the wiki on `pool` until the process is told to stop (SIGTERM, SIGINT); the application
/// closes the pool as it shuts down.
func serve<Pool: DatabasePool>(_ pool: Pool, on database: String) async throws {
    let app = try await WikiApplication.build(pool: pool, host: host, port: port, metrics: registry, services: services)
    Logger(label: "wiki").info("Wiki on \(database) at http://\(host):\(port)")
    try await app.runService()
}

do {
    if let url = environment["DATABASE_URL"] {
        try await serve(PostgresPool(url: url, configuration: .init(observer: telemetry)), on: "PostgreSQL")
    } else {
        let path = environment["WIKI_DATABASE"] ?? "wiki.sqlite"
        try await serve(SQLitePool(path: path, configuration: .init(observer: telemetry)), on: "SQLite (\(path))")
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
