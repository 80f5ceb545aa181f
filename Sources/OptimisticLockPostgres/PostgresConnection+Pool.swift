import CLibPQ
import OptimisticLock

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension PostgresConnection: PooledConnection {
    /// The connection's interrupt, for pools.
    package var interruption: ConnectionInterruption { handle.interruption }

    /// False for a broken connection, one left inside a transaction, or one whose server has gone
    /// away since its last statement (a restart, `pg_terminate_backend`): libpq only notices at the
    /// next read, so the socket is polled and what arrived consumed. The server's goodbye is a FATAL
    /// error, which libpq hands to the notice receiver while the connection still looks fine (the
    /// end of the stream is read later): the receiver's flag says the connection is gone.
    package func isUsable() -> Bool {
        let connection = handle.connection
        guard !handle.job.pointee.abandoned, PQstatus(connection) == CONNECTION_OK,
            PQtransactionStatus(connection) == PQTRANS_IDLE, handle.fatalNotice.pointee == 0
        else {
            return false
        }
        var socket = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        guard poll(&socket, 1, 0) > 0 else { return true }
        if socket.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { return false }
        guard PQconsumeInput(connection) == 1 else { return false }
        while let notification = PQnotifies(connection) { PQfreemem(notification) }
        return PQstatus(connection) == CONNECTION_OK && PQisBusy(connection) == 0 && handle.fatalNotice.pointee == 0
    }

    /// How many times this connection committed (a `COMMIT`, or a statement that wrote outside a
    /// transaction).
    package var commitCount: UInt64 { handle.job.pointee.commits }

    /// A write in a transaction; a read runs its statements as they come (READ COMMITTED, each
    /// statement sees what was committed when it started) in a session whose transactions are
    /// read-only (`default_transaction_read_only`, switched only when the connection last wrote
    /// without a transaction), so a read cannot write. No round trip waits past `deadline`. A read
    /// or a write without a transaction that leaves a transaction open fails, rolled back.
    package func runJob<T>(_ access: PoolAccess, deadline: ContinuousClock.Instant?, _ body: () throws -> T) throws -> T {
        if let deadline {
            handle.job.pointee.deadline = deadline
            handle.job.pointee.hasDeadline = true
        }
        handle.job.pointee.readsOnly = access == .read
        handle.job.pointee.deadlineCancelled = false
        handle.job.pointee.pooled = true
        defer {
            handle.job.pointee.hasDeadline = false
            handle.job.pointee.readsOnly = false
            handle.job.pointee.pooled = false
        }
        switch access {
        case .write:
            return try transaction(body)
        case .writeWithoutTransaction:
            if handle.isReadOnlySession && !handle.job.pointee.unnamedStatements {
                try run("SET default_transaction_read_only = off", effect: .none)
                handle.job.pointee.readOnlySessionSet = false
            }
            return try closingTransaction(body)
        case .read:
            // Behind a pooler in transaction mode no session setting is relied on (it would
            // reach other clients): reads are not made read-only there.
            if !handle.isReadOnlySession && !handle.job.pointee.unnamedStatements {
                try run("SET default_transaction_read_only = on", effect: .none)
                handle.job.pointee.readOnlySessionSet = true
            }
            return try closingTransaction(body)
        }
    }

    /// Runs a body outside a transaction; a transaction it leaves open is rolled back and the job
    /// fails (what it did in there is not kept).
    private func closingTransaction<T>(_ body: () throws -> T) throws -> T {
        let result = Result { try body() }
        guard PQtransactionStatus(handle.connection) != PQTRANS_IDLE, !handle.job.pointee.abandoned,
            PQstatus(handle.connection) == CONNECTION_OK
        else { return try result.get() }
        try? run("ROLLBACK", effect: .none)
        if case .failure(let error) = result { throw error }
        throw DatabaseError.misuse(
            "the closure left a transaction open (BEGIN without COMMIT): it was rolled back, and nothing of it was kept",
            sql: nil)
    }
}
