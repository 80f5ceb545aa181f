import Synchronization

/// The pools' common part: a bounded set of connection workers, created as they are needed, handed
/// to one request at a time. A request that finds none free suspends (it holds no thread) until one
/// is released, its task is cancelled, or the acquire timeout passes. At most `maxWrites` workers
/// run writes at once, so reads always find a connection while writers wait on locks.
package final class ConnectionPool<Connection: PooledConnection>: Sendable {
    private struct Waiter {
        let id: UInt64
        let access: PoolAccess
        let continuation: CheckedContinuation<PoolWorker<Connection>, any Error>
        let timer: Task<Void, Never>?
    }

    private struct State {
        var idle: [PoolWorker<Connection>] = []
        var all: [PoolWorker<Connection>] = []
        var waiters: [Waiter] = []
        /// Requests between asking and getting a worker (or giving up): those that may still wait.
        var pending: Set<UInt64> = []
        /// Why a pending request stopped (timed out, cancelled, the pool closed) before it began to
        /// wait: what its `wait` throws then.
        var endedBeforeWaiting: [UInt64: any Error] = [:]
        var activeWrites = 0
        var inUse = 0
        var closed = false
        var closing: [CheckedContinuation<Void, Never>] = []
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())
    private let name: String
    private let capacity: Int
    private let maxWrites: Int
    private let acquireTimeout: Duration?
    private let requestTimeout: Duration?
    private let connect: PoolWorker<Connection>.Connect

    /// - Parameters:
    ///   - name: names the pool's threads and its errors.
    ///   - capacity: the most connections (at least 1).
    ///   - maxWrites: the most connections running writes at once (at least 1, at most `capacity`).
    ///   - acquireTimeout: how long a request waits for a connection; nil waits as long as it takes.
    ///   - requestTimeout: how long a request may take from the moment it is made, waiting for a
    ///     connection included (which then waits at most that long); nil for no limit. The
    ///     connection gets the deadline with the job (see `PooledConnection.runJob`).
    ///   - connect: opens a connection (on the worker's thread), giving up once its first argument
    ///     returns true (the request that needs it was cancelled) or its deadline passes.
    package init(
        name: String, capacity: Int, maxWrites: Int, acquireTimeout: Duration?, requestTimeout: Duration? = nil,
        connect: @escaping PoolWorker<Connection>.Connect
    ) {
        self.name = name
        self.capacity = max(1, capacity)
        self.maxWrites = min(max(1, maxWrites), max(1, capacity))
        switch (acquireTimeout, requestTimeout) {
        case (let acquire?, let request?): self.acquireTimeout = min(acquire, request)
        case (nil, let request): self.acquireTimeout = request
        case (let acquire, nil): self.acquireTimeout = acquire
        }
        self.requestTimeout = requestTimeout
        self.connect = connect
    }

    /// Runs `body` on a connection of the pool (see `PooledConnection.runJob`) and returns its result.
    /// A cancelled task stops waiting, or interrupts the running statement and gets `CancellationError`
    /// — unless the work had already finished, whose result it then gets, or some of it may be
    /// committed (`.outcomeUnknown`, `.partiallyCommitted`), which it is told.
    package func run<T: Sendable>(_ access: PoolAccess, _ body: @Sendable (Connection) throws -> T) async throws -> T {
        try Task.checkCancellation()
        let deadline = requestTimeout.map { ContinuousClock.now + $0 }
        let worker = try await acquire(access)
        let id = state.withLock { state -> UInt64 in
            state.nextID &+= 1
            return state.nextID
        }
        let outcome: Result<T, any Error> = await withoutActuallyEscaping(body) { body in
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, any Error>, Never>) in
                    worker.run(id: id, deadline: deadline) { connection in
                        let outcome = connection.flatMap { db in Self.runJob(db, access, deadline: deadline, body) }
                        return { continuation.resume(returning: outcome) }
                    }
                }
            } onCancel: {
                worker.interrupt(job: id)
            }
        }
        release(worker, access)
        switch outcome {
        case .success(let value):
            return value
        case .failure(let error):
            // Interrupted, or stopped waiting for a lock (SQLite's busy handler gives up when the
            // request is cancelled): nothing of the request was kept.
            if Task.isCancelled, let error = error as? DatabaseError, error.kind == .interrupted || error.kind == .busy {
                throw CancellationError()
            }
            throw error
        }
    }

    /// Runs one job on its connection (on the worker's thread). A `writeWithoutTransaction` job that
    /// is stopped as a whole — cancelled, out of time, its connection lost, a transaction it left
    /// open rolled back — after one of its statements committed fails with `.partiallyCommitted`:
    /// those errors would otherwise say that nothing of the request was kept. (A statement's own
    /// failure, such as `ConcurrentUpdate` or a constraint, speaks for that statement: the ones
    /// before it committed on their own, as `writeWithoutTransaction` says.)
    private static func runJob<T>(
        _ db: Connection, _ access: PoolAccess, deadline: ContinuousClock.Instant?, _ body: (Connection) throws -> T
    ) -> Result<T, any Error> {
        guard access == .writeWithoutTransaction else {
            return Result { try db.runJob(access, deadline: deadline) { try body(db) } }
        }
        let commits = db.commitCount
        do {
            return .success(try db.runJob(access, deadline: deadline) { try body(db) })
        } catch {
            let committed = db.commitCount &- commits
            guard committed > 0 else { return .failure(error) }
            let stopped: Bool
            if let error = error as? DatabaseError {
                stopped = [.interrupted, .busy, .timeout, .connection, .misuse].contains(error.kind)
            } else {
                stopped = error is CancellationError
            }
            guard stopped else { return .failure(error) }
            return .failure(
                DatabaseError(
                    kind: .partiallyCommitted,
                    message:
                        "writeWithoutTransaction stopped after \(committed) of its statements had completed on their own (what they wrote is kept; what came after did not run or was rolled back): \(error)",
                    sql: (error as? DatabaseError)?.sql))
        }
    }

    // MARK: Acquiring and releasing

    private enum Grant {
        case worker(PoolWorker<Connection>)
        case wait(UInt64)
        case fail(any Error)
    }

    private func acquire(_ access: PoolAccess) async throws -> PoolWorker<Connection> {
        let grant = state.withLock { state -> Grant in
            if state.closed { return .fail(closedError) }
            if let worker = take(access, &state) { return .worker(worker) }
            state.nextID &+= 1
            state.pending.insert(state.nextID)
            return .wait(state.nextID)
        }
        switch grant {
        case .worker(let worker): return worker
        case .fail(let error): throw error
        case .wait(let id): return try await wait(id, access)
        }
    }

    /// A worker for `access` if one is free or may be created (state locked).
    private func take(_ access: PoolAccess, _ state: inout State) -> PoolWorker<Connection>? {
        if access.writes && state.activeWrites >= maxWrites { return nil }
        let worker: PoolWorker<Connection>
        if let idle = state.idle.popLast() {
            worker = idle
        } else if state.all.count < capacity {
            worker = PoolWorker(name: "\(name)-\(state.all.count)", connect: connect)
            state.all.append(worker)
        } else {
            return nil
        }
        if access.writes { state.activeWrites += 1 }
        state.inUse += 1
        return worker
    }

    private func wait(_ id: UInt64, _ access: PoolAccess) async throws -> PoolWorker<Connection> {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let timer = acquireTimeout.map { timeout in
                    Task { [weak self] in
                        try? await Task.sleep(for: timeout)
                        if !Task.isCancelled { self?.giveUp(id, self?.timeoutError(timeout)) }
                    }
                }
                let ended = state.withLock { state -> (any Error)? in
                    guard state.pending.contains(id) else {
                        return state.endedBeforeWaiting.removeValue(forKey: id) ?? CancellationError()
                    }
                    state.waiters.append(Waiter(id: id, access: access, continuation: continuation, timer: timer))
                    return nil
                }
                if let ended {
                    timer?.cancel()
                    continuation.resume(throwing: ended)
                }
            }
        } onCancel: {
            giveUp(id, CancellationError())
        }
    }

    /// Ends a wait that was cancelled or timed out (nothing happens when it was already served).
    private func giveUp(_ id: UInt64, _ error: (any Error)?) {
        let waiter = state.withLock { state -> Waiter? in
            guard state.pending.remove(id) != nil else { return nil }
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                // Not waiting yet: its `wait` finds why when it begins.
                state.endedBeforeWaiting[id] = error ?? CancellationError()
                return nil
            }
            return state.waiters.remove(at: index)
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume(throwing: error ?? CancellationError())
    }

    private func release(_ worker: PoolWorker<Connection>, _ access: PoolAccess) {
        var served: [(Waiter, PoolWorker<Connection>)] = []
        var closing: [CheckedContinuation<Void, Never>] = []
        state.withLock { state in
            if access.writes { state.activeWrites -= 1 }
            state.inUse -= 1
            state.idle.append(worker)
            // Serve the earliest waiters that can run now.
            var index = 0
            while index < state.waiters.count {
                let waiter = state.waiters[index]
                if let next = take(waiter.access, &state) {
                    state.waiters.remove(at: index)
                    state.pending.remove(waiter.id)
                    served.append((waiter, next))
                } else {
                    index += 1
                }
            }
            if state.closed && state.inUse == 0 {
                closing = state.closing
                state.closing.removeAll()
            }
        }
        for (waiter, next) in served {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: next)
        }
        for continuation in closing { continuation.resume() }
    }

    // MARK: Closing

    deinit {
        // A pool dropped without `close()`: end the threads (their connections close on them).
        for worker in state.withLock({ $0.all }) { worker.stop {} }
    }

    /// Refuses new requests, fails those waiting, waits for the running ones, then closes every
    /// connection and ends the threads.
    package func close() async {
        let (waiters, busy) = state.withLock { state -> ([Waiter], Bool) in
            state.closed = true
            let waiters = state.waiters
            state.waiters.removeAll()
            // Requests that asked but have not begun to wait are refused as closed when they do.
            for id in state.pending where !waiters.contains(where: { $0.id == id }) {
                state.endedBeforeWaiting[id] = closedError
            }
            state.pending.removeAll()
            return (waiters, state.inUse > 0)
        }
        for waiter in waiters {
            waiter.timer?.cancel()
            waiter.continuation.resume(throwing: closedError)
        }
        if busy {
            await withCheckedContinuation { continuation in
                let done = state.withLock { state -> Bool in
                    if state.inUse == 0 { return true }
                    state.closing.append(continuation)
                    return false
                }
                if done { continuation.resume() }
            }
        }
        let workers = state.withLock { state -> [PoolWorker<Connection>] in
            let all = state.all
            state.all.removeAll()
            state.idle.removeAll()
            return all
        }
        for worker in workers {
            await withCheckedContinuation { continuation in
                worker.stop { continuation.resume() }
            }
        }
    }

    // MARK: Errors

    /// A request after `close()`: no connection will serve it (`.connection`, so that a server
    /// shutting down answers 503 and a client tries again elsewhere). It did not run; in
    /// `retryOnConflict`, attempts before it ran and were rolled back.
    private var closedError: DatabaseError {
        DatabaseError(kind: .connection, message: "the pool \(name) is closed: the request was refused before it ran")
    }

    private func timeoutError(_ timeout: Duration) -> DatabaseError {
        DatabaseError(kind: .timeout, message: "no connection of \(name) became free within \(timeout) (\(capacity) in use)")
    }
}
