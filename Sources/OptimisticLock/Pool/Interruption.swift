import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a pool stops the work running on one of its connections when the task that asked for it is
/// cancelled: a flag every statement checks before it runs, and the backend's own interrupt for the
/// statement in flight (`sqlite3_interrupt`, `PQcancel`).
///
/// A request belongs to the job that was running when it was made: the connection's worker ends a
/// job with `end()`, after which a late request cannot reach the next job. An interrupt that cannot
/// block (`sqlite3_interrupt`) runs under the lock `end()` takes, so it is over when `end()` returns.
/// One that may block (`PQcancel` opens a connection to the server, with no timeout) runs on a
/// thread of its own without the lock, again and again until the job ends (a cancel that arrives
/// before the statement does is lost), so a cancel the server never answers holds up nothing;
/// `end()` then says one may still arrive, and the worker replaces the connection rather than let
/// the cancel reach the next job.
package final class ConnectionInterruption: Sendable {
    private let requested = Atomic<Bool>(false)
    private let state: ThreadLock<State>

    private struct State {
        var generation: UInt64 = 0
        var native: (@Sendable () -> Void)?
        /// Blocking interrupts under way (of any generation).
        var inFlight = 0
    }

    /// Whether the native interrupt blocks (PostgreSQL's `PQcancel` talks to the server), so it runs
    /// on a thread of its own rather than in the cancelling task.
    private let nativeBlocks: Bool

    /// - Parameter nativeBlocks: true when `native` may block.
    package init(nativeBlocks: Bool = false) {
        self.nativeBlocks = nativeBlocks
        state = ThreadLock(State())
    }

    /// True once the running job was asked to stop: statements refuse to start.
    @inline(__always)
    package var isRequested: Bool { requested.load(ordering: .relaxed) }

    /// The error of a statement or a commit refused because the running job was asked to stop.
    package static func cancelled(sql: String?) -> DatabaseError {
        DatabaseError(kind: .interrupted, message: "interrupted: the task was cancelled", sql: sql)
    }

    /// Throws `cancelled(sql:)` once the running job was asked to stop: a statement must not
    /// start, and a transaction must not commit.
    @inline(__always)
    package func check(sql: String?) throws {
        if _slowPath(isRequested) { throw Self.cancelled(sql: sql) }
    }

    /// Installs (or with nil removes, when the connection closes) the backend's interrupt.
    package func setNative(_ native: (@Sendable () -> Void)?) {
        state.withLock { $0.native = native }
    }

    /// Asks the running job to stop: statements refuse to start, and the one in flight is interrupted.
    package func request() {
        requested.store(true, ordering: .relaxed)
        interrupt(repeating: true)
    }

    /// Interrupts the statement in flight without refusing the job's next statements: for a
    /// statement whose time ran out (its connection refuses what comes after it on its own). Sent
    /// once: the statement has been running for a while, so the interrupt cannot arrive before it.
    package func interruptStatement() {
        interrupt(repeating: false)
    }

    private func interrupt(repeating: Bool) {
        let generation = state.withLock { $0.generation }
        guard nativeBlocks else {
            state.withLock { state in
                guard state.generation == generation else { return }
                state.native?()
            }
            return
        }
        WorkerThread.detach(name: "optimistic-lock-cancel") { [self] in
            // A cancel that reaches the server before the statement does finds nothing to cancel
            // (the statement checked `isRequested` an instant before it was set): so a job's
            // cancel is sent again while the job runs, until `end()`.
            while true {
                let native = state.withLock { state -> (@Sendable () -> Void)? in
                    guard state.generation == generation, let native = state.native else { return nil }
                    state.inFlight += 1
                    return native
                }
                guard let native else { return }
                native()
                state.withLock { $0.inFlight -= 1 }
                guard repeating else { return }
                usleep(Self.repeatMicroseconds)
            }
        }
    }

    /// How often a blocking interrupt is sent again while the job it stops still runs.
    private static let repeatMicroseconds: UInt32 = 50_000

    /// Ends the current job: no later request reaches the connection's next job. Returns true when
    /// a blocking interrupt is still under way (it may reach the server after this returns, so the
    /// connection must not run another job).
    @discardableResult
    package func end() -> Bool {
        let inFlight = state.withLock { state -> Bool in
            state.generation &+= 1
            return state.inFlight > 0
        }
        requested.store(false, ordering: .relaxed)
        return inFlight
    }

    /// After `end()` said an interrupt is under way: waits at most `bound` for it to return, and
    /// says whether it did. The statement it aimed at has ended, so a cancel the server answered
    /// returns within moments (its reply races the statement's own error); one that does not (a
    /// server that stopped, a network that drops packets) keeps the connection from its next job.
    package func settle(within bound: Duration) -> Bool {
        let until = ContinuousClock.now + bound
        while true {
            if state.withLock({ $0.inFlight == 0 }) { return true }
            guard ContinuousClock.now < until else { return false }
            usleep(1_000)
        }
    }
}
