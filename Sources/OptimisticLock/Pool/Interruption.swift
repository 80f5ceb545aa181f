import Synchronization

/// How a pool stops the work running on one of its connections when the task that asked for it is
/// cancelled: a flag every statement checks before it runs, and the backend's own interrupt for the
/// statement in flight (`sqlite3_interrupt`, `PQcancel`).
///
/// A request belongs to the job that was running when it was made: the connection's worker ends a
/// job with `end()`, after which a late request (or a `PQcancel` still on its way) cannot reach the
/// next job.
package final class ConnectionInterruption: Sendable {
    private let requested = Atomic<Bool>(false)
    private let state: Mutex<State>

    private struct State {
        var generation: UInt64 = 0
        var native: (@Sendable () -> Void)?
    }

    /// Whether the native interrupt blocks (PostgreSQL's `PQcancel` talks to the server), so it runs
    /// on a thread of its own rather than in the cancelling task.
    private let nativeBlocks: Bool

    /// - Parameter nativeBlocks: true when `native` may block.
    package init(nativeBlocks: Bool = false) {
        self.nativeBlocks = nativeBlocks
        state = Mutex(State())
    }

    /// True once the running job was asked to stop: statements refuse to start.
    @inline(__always)
    package var isRequested: Bool { requested.load(ordering: .relaxed) }

    /// Installs (or with nil removes, when the connection closes) the backend's interrupt.
    package func setNative(_ native: (@Sendable () -> Void)?) {
        state.withLock { $0.native = native }
    }

    /// Asks the running job to stop: statements refuse to start, and the one in flight is interrupted.
    package func request() {
        requested.store(true, ordering: .relaxed)
        let generation = state.withLock { $0.generation }
        let fire: @Sendable () -> Void = { [self] in
            state.withLock { state in
                guard state.generation == generation else { return }
                state.native?()
            }
        }
        if nativeBlocks {
            WorkerThread.detach(name: "optimistic-lock-cancel", fire)
        } else {
            fire()
        }
    }

    /// Ends the current job: waits for an interrupt in progress, and lets no later one through.
    package func end() {
        state.withLock { $0.generation &+= 1 }
        requested.store(false, ordering: .relaxed)
    }
}
