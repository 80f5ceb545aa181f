import CoreMetrics
import Foundation
import InMemoryLogging
import InMemoryTracing
import Logging
import MetricsTestKit
import OptimisticLock
import OptimisticLockPostgres
import OptimisticLockTelemetry
import TestModels
import Testing
import Tracing

/// `Telemetry` over in-memory logs, metrics and traces: what an operator sees of a pool's work.
@Suite("Telemetry")
struct TelemetryTests {
    /// A `Telemetry` whose logs, metrics and spans the test can read.
    struct Recorder: Sendable {
        let logs = InMemoryLogHandler()
        let metrics = TestMetrics()
        let tracer = InMemoryTracer()

        var telemetry: Telemetry {
            let handler = logs
            var logger = Logger(label: "optimistic-lock-test") { _ in handler }
            logger.logLevel = .trace
            return Telemetry(logger: logger, tracer: tracer, metrics: metrics)
        }

        /// Log entries above `debug`.
        var loud: [InMemoryLogHandler.Entry] { logs.entries.filter { $0.level > .debug } }
    }

    static func pool(_ database: TestDatabase, _ recorder: Recorder, connections: Int = 2) -> AnyPool {
        AnyPool(
            database, sqlite: .init(readers: 1, observer: recorder.telemetry),
            postgres: .init(connections: connections, observer: recorder.telemetry))
    }

    @Test(
        "A checked update is one CLIENT span in its transaction's, under the caller's; SQL with placeholders, never values",
        arguments: Backend.available)
    func updateSpan(backend: Backend) async throws {
        let database = TestDatabase(backend)
        _ = try database.connectWithSchema()
        let recorder = Recorder()
        let pool = Self.pool(database, recorder)
        let secret = "a title nobody may see in a trace"
        let author = try await pool.write { db in
            var author = Author(name: "Ada")
            try author.insert(db)
            return author
        }
        recorder.tracer.clearFinishedSpans()
        let stored = author
        try await recorder.tracer.withSpan("GET /authors/1") { _ in
            try await pool.write { db in
                var edited = stored
                edited.name = secret
                try edited.update(db)
            }
        }
        let spans = recorder.tracer.finishedSpans
        let request = try #require(spans.first { $0.operationName == "GET /authors/1" })
        let transaction = try #require(spans.first { $0.operationName == "TRANSACTION" })
        let update = try #require(spans.first { $0.operationName == "UPDATE author" }, "\(spans.map(\.operationName))")
        #expect(transaction.parentSpanID == request.spanID, "the transaction is not the caller's child")
        #expect(update.parentSpanID == transaction.spanID, "the statement is not the transaction's child")
        #expect(update.kind == .client)
        let system = backend == .sqlite ? "sqlite" : "postgresql"
        #expect(update.attributes["db.system.name"]?.toSpanAttribute() == .string(system))
        #expect(update.attributes["db.collection.name"]?.toSpanAttribute() == .string("author"))
        #expect(update.attributes["db.operation.name"]?.toSpanAttribute() == .string("UPDATE"))
        guard case .string(let text)? = update.attributes["db.query.text"]?.toSpanAttribute() else {
            Issue.record("no db.query.text")
            return
        }
        #expect(text.contains(backend == .sqlite ? "?" : "$1") && !text.contains(secret) && !text.contains("Ada"))
        #expect(update.attributes["db.namespace"] != nil)
        if backend == .postgres { #expect(update.attributes["server.address"] != nil) }
        let timers = recorder.metrics.timers(
            label: "db.client.operation.duration",
            dimensions: [("db.system.name", system), ("db.operation.name", "UPDATE"), ("db.collection.name", "author")])
        #expect(timers.first?.values.count == 1)
        #expect(recorder.loud.isEmpty, "a successful run logged above debug: \(recorder.loud.map(\.message))")
        #expect(recorder.logs.entries.contains { $0.level == .trace && "\($0.message)" == "statement" })
        await pool.close()
    }

    @Test(
        "Two conflicts in retryOnConflict: one span over three attempts, conflicts{changed} = 2, retries = 2",
        arguments: Backend.available)
    func conflictsAndRetries(backend: Backend) async throws {
        let database = TestDatabase(backend)
        _ = try database.connectWithSchema()
        let recorder = Recorder()
        let pool = Self.pool(database, recorder)
        let id = try await pool.write { db -> Int64 in
            var counter = Counter()
            try counter.insert(db)
            return counter.id!
        }
        let attempts = Locked(0)
        try await pool.retryOnConflict { db in
            let attempt = attempts.withLock { count in
                count += 1
                return count
            }
            var row = try #require(try Counter.find(db, id: id))
            if attempt <= 2 {
                // Someone saves first (in this transaction, which the conflict rolls back).
                var other = row
                other.value += 100
                try other.update(db)
            }
            row.value += 1
            try row.update(db)
        }
        #expect(attempts.withLock { $0 } == 3)
        let retry = try #require(recorder.tracer.finishedSpans.first { $0.operationName == "retryOnConflict" })
        #expect(retry.attributes["optimistic_lock.attempts"]?.toSpanAttribute() == .int64(3))
        let transactions = recorder.tracer.finishedSpans.filter {
            $0.operationName == "TRANSACTION" && $0.parentSpanID == retry.spanID
        }
        #expect(transactions.count == 3, "each attempt's transaction is the retry span's child")
        #expect(transactions.filter { $0.attributes["error.type"]?.toSpanAttribute() == .string("ConcurrentUpdate") }.count == 2)
        #expect(
            recorder.metrics.counterTotal(
                label: "optimistic_lock.conflicts", dimensions: [("db.collection.name", "counter"), ("kind", "changed")]) == 2)
        #expect(recorder.metrics.counterTotal(label: "optimistic_lock.retries", dimensions: [("reason", "conflict")]) == 2)
        #expect(recorder.metrics.counterTotal(label: "optimistic_lock.retries.exhausted") == 0)
        #expect(recorder.loud.isEmpty, "\(recorder.loud.map(\.message))")
        await pool.close()
    }

