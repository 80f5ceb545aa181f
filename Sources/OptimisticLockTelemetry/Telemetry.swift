import CoreMetrics
import Logging
import OptimisticLock
import Tracing

/// Logs, metrics and traces of pools and connections, with OpenTelemetry's database names: a
/// `DatabaseObserver` over swift-log, swift-metrics and swift-distributed-tracing, using the
/// bootstrapped `MetricsSystem` and `InstrumentationSystem` unless given others (so make it after
/// bootstrapping them: it keeps the ones it found).
///
/// ```swift
/// let telemetry = Telemetry(logger: Logger(label: "db"))
/// let pool = PostgresPool(url: url, configuration: .init(observer: telemetry))
/// ```
///
/// - **Traces**: a CLIENT span per statement named `"<db.operation.name> <db.collection.name>"`
///   (`UPDATE post`) with `db.system.name`, `db.collection.name`, `db.operation.name`,
///   `db.query.text` (the SQL with placeholders, never values), `db.namespace`,
///   `server.address`/`server.port` (PostgreSQL), and on failure `db.response.status_code` (the
///   SQLSTATE, or SQLite's result code) and `error.type`; a `TRANSACTION` span parenting its
///   statements; a `retryOnConflict` span covering every attempt (`optimistic_lock.attempts`).
///   Spans are children of the caller's (a request's span): a pool takes the caller's context
///   when the request begins.
/// - **Metrics**: `db.client.operation.duration` (timer; `db.system.name`, `db.operation.name`,
///   `db.collection.name`), `db.client.connection.count` (meter; `db.client.connection.state` =
///   `idle`/`used`, `db.client.connection.pool.name`), `db.client.connection.pending_requests`
///   (meter), `db.client.connection.wait_time` (timer), `db.client.connection.timeouts`
///   (counter), `optimistic_lock.conflicts` (counter; `db.collection.name`, `kind` =
///   `changed`/`deleted`), `optimistic_lock.retries` (counter; `reason` = `conflict`, `busy`,
///   `serialization_failure`, `deadlock`), `optimistic_lock.retries.exhausted` (counter). No ids
///   or versions as dimensions.
/// - **Logs**: `trace` per statement and transaction, `debug` for conflicts, retries and
///   connections opened, `warning` for a connection that failed to open or was lost and a replica
///   skipped, with metadata (table, key, versions, SQLSTATE). Bound values are never known to it,
///   and error messages that can quote stored values are withheld (see `reportsErrorMessages`).
public struct Telemetry: DatabaseObserver {
    /// Where logs go.
    public let logger: Logger
    private let tracer: any Tracer
    private let instruments: Instruments
    /// Whether statements and transactions are worth observing: false when the tracer and the
    /// metrics factory are no-ops and the logger is above `trace`, so that nothing would come of
    /// it (the connections then skip the calls; events are still recorded).
    public let observesOperations: Bool
    /// False for a no-op tracer: no spans to start.
    private let isTracing: Bool
    /// Whether errors go into spans and logs with their messages. Off by default: a server's message
    /// can quote stored values (PostgreSQL's DETAIL: "Failing row contains (...)"), so errors of the
    /// kinds that can are reported by kind, SQLSTATE or SQLite code, table, column and constraint.
    public let reportsErrorMessages: Bool

    /// An observer logging to `logger`, tracing with `tracer` (the bootstrapped
    /// `InstrumentationSystem.tracer` by default) and measuring with `metrics` (the bootstrapped
    /// `MetricsSystem.factory` by default).
    ///
    /// - Parameters:
    ///   - observesOperations: whether connections report each statement and transaction; by
    ///     default, when the tracer or the metrics factory is not a no-op or `logger` is at `trace`
    ///     — read once, here: pass true to lower a logger's level to `trace` later and see statements.
    ///   - reportsErrorMessages: put every error's message into spans and logs, including those
    ///     that can quote stored values (see `reportsErrorMessages`).
    public init(
        logger: Logger = Logger(label: "optimistic-lock"), tracer: (any Tracer)? = nil, metrics: (any MetricsFactory)? = nil,
        observesOperations: Bool? = nil, reportsErrorMessages: Bool = false
    ) {
        self.logger = logger
        let tracer = tracer ?? InstrumentationSystem.tracer
        let factory = metrics ?? MetricsSystem.factory
        self.tracer = tracer
        instruments = Instruments(factory: factory)
        isTracing = !(tracer is NoOpTracer)
        self.observesOperations =
            observesOperations ?? (isTracing || !(factory is NOOPMetricsHandler) || logger.logLevel <= .trace)
        self.reportsErrorMessages = reportsErrorMessages
    }

