/// Which read replica serves a read, decided without threads or a clock of its own (the time comes
/// in with each event), and tested that way:
///
/// - Replicas take turns (round robin) among those that are up.
/// - A read that must see a position (its pool's last commit, or a caller's token) goes to a
///   replica known to have replayed it without asking; to another only after asking it (the
///   caller then reports the position it learned). None caught up in time: the primary reads.
/// - A replica that failed (unreachable, its connection lost) is skipped for a while — 1 s after
///   the first failure, doubling up to 30 s — and then tried again by the next read; a success
///   brings it back at once.
package struct ReplicaRouter<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// What the router knows of one replica.
    private struct Replica: Sendable {
        /// The furthest position it was seen to have replayed.
        var replayed: UInt64 = 0
        /// Consecutive failures.
        var failures = 0
        /// Skipped until then, after a failure.
        var downUntil: Instant?
    }

    /// A replica to try.
    package struct Choice: Sendable, Hashable {
        /// Its index in the configuration's list.
        package var replica: Int
        /// True when it is known to have replayed the position the read needs: no need to ask.
        package var caughtUp: Bool
    }

    private var replicas: [Replica]
    private var next = 0

    /// The longest a failed replica is skipped.
    package static var longestPause: Duration { .seconds(30) }

    /// A router over `count` replicas, all up.
    package init(count: Int) {
        replicas = Array(repeating: Replica(), count: count)
    }

    /// The next replica to try for a read that needs `position` (0: none) at `now`, among those not
    /// in `tried`; nil when none is left: the primary reads.
    package mutating func choose(needing position: UInt64, now: Instant, excluding tried: Set<Int> = []) -> Choice? {
        let count = replicas.count
        guard count > 0 else { return nil }
        // Up replicas known to be caught up first, then the other up ones, in turn order.
        var fallback: Int?
        for step in 0..<count {
            let index = (next + step) % count
            guard !tried.contains(index), isUp(index, now: now) else { continue }
            if position == 0 || replicas[index].replayed >= position {
                next = (index + 1) % count
                return Choice(replica: index, caughtUp: true)
            }
            if fallback == nil { fallback = index }
        }
        guard let fallback else { return nil }
        next = (fallback + 1) % count
        return Choice(replica: fallback, caughtUp: false)
    }

    /// A replica was seen to have replayed `position`.
    package mutating func replayed(_ replica: Int, _ position: UInt64) {
        replicas[replica].replayed = max(replicas[replica].replayed, position)
    }

    /// A replica served a read: it is up.
    package mutating func succeeded(_ replica: Int) {
        replicas[replica].failures = 0
        replicas[replica].downUntil = nil
    }

    /// A replica failed at `now`: skipped for a while, longer after each failure in a row.
    package mutating func failed(_ replica: Int, now: Instant) {
        replicas[replica].failures += 1
        let doublings = min(replicas[replica].failures - 1, 5)
        let pause = min(Duration.seconds(1) * (1 << doublings), Self.longestPause)
        replicas[replica].downUntil = now.advanced(by: pause)
    }

    /// How many times in a row `replica` failed.
    package func failures(_ replica: Int) -> Int {
        replicas[replica].failures
    }

    /// True when `replica` may be tried at `now`.
    package func isUp(_ replica: Int, now: Instant) -> Bool {
        guard let until = replicas[replica].downUntil else { return true }
        return now >= until
    }
}
