import CLibPQ
import OptimisticLock

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a round trip may commit: what its outcome is when no answer comes, and what counts as a
/// commit when it succeeds.
enum RoundTripEffect {
    /// Nothing: the library's `BEGIN`, `ROLLBACK`, savepoints, `PREPARE`, `DEALLOCATE`, settings.
    case none
    /// The transaction: `COMMIT` (and SQL of the caller's that ends a transaction).
    case commit
    /// A statement the library wrote that only reads (a generated `SELECT`).
    case read
    /// A statement: committed on its own when no transaction is open (in a read, only when the
    /// session is not read-only).
    case statement
    /// A caller's script: anything, even turning a read's session writable; committed on its own
    /// when no transaction is open.
    case script
}

/// Every exchange with the server, driven without blocking: the request is sent and its answer
/// awaited with `poll`, so that no round trip outlasts the request's deadline or its cancellation
/// by more than a grace period, whatever the network or the server does.
///
/// - The answer came: its result (or the server's error) is returned (or thrown).
/// - The task was cancelled, or the deadline passed: the server is asked to cancel the statement
///   (`PQcancel`, again and again on a thread of its own), and its answer — usually "canceling
///   statement", sometimes the statement's own result, which then counts — is awaited for
///   `cancelGrace` more.
/// - No answer even then (a stopped server, a blackholed connection, a `COMMIT` waiting for a
///   standby that is gone): the socket is shut down, the connection is marked abandoned (nothing
///   is sent on it again; a pool replaces it), and the round trip fails — with `.outcomeUnknown`
///   when it may have committed (a `COMMIT`, or a statement outside a transaction in a job that
///   writes), else `.interrupted` (cancelled) or `.timeout`: the server rolls back a transaction
///   whose client is gone.
/// - The connection broke: `.outcomeUnknown` when the round trip may have committed, else
///   `.connection`.
extension PostgresHandle {
    /// How long a cancelled (or timed-out) round trip waits for the server's answer to the cancel
    /// before it closes the connection instead.
    static let cancelGrace: Duration = .seconds(2)

    /// The longest a wait for an answer sleeps before it looks at the job's cancel flag again.
    private static let pollSliceMilliseconds: Int32 = 100

    /// Why a round trip stopped waiting as it would have, and since when.
    private struct Stop {
        enum Reason { case cancelled, deadline }
        var reason: Reason?
        var since: ContinuousClock.Instant?
    }

    /// Sends a request with `send` (a `PQsend*` call) and returns its successful result (the caller
    /// clears it).
    ///
    /// - Throws: the server's error for the request; `.misuse` when a `transaction { }` is open on
    ///   the client and the server is outside it (nothing is sent); `.interrupted` when the job was
    ///   cancelled before; `.timeout` when its deadline passed before (nothing is sent) or while
    ///   waiting; `.connection` or `.outcomeUnknown` when the connection broke or was abandoned.
    func roundTrip(
        sql: String, effect: RoundTripEffect, checksInterruption: Bool = true, observed: Bool = true,
        _ send: (OpaquePointer) -> Int32
    ) throws -> OpaquePointer {
        if _slowPath(isObserved) && observed && effect != .none, let observer {
            let operation = operation(sql: sql)
            let start = ContinuousClock.now
            let token = observer.started(operation)
            do {
                let result = try exchange(sql: sql, effect: effect, checksInterruption: checksInterruption, send)
                let rows = PQcmdTuples(result).flatMap { Int(String(cString: $0)) }
                observer.finished(operation, token: token, outcome: .init(duration: start.duration(to: .now), rowsChanged: rows))
                return result
            } catch {
                observer.finished(operation, token: token, outcome: .init(duration: start.duration(to: .now), error: error))
                throw error
            }
        }
        return try exchange(sql: sql, effect: effect, checksInterruption: checksInterruption, send)
    }

