#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension DatabaseConnection {
    /// Runs a read-modify-write closure, and runs it again when it throws `ConcurrentUpdate`, after a
    /// short random pause that grows with each attempt (so competing writers spread out).
    ///
    /// The closure must read the record afresh each time (`find` or `reload`): a retry reapplies the
    /// change to the current row. Other errors end the loop at once.
    ///
    /// - Parameter maxAttempts: how many times to run the closure at most (at least 1).
    /// - Throws: the last `ConcurrentUpdate` when every attempt conflicted, or the closure's other errors.
    public func retryOnConflict<T>(maxAttempts: Int = 10, _ body: () throws -> T) throws -> T {
        var attempt = 1
        while true {
            do {
                return try body()
            } catch let conflict as ConcurrentUpdate {
                guard attempt < maxAttempts else { throw conflict }
                Backoff.pause(afterAttempt: attempt)
                attempt += 1
            }
        }
    }
}

/// The pause between attempts: uniformly random up to 0.1 ms × 2^attempt, at most 25 ms.
enum Backoff {
    static func pause(afterAttempt attempt: Int) {
        let ceiling = min(25_000, 100 << min(attempt, 8))
        let micros = Int.random(in: 0...ceiling)
        var request = timespec(tv_sec: 0, tv_nsec: micros * 1_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR {
            request = remaining
        }
    }
}
