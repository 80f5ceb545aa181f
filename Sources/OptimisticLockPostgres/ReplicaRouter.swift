/// Which read replica serves a read, decided without threads or a clock of its own (the time comes
/// in with each event), and tested that way:
///
/// - Replicas take turns (round robin) among those that are up. (Whether one has replayed what a
///   read needs is asked on its connection, and remembered per connection: one URL may reach
///   several servers.)
/// - A replica that failed (unreachable, its connection lost) is skipped for a while — 1 s after
///   the first failure, doubling up to 30 s — and then tried again by the next read; a success
///   brings it back at once.
package struct ReplicaRouter<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// What the router knows of one replica.
    private struct Replica: Sendable {
        /// Consecutive failures.
        var failures = 0
        /// Skipped until then, after a failure.
        var downUntil: Instant?
    }

    private var replicas: [Replica]
    private var next = 0

    /// The longest a failed replica is skipped.
    package static var longestPause: Duration { .seconds(30) }

    /// A router over `count` replicas, all up.
    package init(count: Int) {
        replicas = Array(repeating: Replica(), count: count)
    }

    /// The next replica to try at `now` (its index in the configuration's list), among those not
    /// in `tried`; nil when none is left: the primary reads.
    package mutating func choose(now: Instant, excluding tried: Set<Int> = []) -> Int? {
        let count = replicas.count
        for step in 0..<count {
            let index = (next + step) % count
            guard !tried.contains(index), isUp(index, now: now) else { continue }
            next = (index + 1) % count
            return index
        }
        return nil
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
