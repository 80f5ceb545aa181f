import OptimisticLock

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension PostgresPool {
    /// Runs `body` outside a transaction, read-only, on a server that has replayed at least
    /// `position` and this pool's last commit: read-your-writes by WAL position, never by a guess
    /// of time.
    ///
    /// With `readReplicas`, the replicas take turns. A replica connection that has seen its
    /// standby replay the position reads at once; another asks (one round trip), and waits — for
    /// up to `replicaWaitTimeout` in all, whichever replicas it asks — then the next replica is
    /// tried, and finally the primary. A server a replica URL reaches that is not a standby (a
    /// promoted one, a diverged old primary) never serves a read that needs a position: its
    /// positions say nothing of the primary's. A replica that cannot be reached, whose connection
    /// breaks, or that does not answer within `replicaTimeout` is skipped for a while; a read
    /// that a replica cancels for a recovery conflict (SQLSTATE 40001 on a standby) runs again
    /// elsewhere. So a read fails only when the primary fails it (or the request's time is up).
    /// Without replicas, the primary reads.
    ///
    /// What this does not promise: that a read sees writes of other pools or processes that it
    /// was given no position of. Pass `otherPool.lastWritePosition` (a token that travels in a
    /// cookie or a header) to see those. And a record read on a replica may be older than the
    /// primary's row by then: its version makes a write of it that is stale throw
    /// `ConcurrentUpdate` — the checked write always runs on the primary.
    public func read<T: Sendable>(
        after position: WALPosition?, _ body: @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        guard !replicas.isEmpty else { return try await primary.run(.read, body) }
        // One deadline for every server the read tries.
        let deadline = requestTimeout.map { ContinuousClock.now + $0 }
        let unknown = unknownPositionCount
        if unknown > 0,
            let position = try? await primary.run(.read, deadline: deadline, { db in try db.currentWritePosition() })
        {
            // Writes whose position was not learned: the primary's position now is past them.
            noteKnownAgain(position.value, covering: unknown)
        }
        guard unknownPositionCount == 0 else { return try await primary.run(.read, deadline: deadline, body) }
        let needed = max(position?.value ?? 0, lastWritePosition?.value ?? 0)
        let waitUntil = ContinuousClock.now + replicaWaitTimeout
        var tried: Set<Int> = []
        while let replica = router.withLock({ $0.choose(now: .now, excluding: tried) }) {
            tried.insert(replica)
            var attemptDeadline = replicaTimeout.map { ContinuousClock.now + $0 }
            if let deadline, attemptDeadline.map({ $0 > deadline }) ?? true { attemptDeadline = deadline }
            do {
                let outcome = try await replicas[replica].run(.read, deadline: attemptDeadline) { db -> ReplicaRead<T> in
                    guard try Self.canServe(db, needed: needed, waitingUntil: waitUntil) else { return .behind }
                    return .value(try body(db))
                }
                router.withLock { $0.succeeded(replica) }
                guard case .value(let value) = outcome else { continue }
                return value
            } catch let error as DatabaseError where [.connection, .timeout, .outcomeUnknown].contains(error.kind) {
                // Unreachable, broken, or silent: skipped for a while; the read goes elsewhere (when
                // the request still has time).
                router.withLock { $0.failed(replica, now: .now) }
                if let observer {
                    var event = DatabaseEvent(.replicaSkipped, system: "postgresql", pool: "postgres-replica-\(replica)")
                    event.replica = replica
                    event.error = error
                    observer.record(event)
                }
                if let deadline, ContinuousClock.now >= deadline { throw error }
            } catch let error as DatabaseError where error.kind == .serializationFailure {
                // A standby cancelled the read for a recovery conflict: it runs again elsewhere.
            }
        }
        return try await primary.run(.read, deadline: deadline, body)
    }

    /// Whether the replica connection `db` may serve a read that needs position `needed`: its
    /// server is a standby that has replayed it (as this connection saw, or asks now, waiting
    /// until `waitUntil` at most).
    private static func canServe(_ db: PostgresConnection, needed: UInt64, waitingUntil waitUntil: ContinuousClock.Instant)
        throws -> Bool
    {
        guard needed > 0 else { return true }
        let job = db.handle.job
        if job.pointee.replicaIsStandby && job.pointee.replicaReplayed >= needed { return true }
        // A server this connection found not to be a standby stays so until it reconnects.
        if !job.pointee.replicaIsStandby && job.pointee.replicaReplayed > 0 { return false }
        while true {
            let (standby, replayed) = try db.replicaState()
            job.pointee.replicaIsStandby = standby
            job.pointee.replicaReplayed = max(replayed.value, 1)
            guard standby else { return false }
            if replayed.value >= needed { return true }
            let now = ContinuousClock.now
            guard now < waitUntil else { return false }
            let pause = min(.milliseconds(2), now.duration(to: waitUntil))
            usleep(UInt32(pause.components.attoseconds / 1_000_000_000_000))
        }
    }
}

/// A replica's answer to a read: the body's value, or that it had not replayed far enough in time.
enum ReplicaRead<T: Sendable>: Sendable {
    case value(T)
    case behind
}
