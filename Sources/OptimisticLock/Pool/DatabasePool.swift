/// A `Sendable` pool of connections for servers, the same for every backend (`SQLitePool`,
/// `PostgresPool`): create one when the app starts, share it, and call it with `try await`.
///
/// The closures are synchronous and run on the pool's own threads, never on Swift's cooperative
/// pool: inside them the generated API is used unchanged (`try post.update(db)`), and a request
/// waiting for a connection or for the database suspends without holding a thread. Cancelling the
/// calling task stops a waiting request, and interrupts a running statement (the transaction rolls
/// back and the request gets `CancellationError`); the connection stays usable.
public protocol DatabasePool: Sendable {
    /// The backend's connection type, which the closures receive.
    associatedtype Connection: DatabaseConnection

    /// Runs `body` in one transaction on a connection: committed when it returns, rolled back when
    /// it throws (the error is rethrown).
    func write<T: Sendable>(_ body: @Sendable (Connection) throws -> T) async throws -> T

    /// Runs `body` on a writing connection without a transaction around it: each statement commits
    /// on its own. For a closure that runs one statement — a checked `update` or `delete` of a record
    /// whose version came with the request, which is atomic by itself — this saves the `BEGIN` and
    /// `COMMIT` round trips; anything that must be all-or-nothing belongs in `write`. A statement's
    /// own failure (`ConcurrentUpdate`, a constraint) speaks for that statement: the ones before it
    /// committed on their own. When the body is stopped as a whole — its task cancelled, its time
    /// up, its connection lost, a transaction it left open rolled back — after one of its
    /// statements may have written, it fails with `.partiallyCommitted` (what they wrote is kept),
    /// never with an error that says nothing of the request was.
    func writeWithoutTransaction<T: Sendable>(_ body: @Sendable (Connection) throws -> T) async throws -> T

    /// Runs `body` for reading: on SQLite on one of the reader connections, beside the writer (WAL),
    /// in a snapshot of its own; on PostgreSQL on any connection.
    func read<T: Sendable>(_ body: @Sendable (Connection) throws -> T) async throws -> T

    /// The observer told about the pool's work (see `DatabaseObserver`); nil for none.
    var observer: (any DatabaseObserver)? { get }

    /// Refuses new requests, fails waiting ones, lets running ones finish (on PostgreSQL within
    /// their request timeout and a 2 s grace), and closes every connection.
    func close() async
}

extension DatabasePool {
    /// Runs a read-modify-write closure as one `write` transaction, and again — after the
    /// transaction rolled back and the connection went back to the pool, and an asynchronous,
    /// jittered pause that grows with each attempt (`Task.sleep`, never a blocked thread) — when it
    /// throws `ConcurrentUpdate` or a failure that is retryable by nature (`DatabaseError.isRetryable`).
    ///
    /// Connection failures are never retried: a write may have committed before the connection broke.
    ///
    /// - Parameters:
    ///   - maxAttempts: how many times to run the closure at most (at least 1).
    ///   - body: the read-modify-write, run in one `write` transaction per attempt.
    /// - Throws: the last failure when every attempt failed, the closure's other errors at once, or
    ///   `CancellationError`.
    public func retryOnConflict<T: Sendable>(
        maxAttempts: Int = 10, _ body: @Sendable (Connection) throws -> T
    ) async throws -> T {
        guard let observer else { return try await attempts(maxAttempts, observer: nil, body) }
        return try await observer.observingRetries { try await attempts(maxAttempts, observer: observer, body) }
    }

    private func attempts<T: Sendable>(
        _ maxAttempts: Int, observer: (any DatabaseObserver)?, _ body: @Sendable (Connection) throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await write(body)
            } catch {
                guard RetryPolicy.shouldRetry(error, nested: false) else { throw error }
                guard attempt < maxAttempts else {
                    observer?.record(RetryPolicy.event(.retriesExhausted, error, attempt, context: observer?.currentContext()))
                    throw error
                }
                observer?.record(RetryPolicy.event(.retry, error, attempt, context: observer?.currentContext()))
                try await Task.sleep(for: .microseconds(Backoff.microseconds(afterAttempt: attempt)))
                attempt += 1
            }
        }
    }
}

extension DatabasePool {
    /// No observer.
    public var observer: (any DatabaseObserver)? { nil }
}
