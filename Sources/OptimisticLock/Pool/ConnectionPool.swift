import Synchronization

/// The pools' common part: a bounded set of connection workers, created as they are needed, handed
/// to one request at a time. Its decisions are `PoolStateMachine`'s; this shell carries them out:
/// it starts and stops the workers, suspends requests that must wait (they hold no thread) and
/// resumes them, and runs their timers.
package final class ConnectionPool<Connection: PooledConnection>: Sendable {
    private typealias Machine = PoolStateMachine<ContinuousClock.Instant>

    private struct State {
        var machine: Machine
        var workers: [PoolWorker<Connection>] = []
        /// Requests waiting for a worker.
        var waiting: [Machine.RequestID: CheckedContinuation<PoolWorker<Connection>, any Error>] = [:]
        /// What a request was given before it began to wait (its outcome came first).
        var early: [Machine.RequestID: Result<Machine.WorkerID, Machine.Failure>] = [:]
        var timers: [Machine.RequestID: Task<Void, Never>] = [:]
        /// `close()` calls waiting for the last worker in use.
        var closing: [CheckedContinuation<Void, Never>] = []
        /// True once a `close()` began to stop the workers.
        var stopped = false
        /// True once the workers are stopped.
        var allStopped = false
        /// `close()` calls waiting for another `close()` to stop the workers.
        var awaitingStop: [CheckedContinuation<Void, Never>] = []
        var nextID: UInt64 = 0
    }

    /// What a decision asks the shell to do, once the lock is let go.
    private struct Effects {
        var resume: [(CheckedContinuation<PoolWorker<Connection>, any Error>, Result<PoolWorker<Connection>, any Error>)] = []
        var cancelTimers: [Task<Void, Never>] = []
        var stopWorkers: [PoolWorker<Connection>] = []
        var closers: [CheckedContinuation<Void, Never>] = []
    }

    private let state: ThreadLock<State>
    private let name: String
    private let capacity: Int
    private let acquireTimeout: Duration?
    private let requestTimeout: Duration?
    private let connect: PoolWorker<Connection>.Connect
    /// Told about waits, the pool's connections, and each request's context (see `DatabaseObserver`).
    private let observer: (any DatabaseObserver)?

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
    ///   - observer: told about waits for a connection, the pool's connections, and (as the parent
    ///     of what each request does) the context of its caller.
    package init(
        name: String, capacity: Int, maxWrites: Int, acquireTimeout: Duration?, requestTimeout: Duration? = nil,
        observer: (any DatabaseObserver)? = nil, connect: @escaping PoolWorker<Connection>.Connect
    ) {
        self.name = name
        self.observer = observer
        let acquire: Duration? =
            switch (acquireTimeout, requestTimeout) {
            case (let acquire?, let request?): min(acquire, request)
            case (nil, let request): request
            case (let acquire, nil): acquire
            }
        let machine = Machine(capacity: capacity, maxWrites: maxWrites, acquireTimeout: acquire)
        self.capacity = machine.capacity
        self.acquireTimeout = acquire
        state = ThreadLock(State(machine: machine))
        self.requestTimeout = requestTimeout
        self.connect = connect
    }

    /// Runs `body` on a connection of the pool (see `PooledConnection.runJob`) and returns its result.
    /// A cancelled task stops waiting, or interrupts the running statement and gets `CancellationError`
    /// — unless the work had already finished, whose result it then gets, or some of it may be
    /// committed (`.outcomeUnknown`, `.partiallyCommitted`), which it is told.
    ///
    /// `afterward`, when given, runs on the job's thread once the job succeeded, with whether the
    /// connection committed during it (a pool reads the WAL position it reached, say). `deadline`
    /// replaces the one the request timeout gives (a request tried on several pools keeps one).
    package func run<T: Sendable>(
        _ access: PoolAccess, deadline: ContinuousClock.Instant? = nil,
        afterward: (@Sendable (Connection, _ committed: Bool) -> Void)? = nil,
        _ body: @Sendable (Connection) throws -> T
    ) async throws -> T {
        try Task.checkCancellation()
        let deadline = deadline ?? requestTimeout.map { ContinuousClock.now + $0 }
        let context = observer?.currentContext()
        let worker: PoolWorker<Connection>
        if let observer {
            let start = ContinuousClock.now
            do {
                worker = try await acquire(access)
                report(waited: start.duration(to: .now), error: nil, context: context, to: observer)
            } catch {
                report(waited: start.duration(to: .now), error: error, context: context, to: observer)
                throw error
            }
        } else {
            worker = try await acquire(access)
        }
        let id = state.withLock { state -> UInt64 in
            state.nextID &+= 1
            return state.nextID
        }
        let outcome: Result<T, any Error> = await withoutActuallyEscaping(body) { body in
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, any Error>, Never>) in
                    worker.run(id: id, deadline: deadline) { connection in
                        let outcome = connection.flatMap { db in
                            let commits = db.commitCount
                            db.observerContext = context
                            defer { db.observerContext = nil }
                            let outcome = Self.runJob(db, access, deadline: deadline, body)
                            if case .success = outcome, let afterward { afterward(db, db.commitCount != commits) }
                            return outcome
                        }
                        return { continuation.resume(returning: outcome) }
                    }
                }
            } onCancel: {
                worker.interrupt(job: id)
            }
        }
        release(worker, access)
        if let observer { reportUsage(to: observer) }
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

    private func acquire(_ access: PoolAccess) async throws -> PoolWorker<Connection> {
        let (id, action, worker) = state.withLock { state in
            state.nextID &+= 1
            let id = state.nextID
            let action = state.machine.acquire(id, access, now: .now)
            var worker: PoolWorker<Connection>?
            if case .run(let index, let created) = action { worker = self.worker(index, created: created, &state) }
            return (id, action, worker)
        }
        switch action {
        case .run: return worker!
        case .fail(let failure): throw error(failure)
        case .wait(let deadline):
            if let observer { reportUsage(to: observer) }
            return try await wait(id, deadline: deadline)
        }
    }

    /// The worker `index`, started now when the machine just created it (state locked).
    private func worker(_ index: Int, created: Bool, _ state: inout State) -> PoolWorker<Connection> {
        if created {
            state.workers.append(PoolWorker(name: "\(name)-\(index)", pool: name, observer: observer, connect: connect))
        }
        return state.workers[index]
    }

    private func wait(_ id: UInt64, deadline: ContinuousClock.Instant?) async throws -> PoolWorker<Connection> {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let early = state.withLock { state -> Result<PoolWorker<Connection>, any Error>? in
                    if let outcome = state.early.removeValue(forKey: id) {
                        return outcome.map { state.workers[$0] }.mapError { self.error($0) }
                    }
                    state.waiting[id] = continuation
                    if let deadline {
                        state.timers[id] = Task { [weak self] in
                            try? await Task.sleep(until: deadline, clock: .continuous)
                            guard !Task.isCancelled else { return }
                            self?.timerFired(id)
                        }
                    }
                    return nil
                }
                if let early { continuation.resume(with: early) }
            }
        } onCancel: {
            let effects = state.withLock { state -> Effects in
                var effects = Effects()
                if state.machine.cancelled(id) { resolve(id, .failure(.cancelled), &state, &effects) }
                return effects
            }
            carry(effects)
        }
    }

    private func timerFired(_ id: UInt64) {
        let effects = state.withLock { state -> Effects in
            var effects = Effects()
            state.timers[id] = nil
            if state.machine.timedOut(id, now: .now) { resolve(id, .failure(.timeout), &state, &effects) }
            return effects
        }
        carry(effects)
    }

    /// Ends request `id`'s wait with `outcome` — or keeps the outcome for when it begins to wait
    /// (state locked).
    private func resolve(
        _ id: UInt64, _ outcome: Result<Machine.WorkerID, Machine.Failure>, _ state: inout State, _ effects: inout Effects
    ) {
        if let timer = state.timers.removeValue(forKey: id) { effects.cancelTimers.append(timer) }
        guard let continuation = state.waiting.removeValue(forKey: id) else {
            state.early[id] = outcome
            return
        }
        let workers = state.workers
        effects.resume.append((continuation, outcome.map { workers[$0] }.mapError { self.error($0) }))
    }

    private func release(_ worker: PoolWorker<Connection>, _ access: PoolAccess) {
        let effects = state.withLock { state -> Effects in
            var effects = Effects()
            let index = state.workers.firstIndex { $0 === worker }!
            let actions = state.machine.release(index, after: access)
            for serve in actions.serve {
                _ = self.worker(serve.worker, created: serve.created, &state)
                resolve(serve.request, .success(serve.worker), &state, &effects)
            }
            if actions.closeFinished { finishClosing(&state, &effects) }
            return effects
        }
        carry(effects)
    }

    /// Tells the observer how long a request waited for a connection, and how the pool's
    /// connections are used now.
    private func report(waited: Duration, error: (any Error)?, context: (any Sendable)?, to observer: any DatabaseObserver) {
        var wait = DatabaseEvent(.waited, pool: name, context: context)
        wait.duration = waited
        wait.error = error
        observer.record(wait)
        reportUsage(to: observer)
    }

    /// Tells the observer how the pool's connections are used.
    private func reportUsage(to observer: any DatabaseObserver) {
        let (created, used, pending) = state.withLock { ($0.machine.created, $0.machine.inUse, $0.machine.waiting) }
        var usage = DatabaseEvent(.usage, pool: name)
        usage.idle = created - used
        usage.used = used
        usage.pending = pending
        observer.record(usage)
    }

    /// Does what a decision asked, outside the lock.
    private func carry(_ effects: Effects) {
        for timer in effects.cancelTimers { timer.cancel() }
        for (continuation, outcome) in effects.resume { continuation.resume(with: outcome) }
        for closer in effects.closers { closer.resume() }
    }

    // MARK: Closing

    deinit {
        // A pool dropped without `close()`: end the threads (their connections close on them).
        for worker in state.withLock({ $0.stopped ? [] : $0.workers }) { worker.stop {} }
    }

    /// Refuses new requests, fails those waiting, waits for the running ones, then closes every
    /// connection and ends the threads.
    package func close() async {
        let (effects, finished) = state.withLock { state -> (Effects, Bool) in
            var effects = Effects()
            let actions = state.machine.close()
            for id in actions.fail { resolve(id, .failure(.closed), &state, &effects) }
            return (effects, actions.finished)
        }
        carry(effects)
        if !finished {
            await withCheckedContinuation { continuation in
                let done = state.withLock { state -> Bool in
                    if state.machine.inUse == 0 { return true }
                    state.closing.append(continuation)
                    return false
                }
                if done { continuation.resume() }
            }
        }
        let workers = state.withLock { state -> [PoolWorker<Connection>]? in
            guard !state.stopped else { return nil }
            state.stopped = true
            return state.workers
        }
        guard let workers else {
            // Another close() stops the workers: return when it has.
            await withCheckedContinuation { continuation in
                let done = state.withLock { state -> Bool in
                    if state.allStopped { return true }
                    state.awaitingStop.append(continuation)
                    return false
                }
                if done { continuation.resume() }
            }
            return
        }
        for worker in workers {
            await withCheckedContinuation { continuation in
                worker.stop { continuation.resume() }
            }
        }
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.allStopped = true
            defer { state.awaitingStop.removeAll() }
            return state.awaitingStop
        }
        for continuation in waiting { continuation.resume() }
    }

    /// The last worker in use came back to a closing pool: wake the `close()` calls (state locked).
    private func finishClosing(_ state: inout State, _ effects: inout Effects) {
        effects.closers = state.closing
        state.closing.removeAll()
    }

    // MARK: Errors

    private func error(_ failure: Machine.Failure) -> any Error {
        switch failure {
        case .closed:
            // No connection will serve it (`.connection`, so that a server shutting down answers 503
            // and a client tries again elsewhere). It did not run; in `retryOnConflict`, attempts
            // before it ran and were rolled back.
            DatabaseError(kind: .connection, message: "the pool \(name) is closed: the request was refused before it ran")
        case .timeout:
            DatabaseError(
                kind: .timeout,
                message:
                    "no connection of \(name) became free within \(acquireTimeout.map { "\($0)" } ?? "") (\(capacity) in use)")
        case .cancelled:
            CancellationError()
        }
    }
}
