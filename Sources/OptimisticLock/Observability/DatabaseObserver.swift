/// Watches what connections and pools do — statements, transactions, conflicts, retries, waits for
/// a connection, connections opened and lost — for logs, metrics and traces. The product
/// `OptimisticLockTelemetry` provides one over swift-log, swift-metrics and swift-distributed-tracing
/// (`Telemetry`); write your own by implementing what you need: every method has a default that
/// does nothing.
///
/// ```swift
/// let pool = PostgresPool(url: url, configuration: .init(observer: Telemetry(logger: logger)))
/// let db = try SQLiteConnection(path: "app.sqlite", observer: Telemetry(logger: logger))
/// ```
///
/// With no observer, none of this costs anything but a nil check per statement. Methods are
/// called on the thread that does the work — a pool's own thread for statements and transactions,
/// the caller's task for `currentContext()`, `observingRetries(_:)` and pool events — and must
/// return quickly. Bound values are never given to an observer.
public protocol DatabaseObserver: Sendable {
    /// Whether it wants `started` and `finished` for every statement and transaction (read once,
    /// when a connection gets the observer): false spares each statement the observer's calls
    /// and clock readings, while events still come to `record`.
    var observesOperations: Bool { get }

    /// Called on the caller's task as a pool request begins (and as `retryOnConflict` begins):
    /// what it returns is the parent of what the request then does on the pool's thread — the
    /// caller's trace context, say, so that statement spans are children of the request's span.
    func currentContext() -> (any Sendable)?

    /// Wraps the attempts of a pool's `retryOnConflict`, on the caller's task: a span covering
    /// every attempt, say (the attempts' own requests then take it as their context).
    func observingRetries<T: Sendable>(_ attempts: () async throws -> T) async throws -> T

    /// A statement or a transaction begins; what it returns comes back to `finished` (a span).
    func started(_ operation: DatabaseOperation) -> (any Sendable)?

    /// The statement or transaction `started` returned `token` for has ended.
    func finished(_ operation: DatabaseOperation, token: (any Sendable)?, outcome: DatabaseOperation.Outcome)

    /// Something else happened: a conflict, a retry, a wait for a connection, a connection opened
    /// or lost, a replica skipped.
    func record(_ event: DatabaseEvent)
}

extension DatabaseObserver {
    /// True.
    public var observesOperations: Bool { true }

    /// No context.
    public func currentContext() -> (any Sendable)? { nil }

    /// Runs the attempts.
    public func observingRetries<T: Sendable>(_ attempts: () async throws -> T) async throws -> T {
        try await attempts()
    }

    /// Nothing.
    public func started(_ operation: DatabaseOperation) -> (any Sendable)? { nil }

    /// Nothing.
    public func finished(_ operation: DatabaseOperation, token: (any Sendable)?, outcome: DatabaseOperation.Outcome) {}

    /// Nothing.
    public func record(_ event: DatabaseEvent) {}
}
