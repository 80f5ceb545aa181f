import Foundation
import Glibc
import OptimisticLock
import OptimisticLockPostgres
import TestModels
import TestSupport
import Testing

/// A failover under load, on a primary and a synchronous standby of the test's own
/// (`.ci/topology.sh failover-pair`): the primary is stopped, the standby promoted, and the pool —
/// on a multi-host URL with `target_session_attrs=read-write` — writes on.
@Suite("Failover")
struct FailoverTests {
    /// Runs `.ci/topology.sh` with `arguments`; its standard output.
    static func topology(_ arguments: [String]) throws -> String {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".ci/topology.sh")
        var pipe: [Int32] = [0, 0]
        guard Glibc.pipe(&pipe) == 0 else { throw POSIXError(.EIO) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Only standard output leads to the pipe: the servers the script starts live on, and a
        // descriptor they inherited would keep the pipe open (and this read waiting) for good.
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipe[0])
        posix_spawn_file_actions_addclose(&actions, pipe[1])
        let argv = (["/bin/bash", script.path] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, argv, environ)
        Glibc.close(pipe[1])
        guard spawned == 0 else {
            Glibc.close(pipe[0])
            throw POSIXError(.EIO)
        }
        let output = readToEnd(FileHandle(fileDescriptor: pipe[0], closeOnDealloc: true))
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            throw POSIXError(.EIO, userInfo: [NSLocalizedDescriptionKey: "topology.sh \(arguments) failed: \(status)"])
        }
        return String(decoding: output, as: UTF8.self)
    }

    @Test("8 tasks increment through a multi-host URL while the primary stops and the synchronous standby is promoted")
    func failoverUnderLoad() async throws {
        guard Backend.postgresURL != nil,
            FileManager.default.fileExists(atPath: "/usr/lib/postgresql")
        else {
            print("skipped: the failover test needs PostgreSQL's server binaries (and OPTIMISTIC_LOCK_POSTGRES_URL set)")
            return
        }
        let folder = "/tmp/optimistic-lock-failover-\(UUID().uuidString.prefix(8))"
        let lines = try Self.topology(["failover-pair", folder])
        defer { _ = try? Self.topology(["destroy", folder]) }
        var urls: [String: String] = [:]
        for line in lines.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { urls[parts[0]] = parts[1] }
        }
        let multiHost = try #require(urls["MULTI_HOST_URL"])
        let standby = try #require(urls["STANDBY_URL"])

        let setup = try PostgresConnection(url: multiHost)
        try Counter.createTable(setup)
        var counter = Counter()
        try counter.insert(setup)
        let id = try #require(counter.id)

        let timeout = Duration.seconds(5)
        let pool = PostgresPool(url: multiHost, configuration: .init(connections: 8, requestTimeout: timeout))
        struct Tally: Sendable {
            var acknowledged = 0
            var unknown = 0
            var nothingKept: [String: Int] = [:]
            var slowest = Duration.zero
            var afterPromotion = 0
        }
        let tally = Locked(Tally())
        let running = Locked(true)
        let promoted = Locked(false)
        let clock = ContinuousClock()
        let load = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        while running.withLock({ $0 }) {
                            let start = clock.now
                            do {
                                try await pool.retryOnConflict { db in
                                    var row = try #require(try Counter.find(db, id: id))
                                    row.value += 1
                                    try row.update(db)
                                }
                                let isPromoted = promoted.withLock { $0 }
                                tally.withLock {
                                    $0.acknowledged += 1
                                    if isPromoted { $0.afterPromotion += 1 }
                                }
                            } catch is ConcurrentUpdate {
                                // Ten attempts lost to the other seven tasks: nothing kept.
                                tally.withLock { $0.nothingKept["conflict", default: 0] += 1 }
                            } catch let error as DatabaseError where error.mayHaveCommitted {
                                tally.withLock { $0.unknown += 1 }
                            } catch let error as DatabaseError {
                                tally.withLock { $0.nothingKept["\(error.kind)", default: 0] += 1 }
                                try await Task.sleep(for: .milliseconds(20))
                            }
                            let took = clock.now - start
                            tally.withLock { $0.slowest = max($0.slowest, took) }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        try await Task.sleep(for: .seconds(1))
        _ = try Self.topology(["stop-primary", folder])
        try await Task.sleep(for: .milliseconds(500))
        _ = try Self.topology(["promote", folder])
        promoted.withLock { $0 = true }
        // Writes resume on the new primary; let them run a while.
        let until = clock.now + .seconds(30)
        while tally.withLock({ $0.afterPromotion }) < 50, clock.now < until { try await Task.sleep(for: .milliseconds(50)) }
        try await Task.sleep(for: .milliseconds(500))
        running.withLock { $0 = false }
        try await load.value
        await pool.close()

        let final = try #require(try Counter.find(try PostgresConnection(url: standby), id: id)).value
        let result = tally.withLock { $0 }
        print(
            "failover: \(result.acknowledged) acknowledged (\(result.afterPromotion) after the promotion), \(result.unknown) unknown, nothing kept: \(result.nothingKept); counter \(final); slowest request \(result.slowest)"
        )
        #expect(result.afterPromotion >= 50, "writes did not resume on the promoted standby")
        #expect(final >= Int64(result.acknowledged), "an acknowledged increment was lost")
        #expect(final <= Int64(result.acknowledged + result.unknown), "an increment was kept that an error said was not")
        // Each attempt is bounded by the request timeout and the 2 s grace; retryOnConflict makes
        // up to 10 attempts, but only after conflicts, which answer at once. (Measured from the
        // task that awaits the request, which a loaded test machine can delay: a loose bound.)
        #expect(result.slowest < timeout + .seconds(2) + .seconds(45))
    }
}