    // MARK: Context

    /// The caller's trace context.
    public func currentContext() -> (any Sendable)? {
        InstrumentationContext.current ?? .topLevel
    }

    /// A `retryOnConflict` span around the attempts, which become its children.
    public func observingRetries<T: Sendable>(_ attempts: () async throws -> T) async throws -> T {
        let counter = AttemptCounter()
        let span = tracer.startSpan("retryOnConflict", context: InstrumentationContext.current ?? .topLevel, ofKind: .internal)
        defer {
            span.attributes["optimistic_lock.attempts"] = counter.value
            span.end()
        }
        do {
            return try await InstrumentationContext.withValue(span.context) {
                try await AttemptCounter.$current.withValue(counter) { try await attempts() }
            }
        } catch {
            span.recordError(reported(error))
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }

    // MARK: Statements and transactions

    /// Starts the operation's span (when there is a tracer).
    public func started(_ operation: DatabaseOperation) -> (any Sendable)? {
        let shape = instruments.shape(of: operation)
        guard isTracing else { return shape }
        let span = tracer.startSpan(shape.name, context: Self.context(of: operation.parent), ofKind: .client)
        span.attributes = instruments.attributes(of: operation)
        return SpanToken(span: span, shape: shape)
    }

    /// Ends the operation's span, measures it, logs it.
    public func finished(_ operation: DatabaseOperation, token: (any Sendable)?, outcome: DatabaseOperation.Outcome) {
        let started = token as? SpanToken
        if let span = started?.span {
            if let error = outcome.error {
                if let code = Self.statusCode(error) { span.attributes["db.response.status_code"] = code }
                span.attributes["error.type"] = Self.errorType(error)
                span.recordError(reported(error))
                span.setStatus(SpanStatus(code: .error))
            }
            span.end()
        }
        let shape = started?.shape ?? (token as? Instruments.Shape) ?? instruments.shape(of: operation)
        shape.duration?.recordNanoseconds(Self.nanoseconds(outcome.duration))
        logger.trace(
            operation.isTransaction ? "transaction" : "statement",
            metadata: [
                "db.query.text": .string(operation.sql ?? "TRANSACTION"),
                "duration_ms": .stringConvertible(Double(Self.nanoseconds(outcome.duration)) / 1e6),
                "rows": .string(outcome.rowsChanged.map(String.init) ?? "-"),
                "error": .string(outcome.error.map(describe) ?? "-"),
            ])
    }

    // MARK: Events

    /// Counts, measures and logs the event.
    public func record(_ event: DatabaseEvent) {
        switch event.kind {
        case .conflict:
            guard let conflict = event.conflict else { return }
            instruments.counter(
                "optimistic_lock.conflicts",
                [("db.collection.name", conflict.table), ("kind", conflict.isDeleted ? "deleted" : "changed")]
            ).increment()
            (event.context as? SpanToken)?.span.addEvent(SpanEvent(name: "conflict"))
            logger.debug(
                "concurrent update",
                metadata: [
                    "db.collection.name": .string(conflict.table), "key": .string(conflict.primaryKey),
                    "expected_version": .stringConvertible(conflict.expectedVersion),
                    "actual_version": .string(conflict.actualVersion.map(String.init) ?? "deleted"),
                ])
        case .retry:
            AttemptCounter.current?.increment()
            let reason = Self.retryReason(event.error)
            instruments.counter("optimistic_lock.retries", [("reason", reason)]).increment()
            logger.debug(
                "retrying", metadata: ["reason": .string(reason), "attempt": .stringConvertible(event.attempt ?? 0)])
        case .retriesExhausted:
            instruments.counter("optimistic_lock.retries.exhausted", []).increment()
            logger.debug(
                "retries exhausted",
                metadata: [
                    "attempts": .stringConvertible(event.attempt ?? 0), "error": .string(event.error.map(describe) ?? "-"),
                ])
        case .waited:
            let pool = event.pool ?? ""
            if let duration = event.duration {
                instruments.timer("db.client.connection.wait_time", [("db.client.connection.pool.name", pool)])
                    .recordNanoseconds(Self.nanoseconds(duration))
            }
            if let error = event.error as? DatabaseError, error.kind == .timeout {
                instruments.counter("db.client.connection.timeouts", [("db.client.connection.pool.name", pool)]).increment()
            }
        case .usage:
            let pool = event.pool ?? ""
            instruments.meter(
                "db.client.connection.count", [("db.client.connection.state", "idle"), ("db.client.connection.pool.name", pool)]
            ).set(event.idle ?? 0)
            instruments.meter(
                "db.client.connection.count", [("db.client.connection.state", "used"), ("db.client.connection.pool.name", pool)]
            ).set(event.used ?? 0)
            instruments.meter("db.client.connection.pending_requests", [("db.client.connection.pool.name", pool)])
                .set(event.pending ?? 0)
        case .connectionOpened:
            logger.debug("connection opened", metadata: poolMetadata(event))
        case .connectFailed:
            logger.warning("cannot connect", metadata: poolMetadata(event, withError: true))
        case .connectionLost:
            logger.warning("connection lost; a new one replaces it", metadata: poolMetadata(event))
        case .replicaSkipped:
            logger.warning("read replica skipped for a while", metadata: poolMetadata(event, withError: true))
        default:
            logger.debug("database event", metadata: ["kind": .string(event.kind.name)])
        }
    }

    /// A pool event's log metadata: the pool's name, and its error as `describe` reports it.
    private func poolMetadata(_ event: DatabaseEvent, withError: Bool = false) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["db.client.connection.pool.name": .string(event.pool ?? "")]
        if withError { metadata["error"] = .string(event.error.map(describe) ?? "-") }
        return metadata
    }

