import Synchronization

/// One connection and the thread that owns it. The connection is created, used and closed on that
/// thread only; jobs reach it through a mailbox.
///
/// A job runs on the worker's thread and returns a completion, which the worker calls after it has
/// let go of the job: the job holds the request's closure, which must not outlive the request (the
/// pool runs non-escaping closures through `withoutActuallyEscaping`), and the completion is what
/// resumes the request.
package final class PoolWorker<Connection: PooledConnection>: Sendable {
    /// A job: receives the connection (or why there is none) on the worker's thread.
    package typealias Job = @Sendable (Result<Connection, any Error>) -> (@Sendable () -> Void)

    /// A job on its way to the worker, given up by the worker before the job's completion runs.
    private final class Request: Sendable {
        let id: UInt64
        let deadline: ContinuousClock.Instant?
        private let job: ThreadLock<Job?>

        init(id: UInt64, deadline: ContinuousClock.Instant?, job: @escaping Job) {
            self.id = id
            self.deadline = deadline
            self.job = ThreadLock(job)
        }

        func take() -> Job? {
            job.withLock { job in
                defer { job = nil }
                return job
            }
        }
    }

    private enum Message: Sendable {
        case run(Request)
        case stop(@Sendable () -> Void)
    }

    /// Opens a connection on the worker's thread; gives up (throwing) once `isCancelled` is true or
    /// the request's `deadline` has passed.
    package typealias Connect = @Sendable (_ isCancelled: () -> Bool, _ deadline: ContinuousClock.Instant?) throws -> Connection

    /// Which job runs, and which was asked to stop before it ran.
    private struct JobState {
        /// The job running now and its connection's interrupt.
        var running: (job: UInt64, interruption: ConnectionInterruption)?
        /// A job cancelled before it ran (while its request was handed over, or its connection
        /// opened): it does not start, or is interrupted as soon as it does.
        var cancelled: UInt64?
        /// The last job that ended. Job ids grow (a worker serves one request at a time, and a
        /// request takes its id after it gets the worker), so a cancel for an id up to this one is late.
        var lastEnded: UInt64 = 0
    }

    private let mailbox = Mailbox<Message>()
    private let jobs = ThreadLock(JobState())

    /// Starts the worker's thread; the connection is made by `connect` at the first job. The thread
    /// keeps the worker alive until `stop`.
    /// `observer` (with the pool's name and database system) hears of connections opened,
    /// failing to open, and dropped.
    package init(name: String, pool: String = "", observer: (any DatabaseObserver)? = nil, connect: @escaping Connect) {
        var report: (@Sendable (DatabaseEvent.Kind, (any Error)?) -> Void)?
        if let observer {
            report = { kind, error in
                var event = DatabaseEvent(kind, pool: pool)
                event.error = error
                observer.record(event)
            }
        }
        let reporting = report
        WorkerThread.detach(name: name) { [self] in
            loop(connect: connect, report: reporting)
        }
    }

    /// Runs `job` on the worker's thread (one job at a time: the pool hands a worker to one request);
    /// a connection opened for it gives up at `deadline`.
    package func run(id: UInt64, deadline: ContinuousClock.Instant?, _ job: @escaping Job) {
        mailbox.send(.run(Request(id: id, deadline: deadline, job: job)))
    }

    /// Stops job `id`: it does not start if it has not, its connection stops opening, its running
    /// statement is interrupted; nothing happens once it has ended.
    package func interrupt(job id: UInt64) {
        jobs.withLock { jobs in
            guard id > jobs.lastEnded else { return }
            if let running = jobs.running, running.job == id {
                running.interruption.request()
            } else {
                jobs.cancelled = id
            }
        }
    }

    /// Closes the connection and ends the thread; `done` runs when both are gone.
    package func stop(_ done: @escaping @Sendable () -> Void) {
        mailbox.send(.stop(done))
    }

    private func isCancelled(_ id: UInt64) -> Bool {
        jobs.withLock { $0.cancelled == id }
    }

    private func loop(connect: Connect, report: (@Sendable (DatabaseEvent.Kind, (any Error)?) -> Void)?) {
        var connection: Connection?
        while true {
            let request: Request
            switch mailbox.receive() {
            case .stop(let done):
                connection = nil
                done()
                return
            case .run(let next):
                request = next
            }
            let id = request.id
            if let open = connection, !open.isUsable() {
                connection = nil
                report?(.connectionLost, nil)
            }
            if !isCancelled(id) && connection == nil {
                do {
                    connection = try connect({ isCancelled(id) }, request.deadline)
                    report?(.connectionOpened, nil)
                } catch {
                    if !(error is CancellationError), (error as? DatabaseError)?.kind != .interrupted {
                        report?(.connectFailed, error)
                    }
                    finish(id)
                    Self.perform(request.take(), .failure(error))()
                    continue
                }
            }
            guard let open = connection, !isCancelled(id) else {
                finish(id)
                Self.perform(request.take(), .failure(CancellationError()))()
                continue
            }
            jobs.withLock { jobs in
                jobs.running = (id, open.interruption)
                // A cancel may have come between the check above and now.
                if jobs.cancelled == id { open.interruption.request() }
            }
            let completion = Self.perform(request.take(), .success(open))
            finish(id)
            // A cancel that may still reach the server would hit the next job: a new connection
            // takes it instead — unless it returns within moments (an answered cancel's reply races
            // the statement's error), waited for after the caller has its result.
            let interruptUnderWay = open.interruption.end()
            completion()
            if interruptUnderWay && !open.interruption.settle(within: Self.interruptSettling) { connection = nil }
        }
    }

    /// How long a worker waits, after a job, for an interrupt still under way before it gives up
    /// the connection instead.
    static var interruptSettling: Duration { .milliseconds(200) }

    /// Marks job `id` ended: later cancels of it are ignored.
    private func finish(_ id: UInt64) {
        jobs.withLock { jobs in
            jobs.running = nil
            jobs.cancelled = nil
            jobs.lastEnded = id
        }
    }

    /// Runs a job and returns its completion; the job is released when this returns.
    private static func perform(_ job: Job?, _ connection: Result<Connection, any Error>) -> @Sendable () -> Void {
        guard let job else { return {} }
        return job(connection)
    }
}
