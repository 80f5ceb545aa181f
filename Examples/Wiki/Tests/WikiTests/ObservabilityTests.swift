import Foundation
import InMemoryLogging
import InMemoryTracing
import Logging
import OptimisticLockTelemetry
import Prometheus
import Testing
import Tracing

@testable import WikiApp

@Suite("Observability")
struct ObservabilityTests {
    @Test(
        "One conflict through the JSON API: counted at GET /metrics, a failed TRANSACTION span over the UPDATE, a debug log",
        arguments: Backend.available)
    func conflictIsSeen(_ backend: Backend) async throws {
        let registry = PrometheusCollectorRegistry()
        let tracer = InMemoryTracer()
        let logs = InMemoryLogHandler()
        var logger = Logger(label: "wiki.database") { _ in logs }
        logger.logLevel = .debug
        let telemetry = Telemetry(logger: logger, tracer: tracer, metrics: WikiMetrics.factory(registry: registry))
        try await withWiki(
            backend, sqlite: .init(observer: telemetry), postgres: .init(observer: telemetry), metrics: registry
        ) { wiki in
            let page = try await createPage(wiki, slug: "watched", body: "first")
            let path = "/api/pages/\(page.id)"
            let saved = try await wiki.client.send(
                .PUT, path, headers: [("If-Match", etag(page.version))], json: ["title": "A page", "body": "alice"])
            #expect(saved.status == 200)
            let stale = try await wiki.client.send(
                .PUT, path, headers: [("If-Match", etag(page.version))], json: ["title": "A page", "body": "bob"])
            #expect(stale.status == 412)

            let metrics = try await wiki.client.send(.GET, "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
            let text = metrics.text
            #expect(text.contains("optimistic_lock_conflicts{db_collection_name=\"page\",kind=\"changed\"} 1\n"))
            let system = backend == .sqlite ? "sqlite" : "postgresql"
            let updates =
                "db_client_operation_duration_count{db_system_name=\"\(system)\",db_operation_name=\"UPDATE\","
                + "db_collection_name=\"page\"} 2\n"
            #expect(text.contains(updates), "\(text)")
            #expect(text.contains("db_client_connection_wait_time_count{"))
            // No stored value and no version is a label or a value name.
            #expect(!text.contains("alice") && !text.contains("bob") && !text.contains(String(page.version)))
        }

        // The stale PUT's transaction failed with a conflict; its UPDATE is a child of it.
        let spans = tracer.finishedSpans
        let failed = spans.filter {
            $0.operationName == "TRANSACTION" && $0.attributes["error.type"]?.toSpanAttribute() == .string("ConcurrentUpdate")
        }
        #expect(failed.count == 1)
        let children = spans.filter { $0.parentSpanID == failed.first?.spanID }
        #expect(children.first?.operationName == "UPDATE page")
        let rendered = TraceLog.render(spans.filter { $0.traceID == failed.first?.traceID })
        #expect(rendered.first?.hasPrefix("TRANSACTION ") == true)
        #expect(rendered.contains { $0.hasPrefix("  UPDATE page ") && $0.contains("db.query.text=\"UPDATE ") })
        #expect(rendered.first?.contains("error.type=\"ConcurrentUpdate\"") == true)
        #expect(!rendered.joined().contains("bob"))

        let conflicts = logs.entries.filter { "\($0.message)" == "concurrent update" }
        #expect(conflicts.count == 1 && conflicts.first?.level == .debug)
        #expect(logs.entries.allSatisfy { $0.level <= .debug }, "\(logs.entries.filter { $0.level > .debug })")
    }

    @Test("Without a registry there is no /metrics route")
    func noRegistryNoRoute() async throws {
        try await withWiki(.sqlite) { wiki in
            let reply = try await wiki.client.send(.GET, "/metrics")
            #expect(reply.status == 404)
        }
    }

    @Test("The trace log waits for a trace's root, then renders it as a tree in the order spans began")
    func traceLogWaitsForTheRoot() throws {
        let tracer = InMemoryTracer()
        var waiting = TraceLog.Waiting()
        let root = tracer.startSpan("PUT /api/pages/{id}", context: .topLevel, ofKind: .server)
        let transaction = tracer.startSpan("TRANSACTION", context: root.context, ofKind: .client)
        let update = tracer.startSpan("UPDATE page", context: transaction.context, ofKind: .client)
        update.attributes["db.system.name"] = "sqlite"
        update.end()
        let select = tracer.startSpan("SELECT page", context: transaction.context, ofKind: .client)
        select.end()
        transaction.end()
        #expect(waiting.add(tracer.popFinishedSpans()).isEmpty)
        root.end()
        let traces = waiting.add(tracer.popFinishedSpans())
        #expect(traces.count == 1)
        let lines = TraceLog.render(try #require(traces.first))
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("PUT /api/pages/{id}  "))
        #expect(lines[1].hasPrefix("  TRANSACTION  "))
        #expect(lines[2].hasPrefix("    UPDATE page  ") && lines[2].hasSuffix("db.system.name=\"sqlite\""))
        #expect(lines[3].hasPrefix("    SELECT page  "))
    }

    @Test("Spans whose root never ends are dropped past the bound, oldest trace first")
    func traceLogIsBounded() {
        let tracer = InMemoryTracer()
        var waiting = TraceLog.Waiting()
        for _ in 0...TraceLog.maximumWaitingSpans {
            let root = tracer.startSpan("never ends", context: .topLevel, ofKind: .server)
            tracer.startSpan("child", context: root.context, ofKind: .client).end()
        }
        #expect(waiting.add(tracer.popFinishedSpans()).isEmpty)
        #expect(waiting.count == TraceLog.maximumWaitingSpans)
    }
}
