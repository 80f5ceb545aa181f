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
        private let job: Mutex<Job?>

        init(id: UInt64, job: @escaping Job) {
            self.id = id
            self.job = Mutex(job)
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

    private let mailbox = Mailbox<Message>()
    /// The job running now and its connection's interrupt, for `interrupt(job:)`.
    private let current = Mutex<(job: UInt64, interruption: ConnectionInterruption)?>(nil)

    /// Starts the worker's thread; the connection is made by `connect` at the first job. The thread
    /// keeps the worker alive until `stop`.
    package init(name: String, connect: @escaping @Sendable () throws -> Connection) {
        WorkerThread.detach(name: name) { [self] in
            loop(connect: connect)
        }
    }

    /// Runs `job` on the worker's thread (one job at a time: the pool hands a worker to one request).
    package func run(id: UInt64, _ job: @escaping Job) {
        mailbox.send(.run(Request(id: id, job: job)))
    }

    /// Interrupts job `id` if it is still running; does nothing once it has ended.
    package func interrupt(job id: UInt64) {
        current.withLock { running in
            if let running, running.job == id { running.interruption.request() }
        }
    }

    /// Closes the connection and ends the thread; `done` runs when both are gone.
    package func stop(_ done: @escaping @Sendable () -> Void) {
        mailbox.send(.stop(done))
    }

    private func loop(connect: @Sendable () throws -> Connection) {
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
            if let open = connection, !open.isUsable() { connection = nil }
            if connection == nil {
                do {
                    connection = try connect()
                } catch {
                    Self.perform(request.take(), .failure(error))()
                    continue
                }
            }
            guard let open = connection else { continue }
            current.withLock { $0 = (request.id, open.interruption) }
            let completion = Self.perform(request.take(), .success(open))
            current.withLock { $0 = nil }
            open.interruption.end()
            completion()
        }
    }

    /// Runs a job and returns its completion; the job is released when this returns.
    private static func perform(_ job: Job?, _ connection: Result<Connection, any Error>) -> @Sendable () -> Void {
        guard let job else { return {} }
        return job(connection)
    }
}