    /// The round trip itself (see `roundTrip`).
    private func exchange(
        sql: String, effect: RoundTripEffect, checksInterruption: Bool, _ send: (OpaquePointer) -> Int32
    ) throws -> OpaquePointer {
        if _slowPath(job.pointee.abandoned) {
            throw DatabaseError(
                kind: .connection,
                message:
                    "the connection was closed after an earlier statement got no answer from the server; this one was not sent",
                sql: sql)
        }
        let status = PQtransactionStatus(connection)
        if _slowPath(status == PQTRANS_UNKNOWN || PQstatus(connection) != CONNECTION_OK) {
            throw DatabaseError(kind: .connection, message: "the connection to the server is lost; nothing was sent", sql: sql)
        }
        if _slowPath(job.pointee.transactionOpen && effect != .none)
            && (status == PQTRANS_IDLE || job.pointee.transactionEnd != nil)
        {
            throw DatabaseError.misuse(
                "the transaction of this transaction { } (or pool write) ended inside its closure; nothing after that runs outside it",
                sql: sql)
        }
        if checksInterruption { try interruption.check(sql: sql) }
        if job.pointee.hasDeadline, _slowPath(ContinuousClock.now >= job.pointee.deadline) {
            throw DatabaseError(
                kind: .timeout,
                message: "the request timeout (\(describe(job.pointee.timeout))) passed; this statement was not sent",
                sql: sql)
        }
        var mayCommit: Bool
        switch effect {
        case .none, .read: mayCommit = false
        case .commit: mayCommit = true
        case .statement: mayCommit = status == PQTRANS_IDLE && !(job.pointee.readsOnly && isReadOnlySession)
        case .script: mayCommit = status == PQTRANS_IDLE
        }
        // A standby commits nothing.
        if job.pointee.toReplica { mayCommit = false }
        // A server that already said goodbye (its FATAL message waits unread) runs nothing more:
        // what a COMMIT would have committed was rolled back, which is known, not unknown.
        if mayCommit, _slowPath(serverHasLeft()) {
            throw DatabaseError(
                kind: .connection,
                message: "the server ended the connection before this statement was sent (\(libpqMessage())); nothing of it ran",
                sql: sql)
        }
        let watchesTransactionEnd = job.pointee.transactionOpen && (effect == .statement || effect == .script)
        guard send(connection) == 1 else {
            // libpq sent nothing the server could run (a message cut short is never executed).
            throw DatabaseError(kind: .connection, message: "cannot send to the server: \(libpqMessage())", sql: sql)
        }
        return try awaitResult(
            sql: sql, mayCommit: mayCommit, counts: mayCommit && effect != .none, watchesTransactionEnd: watchesTransactionEnd)
    }

    /// True when the session defaults to read-only transactions: as the server last reported it
    /// (PostgreSQL 14 and later), else as this connection last set it.
    var isReadOnlySession: Bool {
        guard let value = PQparameterStatus(connection, "default_transaction_read_only") else {
            return job.pointee.readOnlySessionSet ?? false
        }
        return strcmp(value, "on") == 0
    }