    @Test("A pool of 2 with 5 requests at once: pending requests up to 3, a wait time for each")
    func poolWaits() async throws {
        guard Backend.postgresURL != nil else {
            print("note: OPTIMISTIC_LOCK_POSTGRES_URL is not set: the PostgreSQL pool-wait telemetry test is skipped")
            return
        }
        let database = TestDatabase(.postgres)
        _ = try database.connectWithSchema()
        let recorder = Recorder()
        let pool = PostgresPool(url: database.path, configuration: .init(connections: 2, observer: recorder.telemetry))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<5 { group.addTask { try await pool.read { db in _ = try db.query("SELECT pg_sleep(0.3)") } } }
            try await group.waitForAll()
        }
        let pending = recorder.metrics.meters(
            label: "db.client.connection.pending_requests", dimensions: [("db.client.connection.pool.name", "postgres")])
        #expect(pending.first?.values.max() == 3, "\(pending.first?.values ?? [])")
        let waits = recorder.metrics.timers(
            label: "db.client.connection.wait_time", dimensions: [("db.client.connection.pool.name", "postgres")])
        #expect(waits.first?.values.count == 5)
        let used = recorder.metrics.meters(
            label: "db.client.connection.count",
            dimensions: [("db.client.connection.state", "used"), ("db.client.connection.pool.name", "postgres")])
        #expect(used.first?.values.max() == 2)
        #expect(recorder.loud.isEmpty, "\(recorder.loud.map(\.message))")
        await pool.close()
    }

    @Test("A killed PostgreSQL backend: one warning, and a new connection")
    func killedBackend() async throws {
        guard Backend.postgresURL != nil else {
            print("note: OPTIMISTIC_LOCK_POSTGRES_URL is not set: the PostgreSQL killed-backend telemetry test is skipped")
            return
        }
        let database = TestDatabase(.postgres)
        let admin = try database.connectWithSchema()
        let recorder = Recorder()
        let pool = PostgresPool(url: database.path, configuration: .init(connections: 1, observer: recorder.telemetry))
        let pid = try await pool.read { db in db.backendProcessID }
        _ = try admin.query("SELECT pg_terminate_backend($1::int)", [.integer(Int64(pid))])
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await pool.read { db in db.backendProcessID } != pid)
        let warnings = recorder.logs.entries.filter { $0.level == .warning }
        #expect(warnings.count == 1, "\(warnings.map(\.message))")
        #expect(warnings.first.map { "\($0.message)".contains("connection lost") } == true)
        #expect(recorder.logs.entries.filter { "\($0.message)" == "connection opened" }.count == 2)
        await pool.close()
    }
}
