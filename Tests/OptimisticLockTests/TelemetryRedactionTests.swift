import CoreMetrics
import Foundation
import InMemoryLogging
import InMemoryTracing
import Logging
import MetricsTestKit
import OptimisticLock
import OptimisticLockPostgres
import OptimisticLockSQL
import TestModels
import TestSupport
import Testing
import Tracing

@testable import OptimisticLockTelemetry

/// What `Telemetry` must never turn into spans, logs or metric series: stored values quoted by a
/// server's message, text inside SQL comments and literals, an unbounded number of series.
@Suite("Telemetry: what it never reports")
struct TelemetryRedactionTests {
    @Test(
        "A constraint violation's stored values are in no span and no log; its kind, SQLSTATE and constraint are",
        arguments: Backend.available)
    func constraintDetailWithheld(backend: Backend) throws {
        let database = TestDatabase(backend)
        _ = try database.connectWithSchema()
        let logs = InMemoryLogHandler()
        var logger = Logger(label: "redaction") { _ in logs }
        logger.logLevel = .trace
        let tracer = InMemoryTracer()
        let telemetry = Telemetry(logger: logger, tracer: tracer, metrics: TestMetrics())
        let db: any DatabaseConnection =
            backend == .sqlite
            ? try SQLiteConnection(path: database.path, observer: telemetry)
            : try PostgresConnection(url: database.path, observer: telemetry)
        let table = "secret_\(UInt32.random(in: 0...UInt32.max))"
        try db.executeScript("CREATE TABLE \(table) (k text PRIMARY KEY, v text CONSTRAINT v_short CHECK (length(v) < 5))")
        defer { try? db.executeScript("DROP TABLE \(table)") }
        let secret = "s3cr3t-api-key-of-another-user"
        let placeholders = backend == .sqlite ? "?, ?" : "$1, $2"
        try db.execute("INSERT INTO \(table) (k, v) VALUES (\(placeholders))", [.text("taken-\(secret)"), .text("ok")])
        let sql = "INSERT INTO \(table) (k, v) VALUES (\(placeholders))"
        let check = #expect(throws: DatabaseError.self) { try db.execute(sql, [.text("k1"), .text(secret)]) }
        let unique = #expect(throws: DatabaseError.self) { try db.execute(sql, [.text("taken-\(secret)"), .text("ok")]) }
        #expect(check?.kind == .constraint(.check) && unique?.isUniqueViolation == true)
        if backend == .postgres {
            // The error itself keeps the server's whole message, for the caller.
            #expect(check?.message.contains(secret) == true, "\(String(describing: check))")
        }

        let spans = tracer.finishedSpans
        let failed = spans.filter { $0.attributes["error.type"] != nil }
        #expect(failed.count == 2)
        let dump = spans.map { "\($0.operationName) \($0.attributes) \($0.errors.map { "\($0.error)" }) \($0.events)" }
        #expect(!dump.joined().contains(secret), "\(dump)")
        let recorded = failed.flatMap(\.errors).map { "\($0.error)" }
        #expect(
            recorded.contains { $0.contains("DatabaseError.constraint.check") && $0.contains("message withheld") }, "\(recorded)")
        if backend == .postgres {
            #expect(recorded.contains { $0.contains("SQLSTATE 23514") && $0.contains("constraint v_short") }, "\(recorded)")
        }
        let logged = logs.entries.map { "\($0.message) \($0.metadata)" }
        #expect(!logged.joined().contains(secret), "\(logged)")