    // MARK: Names

    /// The trace context of a parent: a span's, a request's, or the current task's.
    static func context(of parent: (any Sendable)?) -> InstrumentationContext {
        if let token = parent as? SpanToken { return token.span.context }
        if let context = parent as? InstrumentationContext { return context }
        return InstrumentationContext.current ?? .topLevel
    }

    /// `db.response.status_code`: the SQLSTATE, or SQLite's result code.
    static func statusCode(_ error: any Error) -> String? {
        guard let error = error as? DatabaseError else { return nil }
        if let state = error.sqlState { return state }
        return error.code == 0 ? nil : String(error.code)
    }

    /// `error.type`: `ConcurrentUpdate`, the `DatabaseError`'s kind, or the error's type.
    static func errorType(_ error: any Error) -> String {
        if error is ConcurrentUpdate { return "ConcurrentUpdate" }
        if let error = error as? DatabaseError { return "DatabaseError.\(error.kind)" }
        return String(describing: type(of: error))
    }

    /// The `reason` of a retry.
    static func retryReason(_ error: (any Error)?) -> String {
        guard let error = error as? DatabaseError else { return "conflict" }
        switch error.kind {
        case .busy: return "busy"
        case .serializationFailure: return "serialization_failure"
        case .deadlock: return "deadlock"
        default: return "other"
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }
}

/// A span, as the token of a started operation.
struct SpanToken: @unchecked Sendable {
    let span: any Span
    /// What the span's statement or transaction is.
    let shape: Instruments.Shape
}

/// The attempts of one `retryOnConflict`, counted by its retry events (a task-local: the events
/// come on the caller's task).
final class AttemptCounter: @unchecked Sendable {
    @TaskLocal static var current: AttemptCounter?
    private let lock = ThreadLock(1)

    var value: Int { lock.withLock { $0 } }

    func increment() { lock.withLock { $0 += 1 } }
}