    /// True when the server closed the connection, or sent its FATAL goodbye, since the last round
    /// trip: a look at the socket without waiting, only before a statement that may commit.
    private func serverHasLeft() -> Bool {
        if fatalNotice.pointee != 0 { return true }
        var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return false }
        if descriptor.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { return true }
        guard PQconsumeInput(connection) == 1 else { return true }
        while let notification = PQnotifies(connection) { PQfreemem(notification) }
        return PQstatus(connection) != CONNECTION_OK || fatalNotice.pointee != 0
    }

    /// Counts a successful result that may have written (conservatively: anything but settings,
    /// transaction control, cursors and DML that changed no row; a `SELECT` may call a function
    /// that writes), and notes SQL that ended the caller's transaction.
    private func record(_ result: OpaquePointer, counts: Bool, watchesTransactionEnd: Bool) {
        guard let tag = PQcmdStatus(result) else { return }
        if watchesTransactionEnd {
            if tagStarts(tag, "COMMIT") || tagStarts(tag, "PREPARE TRANSACTION") {
                job.pointee.transactionEnd = .committed
            } else if tagEquals(tag, "ROLLBACK") && PQtransactionStatus(connection) == PQTRANS_IDLE {
                job.pointee.transactionEnd = job.pointee.transactionEnd ?? .rolledBack
            }
        }
        if tagEquals(tag, "ROLLBACK") { job.pointee.sawRollback = true }
        if counts && Self.mayHaveWritten(UnsafePointer(tag)) { job.pointee.commits &+= 1 }
    }

    /// False for the command tags of statements that write nothing: settings, transaction control,
    /// cursors and prepared statements, and DML that changed no row ("UPDATE 0", "INSERT 0 0").
    /// Byte comparisons: this runs for every statement of a job that may commit.
    static func mayHaveWritten(_ tag: UnsafePointer<CChar>) -> Bool {
        func equals(_ text: StaticString) -> Bool { tagEquals(tag, text) }
        func startsWith(_ text: StaticString) -> Bool { tagStarts(tag, text) }
        switch UInt8(bitPattern: tag[0]) {
        case UInt8(ascii: "I"): return !equals("INSERT 0 0")
        case UInt8(ascii: "U"): return !(equals("UPDATE 0") || equals("UNLISTEN"))
        case UInt8(ascii: "D"):
            return !(equals("DELETE 0") || startsWith("DECLARE") || startsWith("DEALLOCATE") || startsWith("DISCARD"))
        case UInt8(ascii: "M"): return !(equals("MERGE 0") || startsWith("MOVE"))
        case UInt8(ascii: "S"): return !(equals("SET") || equals("SHOW") || equals("SAVEPOINT") || equals("START TRANSACTION"))
        case UInt8(ascii: "B"): return !equals("BEGIN")
        case UInt8(ascii: "R"): return !(equals("ROLLBACK") || equals("RELEASE") || equals("RESET"))
        case UInt8(ascii: "F"): return !startsWith("FETCH")
        case UInt8(ascii: "L"): return !equals("LISTEN")
        case UInt8(ascii: "P"): return !equals("PREPARE")
        case UInt8(ascii: "C"): return !startsWith("CLOSE")
        default: return true
        }
    }

    /// Flushes the request and reads every result, without blocking past the job's deadline or a
    /// cancel's grace; returns the last result, or throws the first error.
    private func awaitResult(sql: String, mayCommit: Bool, counts: Bool, watchesTransactionEnd: Bool) throws -> OpaquePointer {
        let socket = PQsocket(connection)
        var last: OpaquePointer?
        var failure: OpaquePointer?
        var refusedCopy = false
        var drainingCopy = false
        var stop = Stop()
        func clear() {
            PQclear(last)
            PQclear(failure)
        }
        while true {
            let flush = PQflush(connection)
            guard flush >= 0 else {
                clear()
                throw lost(sql: sql, mayCommit: mayCommit)
            }
            if drainingCopy {
                while true {
                    var buffer: UnsafeMutablePointer<CChar>?
                    let count = PQgetCopyData(connection, &buffer, 1)
                    if count > 0 {
                        PQfreemem(buffer)
                        continue
                    }
                    if count < 0 { drainingCopy = false }
                    break
                }
            }
            var sendMore = false
            while !drainingCopy && !sendMore && PQisBusy(connection) == 0 {
                guard let result = PQgetResult(connection) else {
                    // The server is ready for the next request: the round trip is over.
                    if refusedCopy {
                        // Refused by the client (the server then reports the COPY as failed).
                        clear()
                        throw DatabaseError.misuse("COPY ... FROM STDIN and TO STDOUT are not supported here", sql: sql)
                    }
                    if let failure {
                        let error = self.error(failure, sql: sql, mayCommit: mayCommit)
                        clear()
                        throw error
                    }
                    guard let last else {
                        throw DatabaseError(kind: .connection, message: "the server sent no result", sql: sql)
                    }
                    return last
                }
                switch PQresultStatus(result) {
                case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
                    if let tag = PQcmdStatus(result), UInt8(bitPattern: tag[0]) == UInt8(ascii: "D"),
                        tagEquals(tag, "DISCARD ALL") || tagEquals(tag, "DEALLOCATE ALL")
                    {
                        serverStatementsGeneration &+= 1  // every prepared statement is gone
                    }
                    if counts || watchesTransactionEnd {
                        record(result, counts: counts, watchesTransactionEnd: watchesTransactionEnd)
                    }
                    if failure == nil {
                        PQclear(last)
                        last = result
                    } else {
                        PQclear(result)
                    }
                case PGRES_COPY_IN:
                    PQclear(result)
                    refusedCopy = true
                    _ = PQputCopyEnd(connection, "COPY FROM STDIN is not supported by this connection")
                    sendMore = true
                case PGRES_COPY_OUT:
                    PQclear(result)
                    refusedCopy = true
                    drainingCopy = true
                default:
                    if failure == nil { failure = result } else { PQclear(result) }
                }
            }
            if sendMore { continue }
            let readable: Bool
            do {
                readable = try wait(socket, writing: flush == 1, stop: &stop, sql: sql, mayCommit: mayCommit)
            } catch {
                clear()
                throw error
            }
            if readable && PQconsumeInput(connection) == 0 {
                clear()
                throw lost(sql: sql, mayCommit: mayCommit)
            }
        }
    }

    /// Waits for the socket (readable, or writable while a request is still being sent) for at
    /// most a slice; starts the cancel when the job's deadline passes, and gives up when a cancel
    /// (the job's or the deadline's) got no answer within the grace. True when the socket is ready.
    private func wait(_ socket: Int32, writing: Bool, stop: inout Stop, sql: String, mayCommit: Bool) throws -> Bool {
        var timeout = Self.pollSliceMilliseconds
        if stop.reason == nil {
            if interruption.isRequested {
                stop = Stop(reason: .cancelled, since: .now)
            } else if job.pointee.hasDeadline {
                let now = ContinuousClock.now
                let deadline = job.pointee.deadline
                if now >= deadline {
                    stop = Stop(reason: .deadline, since: now)
                    job.pointee.deadlineCancelled = true
                    interruption.interruptStatement()
                } else {
                    timeout = min(timeout, Self.milliseconds(now.duration(to: deadline)))
                }
            }
        }
        if let reason = stop.reason, let since = stop.since {
            let now = ContinuousClock.now
            let giveUp = since + Self.cancelGrace
            guard now < giveUp else { throw abandon(sql: sql, mayCommit: mayCommit, reason: reason) }
            timeout = min(timeout, Self.milliseconds(now.duration(to: giveUp)))
        }
        let events = writing ? POLLIN | POLLOUT : POLLIN
        var descriptor = pollfd(fd: socket, events: Int16(events), revents: 0)
        let ready = poll(&descriptor, 1, timeout)
        if ready < 0 && errno != EINTR { throw lost(sql: sql, mayCommit: mayCommit) }
        return ready > 0
    }

    /// Milliseconds to sleep for `duration`, rounded up, at least 1.
    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        guard seconds < 1_000_000 else { return Int32.max }
        return Int32(max(1, seconds * 1_000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000))
    }

    /// Gives up on the answer: shuts the socket down (the server rolls back an open transaction
    /// when it notices) and marks the connection abandoned.
    private func abandon(sql: String, mayCommit: Bool, reason: Stop.Reason) -> DatabaseError {
        job.pointee.abandoned = true
        shutdown(PQsocket(connection), Int32(SHUT_RDWR))
        let why =
            switch reason {
            case .cancelled: "the request was cancelled"
            case .deadline: "the request timeout (\(describe(job.pointee.timeout))) passed"
            }
        let grace = "the server did not answer within \(Self.cancelGrace) of the cancel either, so the connection was closed"
        if mayCommit {
            return DatabaseError(
                kind: .outcomeUnknown,
                message:
                    "\(why) while waiting for the answer to a statement that commits; \(grace): it may or may not have been committed",
                sql: sql)
        }
        switch reason {
        case .cancelled:
            return DatabaseError(
                kind: .interrupted, message: "\(why); \(grace) and the transaction rolled back", sql: sql)
        case .deadline:
            return DatabaseError(
                kind: .timeout, message: "\(why); \(grace), and nothing of the request was committed", sql: sql)
        }
    }

    /// The connection broke while the round trip was under way.
    private func lost(sql: String, mayCommit: Bool) -> DatabaseError {
        job.pointee.abandoned = true
        let cause = libpqMessage()
        if mayCommit {
            return DatabaseError(
                kind: .outcomeUnknown,
                message:
                    "the connection was lost before the answer came (\(cause)): the statement may or may not have been committed",
                sql: sql)
        }
        return DatabaseError(
            kind: .connection, message: "the connection was lost (\(cause)); nothing of the transaction was committed", sql: sql)
    }

    /// The error of a failed result. The server's own error is what it says; one libpq made up
    /// (no SQLSTATE: the connection broke), or the server ending the connection, leaves the
    /// outcome of a round trip that may commit unknown.
    private func error(_ result: OpaquePointer, sql: String, mayCommit: Bool) -> DatabaseError {
        let error = DatabaseError.postgres(result, connection: connection, sql: sql, cancelled: interruption.isRequested)
        let state = error.sqlState
        if mayCommit && (state == nil || state!.hasPrefix("08") || state!.hasPrefix("57P")) {
            job.pointee.abandoned = job.pointee.abandoned || PQstatus(connection) != CONNECTION_OK
            return DatabaseError(
                kind: .outcomeUnknown, sqlState: state,
                message:
                    "the connection ended before the answer came (\(error.message)): the statement may or may not have been committed",
                sql: sql)
        }
        if state == nil { job.pointee.abandoned = true }
        if state == "25006" && job.pointee.pooled && !job.pointee.readsOnly {
            // The server refuses writes: a standby (a failover happened, or the URL names one).
            // Nothing was written; the connection is replaced, and a multi-host URL with
            // target_session_attrs=read-write finds the new primary.
            job.pointee.abandoned = true
            return DatabaseError(
                kind: .connection, sqlState: state,
                message:
                    "the server is read-only (a standby: after a failover, or the URL names one): \(error.message); nothing was written, and the connection is replaced",
                sql: sql)
        }
        if state == "57014" && job.pointee.deadlineCancelled && !interruption.isRequested {
            return DatabaseError(
                kind: .timeout, sqlState: state,
                message: "the request timeout (\(describe(job.pointee.timeout))) passed: \(error.message)", sql: sql)
        }
        return error
    }

    /// libpq's last message, on one line.
    func libpqMessage() -> String {
        let message = String(cString: PQerrorMessage(connection)).trimmingTrailingNewlines()
        return message.isEmpty ? "no message" : message.replacingNewlines()
    }

    private func describe(_ timeout: Duration?) -> String {
        timeout.map { "\($0)" } ?? "none"
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        split(whereSeparator: \.isNewline).map { $0.trimmingCharacters() }.joined(separator: "; ")
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

/// True when a command tag is `text` (compared as bytes, without a `String`).
private func tagEquals(_ tag: UnsafePointer<CChar>, _ text: StaticString) -> Bool {
    strcmp(tag, UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)) == 0
}

/// True when a command tag starts with `text`.
private func tagStarts(_ tag: UnsafePointer<CChar>, _ text: StaticString) -> Bool {
    strncmp(tag, UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self), text.utf8CodeUnitCount) == 0
}
