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
    /// With `readReplicas`, the replicas take turns. One known to have replayed the position reads
    /// at once; another is asked how far it has replayed (one round trip) and, when behind, again
    /// for up to `replicaWaitTimeout`; then the next one is tried, and finally the primary. A
    /// replica that cannot be reached, or whose connection breaks, is skipped for a while; a read
    /// that a replica cancels for a recovery conflict (SQLSTATE 40001 on a standby) runs again
    /// elsewhere. So a read fails only when the primary fails it. Without replicas, the primary
    /// reads.
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
        let needed = max(position?.value ?? 0, lastWritePosition?.value ?? 0)
        // One deadline for every server the read tries.
        let deadline = requestTimeout.map { ContinuousClock.now + $0 }
        var tried: Set<Int> = []
        while let choice = router.withLock({ $0.choose(needing: needed, now: .now, excluding: tried) }) {
            tried.insert(choice.replica)
            do {
                let outcome = try await replicas[choice.replica].run(.read, deadline: deadline) { db -> ReplicaRead<T> in
                    if !choice.caughtUp, try !self.waitForReplay(db, needed, replica: choice.replica) { return .behind }
                    return .value(try body(db))
                }
                router.withLock { $0.succeeded(choice.replica) }
                guard case .value(let value) = outcome else { continue }
                return value
            } catch let error as DatabaseError where error.kind == .connection {
                // Unreachable, or its connection broke: skipped for a while; the read goes elsewhere.
                router.withLock { $0.failed(choice.replica, now: .now) }
            } catch let error as DatabaseError where error.kind == .serializationFailure {
                // A standby cancelled the read for a recovery conflict: it runs again elsewhere.
            }
        }
        return try await primary.run(.read, deadline: deadline, body)
    }

    /// Waits on a replica's connection until it has replayed `needed`, for at most the pool's
    /// replica wait; true when it has.
    private func waitForReplay(_ db: PostgresConnection, _ needed: UInt64, replica: Int) throws -> Bool {
        let deadline = ContinuousClock.now + replicaWaitTimeout
        while true {
            let replayed = try db.replayedPosition().value
            router.withLock { $0.replayed(replica, replayed) }
            if replayed >= needed { return true }
            let now = ContinuousClock.now
            guard now < deadline else { return false }
            let pause = min(.milliseconds(2), now.duration(to: deadline))
            usleep(UInt32(pause.components.attoseconds / 1_000_000_000_000))
        }
    }
}

/// A replica's answer to a read: the body's value, or that it had not replayed far enough in time.
enum ReplicaRead<T: Sendable>: Sendable {
    case value(T)
    case behind
}