        guard backend == .postgres else { return }
        // A trigger can raise any text under any SQLSTATE (40001 to force a retry): withheld too.
        try db.executeScript(
            """
            CREATE FUNCTION \(table)_raise() RETURNS trigger LANGUAGE plpgsql AS $f$
            BEGIN RAISE EXCEPTION 'card %', NEW.v USING ERRCODE = '40001'; END $f$;
            CREATE TRIGGER \(table)_raise BEFORE INSERT ON \(table) FOR EACH ROW EXECUTE FUNCTION \(table)_raise();
            """)
        defer { try? db.executeScript("DROP FUNCTION \(table)_raise() CASCADE") }
        let raised = #expect(throws: DatabaseError.self) { try db.execute(sql, [.text("k2"), .text("4111")]) }
        #expect(raised?.kind == .serializationFailure && raised?.message.contains("4111") == true)
        let after = tracer.finishedSpans.flatMap(\.errors).map { "\($0.error)" } + logs.entries.map { "\($0.metadata)" }
        #expect(!after.joined().contains("4111"), "\(after)")
    }

    @Test("With reportsErrorMessages the message is reported as it is")
    func messagesOnRequest() throws {
        let logs = InMemoryLogHandler()
        var logger = Logger(label: "redaction") { _ in logs }
        logger.logLevel = .trace
        let telemetry = Telemetry(logger: logger, reportsErrorMessages: true)
        let db = try SQLiteConnection(path: ":memory:", observer: telemetry)
        try db.executeScript("CREATE TABLE t (v text CHECK (length(v) < 5))")
        #expect(throws: DatabaseError.self) { try db.execute("INSERT INTO t (v) VALUES (?)", [.text("too long")]) }
        #expect(logs.entries.contains { "\($0.metadata["error"].map { "\($0)" } ?? "")".contains("CHECK constraint failed") })
        let quiet = Telemetry(logger: logger)
        #expect(
            quiet.describe(DatabaseError(kind: .constraint(.check), message: "Failing row contains (x)")).contains("withheld"))
        #expect(
            quiet.describe(DatabaseError(kind: .connection, message: "server closed the connection")).contains("server closed"))
        #expect(quiet.describe(CocoaError(.fileNoSuchFile)) == "CocoaError")
    }

    @Test("observesOperations: decided once from the backends and the logger's level, or forced")
    func observesOperations() throws {
        let logs = InMemoryLogHandler()
        var logger = Logger(label: "level") { _ in logs }
        logger.logLevel = .info
        let noTracer = NoOpTracer()
        let noMetrics = NOOPMetricsHandler.instance
        #expect(!Telemetry(logger: logger, tracer: noTracer, metrics: noMetrics).observesOperations)
        #expect(Telemetry(logger: logger, tracer: noTracer, metrics: TestMetrics()).observesOperations)
        let forced = Telemetry(logger: logger, tracer: noTracer, metrics: noMetrics, observesOperations: true)
        #expect(forced.observesOperations)
        // Forced on, a statement reaches the log once the handler's level is lowered.
        var traced = logger
        traced.logLevel = .trace
        let db = try SQLiteConnection(
            path: ":memory:", observer: Telemetry(logger: traced, tracer: noTracer, metrics: noMetrics, observesOperations: true))
        _ = try db.query("SELECT 1")
        #expect(logs.entries.contains { "\($0.message)" == "statement" })
    }

    @Test("Summaries: comments, literals and schema names never become operations or tables")
    func summaries() {
        let cases: [(String, String?, String?)] = [
            ("UPDATE \"post\" SET \"title\" = ? WHERE \"id\" = ?", "UPDATE", "post"),
            ("/* r17x */ SELECT 1 FROM author", "SELECT", "author"),
            ("-- nightly job\nDELETE FROM session WHERE expires < $1", "DELETE", "session"),
            ("UPDATE public.post SET x = 1", "UPDATE", "post"),
            ("SELECT * FROM main.\"author\"", "SELECT", "author"),
            ("SELECT E'it\\'s FROM alice_secret_token' AS x", "SELECT", nil),
            ("SELECT $$ FROM bob_secret $$", "SELECT", nil),
            ("SELECT $tag$ FROM carol_secret $tag$ FROM real_table", "SELECT", "real_table"),
            ("SELECT 'it''s FROM dave_secret' FROM t WHERE a = $1", "SELECT", "t"),
            ("R0X the first word is not a command", nil, nil),
            ("/* nested /* comment */ FROM eve_secret */ INSERT INTO \"page\" (a) VALUES (1)", "INSERT", "page"),
            ("insert into Blog.Posts (a) values ($1)", "INSERT", "posts"),
            ("SELECT count(*) FROM (SELECT 1 FROM inner_table) AS s", "SELECT", nil),
            ("DELETE FROM ONLY post WHERE id = $1", "DELETE", "post"),
            (
                "SELECT " + (0..<25).map { "p.c\($0)" }.joined(separator: ", ")
                    + " FROM post p JOIN author a ON a.id = p.author_id",
                "SELECT", "post"
            ),
        ]
        for (sql, operation, collection) in cases {
            let summary = SQLSummary(sql)
            #expect(summary.operation == operation, "\(sql)")
            #expect(summary.collection == collection, "\(sql)")
        }
    }

    @Test("Past the cache's limit every new series goes to one _OTHER series with the same dimension names")
    func seriesAreBounded() {
        let metrics = TestMetrics()
        let instruments = Instruments(factory: metrics)
        for index in 0..<(Instruments.cacheLimit + 500) {
            instruments.timer(
                "db.client.operation.duration", [("db.system.name", "sqlite"), ("db.collection.name", "t\(index)")]
            )
            .recordNanoseconds(1)
        }
        // Another metric keeps its own series.
        instruments.timer("db.client.connection.wait_time", [("db.client.connection.pool.name", "sqlite-writer")])
            .recordNanoseconds(1)
        #expect(metrics.timers.count == Instruments.cacheLimit + 2)
        #expect(
            (try? metrics.expectTimer("db.client.connection.wait_time", [("db.client.connection.pool.name", "sqlite-writer")]))
                != nil)
        let other = try? metrics.expectTimer(
            "db.client.operation.duration", [("db.system.name", "_OTHER"), ("db.collection.name", "_OTHER")])
        #expect(other?.values.count == 500)
    }
}
