/// Every decision of a pool — which request gets which connection, who waits, whose wait ends and
/// why, when closing is done — as a value type without threads, tasks or a clock of its own:
/// events go in (`acquire`, `release`, `timedOut`, `cancelled`, `close`) with the time, and
/// actions come out for `ConnectionPool` to carry out (resume a request, start a timer, start or
/// stop a worker). Tests drive it with instants of their own, without sleeping.
///
/// The rules:
/// - A request takes an idle worker, or a new one while there are fewer than `capacity`; at most
///   `maxWrites` workers run writes at once, so reads always find one while writers wait on locks.
/// - Among idle workers, a read prefers one whose last job was a read, and a write without a
///   transaction one whose last job was not (a PostgreSQL connection switches its session between
///   read-only and writable only when it must); otherwise the most recently released.
/// - Otherwise the request waits, first come first served among those that can run (a write held
///   back by `maxWrites` does not hold back a read behind it), until a worker is released, its
///   deadline passes (`timedOut`), it is cancelled, or the pool closes.
/// - `close` fails every waiting request and every later one; it is done when no worker is in use.
package struct PoolStateMachine<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// A request, numbered by the pool.
    package typealias RequestID = UInt64
    /// A worker: its number, from 0 up to `capacity - 1` in the order they were created.
    package typealias WorkerID = Int

    /// Why a request got no worker.
    package enum Failure: Error, Sendable, Hashable {
        /// The pool is closed.
        case closed
        /// The acquire timeout passed.
        case timeout
        /// The request's task was cancelled.
        case cancelled
    }

    /// What a request that asks for a worker does.
    package enum AcquireAction: Sendable, Hashable {
        /// It runs on this worker, which is new (to be started) when `created`.
        case run(WorkerID, created: Bool)
        /// It waits; a timer calls `timedOut` at the deadline, when there is one.
        case wait(deadline: Instant?)
        /// It fails.
        case fail(Failure)
    }

    /// A waiting request given a worker.
    package struct Serve: Sendable, Hashable {
        /// The request.
        package var request: RequestID
        /// Its worker.
        package var worker: WorkerID
        /// True when the worker is new.
        package var created: Bool
    }

    /// What a release does: waiting requests served, and whether closing is now done.
    package struct ReleaseActions: Sendable, Hashable {
        /// Waiting requests that run now.
        package var serve: [Serve] = []
        /// True when the pool was closing and the last worker in use came back: stop the workers.
        package var closeFinished = false
    }

    /// What `close` does.
    package struct CloseActions: Sendable, Hashable {
        /// Waiting requests that fail as closed.
        package var fail: [RequestID] = []
        /// True when no worker is in use: closing is done (otherwise the last release says).
        package var finished = false
    }

    private struct Waiter: Sendable {
        var request: RequestID
        var access: PoolAccess
        var deadline: Instant?
    }

    private struct Idle: Sendable {
        var worker: WorkerID
        var lastAccess: PoolAccess
    }

    /// The most workers.
    package let capacity: Int
    /// The most workers running writes at once.
    package let maxWrites: Int
    /// How long a request waits for a worker; nil as long as it takes.
    package let acquireTimeout: Duration?

    private var workers = 0
    private var idle: [Idle] = []
    private var waiters: [Waiter] = []
    private var activeWrites = 0
    /// Workers handed to requests and not released yet.
    package private(set) var inUse = 0
    /// True once `close` was called.
    package private(set) var isClosed = false

    /// A pool of at most `capacity` workers (at least 1), `maxWrites` of them writing at once (at
    /// least 1, at most `capacity`).
    package init(capacity: Int, maxWrites: Int, acquireTimeout: Duration?) {
        self.capacity = max(1, capacity)
        self.maxWrites = min(max(1, maxWrites), max(1, capacity))
        self.acquireTimeout = acquireTimeout
    }

    /// The number of requests waiting.
    package var waiting: Int { waiters.count }

    /// The number of workers created so far.
    package var created: Int { workers }

    /// Request `id` asks for a worker for `access` at `now`.
    package mutating func acquire(_ id: RequestID, _ access: PoolAccess, now: Instant) -> AcquireAction {
        if isClosed { return .fail(.closed) }
        if let (worker, created) = take(access) { return .run(worker, created: created) }
        let deadline = acquireTimeout.map { now.advanced(by: $0) }
        if let deadline, deadline <= now { return .fail(.timeout) }
        waiters.append(Waiter(request: id, access: access, deadline: deadline))
        return .wait(deadline: deadline)
    }

    /// Request `id`'s timer fired at `now`: true when the request was still waiting and its
    /// deadline has passed — it fails with `.timeout`.
    package mutating func timedOut(_ id: RequestID, now: Instant) -> Bool {
        guard let index = waiters.firstIndex(where: { $0.request == id }), let deadline = waiters[index].deadline,
            deadline <= now
        else { return false }
        waiters.remove(at: index)
        return true
    }

    /// Request `id`'s task was cancelled: true when it was still waiting — it fails as cancelled.
    package mutating func cancelled(_ id: RequestID) -> Bool {
        guard let index = waiters.firstIndex(where: { $0.request == id }) else { return false }
        waiters.remove(at: index)
        return true
    }

    /// A request that ran `access` gives `worker` back.
    package mutating func release(_ worker: WorkerID, after access: PoolAccess) -> ReleaseActions {
        if access.writes { activeWrites -= 1 }
        inUse -= 1
        idle.append(Idle(worker: worker, lastAccess: access))
        var actions = ReleaseActions()
        var index = 0
        while index < waiters.count {
            if let (next, created) = take(waiters[index].access) {
                actions.serve.append(Serve(request: waiters[index].request, worker: next, created: created))
                waiters.remove(at: index)
            } else {
                index += 1
            }
        }
        actions.closeFinished = isClosed && inUse == 0
        return actions
    }

    /// Closes the pool (again, when it was): waiting requests fail, later ones too.
    package mutating func close() -> CloseActions {
        isClosed = true
        let failed = waiters.map(\.request)
        waiters.removeAll()
        return CloseActions(fail: failed, finished: inUse == 0)
    }

    /// A worker for `access`, if one is idle or may be created.
    private mutating func take(_ access: PoolAccess) -> (WorkerID, created: Bool)? {
        if access.writes && activeWrites >= maxWrites { return nil }
        let worker: WorkerID
        let created: Bool
        if let index = preferredIdle(for: access) {
            worker = idle.remove(at: index).worker
            created = false
        } else if workers < capacity {
            worker = workers
            workers += 1
            created = true
        } else {
            return nil
        }
        if access.writes { activeWrites += 1 }
        inUse += 1
        return (worker, created)
    }

    /// The idle worker `access` prefers: the most recently released one whose last job suits it,
    /// else the most recently released.
    private func preferredIdle(for access: PoolAccess) -> Int? {
        guard !idle.isEmpty else { return nil }
        let suits: (PoolAccess) -> Bool =
            switch access {
            case .read: { $0 == .read }
            case .writeWithoutTransaction: { $0 != .read }
            case .write: { _ in true }
            }
        return idle.lastIndex { suits($0.lastAccess) } ?? idle.count - 1
    }
}
