#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension DatabaseConnection {
    /// Runs a read-modify-write closure as one transaction, and runs it again — after a rollback and a
    /// short random pause that grows with each attempt — when it throws `ConcurrentUpdate` or a
    /// failure that is retryable by nature (`DatabaseError.isRetryable`: busy, lock timeout,
    /// serialization failure, deadlock).
    ///
    /// Each attempt is atomic: it runs in its own transaction (a savepoint when a transaction is
    /// already open), so an attempt that conflicts halfway leaves none of its writes behind. The
    /// closure must read what it changes afresh each time (`find` or `reload`); records from outside
    /// the closure that it wrote keep versions no row has after a rolled-back attempt.
    ///
    /// Inside an already open transaction only `ConcurrentUpdate` is retried (the savepoint rolls
    /// back); busy, serialization and deadlock failures end the loop, because only the outermost
    /// transaction can be rerun.
    ///
    /// - Parameters:
    ///   - maxAttempts: how many times to run the closure at most (at least 1).
    ///   - body: the read-modify-write, run in one transaction (a savepoint inside an open one).
    /// - Throws: the last failure when every attempt failed, or the closure's other errors at once.
    public func retryOnConflict<T>(maxAttempts: Int = 10, _ body: () throws -> T) throws -> T {
        let nested = isInTransaction
        var attempt = 1
        while true {
            do {
                return try transaction(body)
            } catch {
                guard RetryPolicy.shouldRetry(error, nested: nested) else { throw error }
                guard attempt < maxAttempts else {
                    observer?.record(RetryPolicy.event(.retriesExhausted, error, attempt, context: observerContext))
                    throw error
                }
                observer?.record(RetryPolicy.event(.retry, error, attempt, context: observerContext))
                Backoff.pause(afterAttempt: attempt)
                attempt += 1
            }
        }
    }
}

/// Which failures a retry loop reruns.
package enum RetryPolicy {
    /// True for `ConcurrentUpdate`, and for retryable database errors when the attempt owns the
    /// outermost transaction.
    package static func shouldRetry(_ error: any Error, nested: Bool) -> Bool {
        if error is ConcurrentUpdate { return true }
        if let error = error as? DatabaseError { return !nested && error.isRetryable }
        return false
    }

    /// The observer's event for a retry of `attempt` after `error`, or for giving up.
    package static func event(
        _ kind: DatabaseEvent.Kind, _ error: any Error, _ attempt: Int, context: (any Sendable)?
    ) -> DatabaseEvent {
        var event = DatabaseEvent(kind, context: context)
        event.error = error
        event.attempt = attempt
        return event
    }
}

/// The pause between attempts: uniformly random up to 0.1 ms × 2^attempt, at most 25 ms ("full jitter").
package enum Backoff {
    /// The pause after `attempt` failed attempts, in microseconds.
    package static func microseconds(afterAttempt attempt: Int) -> Int {
        let ceiling = min(25_000, 100 << min(max(attempt, 0), 8))
        return Int.random(in: 0...ceiling)
    }

    /// Blocks the calling thread for the pause (synchronous connections only; pools sleep asynchronously).
    package static func pause(afterAttempt attempt: Int) {
        let micros = microseconds(afterAttempt: attempt)
        var request = timespec(tv_sec: 0, tv_nsec: micros * 1_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR {
            request = remaining
        }
    }
}
