import Dispatch
import Foundation
import OptimisticLock
import OptimisticLockPostgres
import TestModels
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The pools where they are easiest to get wrong: a cancel that lands while a connection is being
/// handed over or opened, a server that never answers, connections the server closed while idle, a
/// cancel that cannot reach the server, and reads that try to write.
@Suite("Pool failures")
struct PoolFailureTests {
    @Test(
        "A cancel that lands just after a request starts, before its statement runs, still stops it",
        arguments: Backend.available)
    func cancelRightAfterStart(backend: Backend) async throws {
        let database = TestDatabase(backend)
        _ = try database.connectWithSchema()
        let pool = AnyPool(database, sqlite: .init(readers: 1), postgres: .init(connections: 1))
        _ = try await pool.write { db in try Author.count(db) }
        // Whether a cancelled statement ran to its end (timing would say the same, but a busy test
        // machine can delay a task for seconds).
        let completed = Locked(0)
        for round in 0..<40 {
            let work = Task {
                try await pool.write { db in
                    try slowQuery(db, seconds: 30)
                    completed.withLock { $0 += 1 }
                }
            }
            // From no delay at all to a few hundred microseconds: every stage of the hand-over.
            if round % 4 != 0 {
                let clock = ContinuousClock()
                let until = clock.now + .microseconds(round * 10)
                while clock.now < until { await Task.yield() }
            }
            work.cancel()
            let outcome = await work.result
            #expect(throws: CancellationError.self, "round \(round)") { try outcome.get() }
        }
        #expect(completed.withLock { $0 } == 0, "cancelled statements ran to their end")
        #expect(try await pool.write { db in try Author.count(db) } == 0)
        await pool.close()
    }

    @Test(
        "A cancel that lands while the pool opens the request's connection stops it", arguments: Backend.available)
    func cancelDuringConnect(backend: Backend) async throws {
        let database = TestDatabase(backend)
        _ = try database.connectWithSchema()
        let completed = Locked(0)
        for round in 0..<15 {
            let pool = AnyPool(database, sqlite: .init(readers: 1), postgres: .init(connections: 1))
            let work = Task {
                try await pool.write { db in
                    try slowQuery(db, seconds: 30)
                    completed.withLock { $0 += 1 }
                }
            }
            try await Task.sleep(for: .microseconds(round * 150))
            work.cancel()
            let outcome = await work.result
            #expect(throws: CancellationError.self, "round \(round)") { try outcome.get() }
            await pool.close()
        }
        #expect(completed.withLock { $0 } == 0, "cancelled statements ran to their end")
    }

    @Test("A server that accepts connections but never answers: cancel, the connect timeout and close all end")
    func silentServer() async throws {
        let server = try SilentServer()
        defer { server.close() }
        let url = "postgresql://nobody@127.0.0.1:\(server.port)/none?connect_timeout="
        let pool = PostgresPool(url: url + "2", configuration: .init(connections: 1, acquireTimeout: .seconds(1)))
        let clock = ContinuousClock()

        // Cancelled while connecting: ends then (a CancellationError, not the connect timeout's error;
        // a long connect timeout here, so that a test machine pausing this task cannot let it pass first).
        let patient = PostgresPool(url: url + "60", configuration: .init(connections: 1))
        let cancelled = Task { try await patient.write { db in try Author.count(db) } }
        try await Task.sleep(for: .milliseconds(300))
        cancelled.cancel()
        let outcome = await cancelled.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        await patient.close()

        // Not cancelled: fails with .connection when the connect timeout passes.
        let start = clock.now
        let error = await #expect(throws: DatabaseError.self) { try await pool.read { db in try Author.count(db) } }
        #expect(error?.kind == .connection, "\(String(describing: error))")
        #expect(error?.message.contains("connect timeout") == true, "\(String(describing: error))")
        #expect(clock.now - start < .seconds(30), "the connect timeout (2 s) ended the wait")

        // close() returns while a connect is under way.
        let hanging = Task { try await pool.write { db in try Author.count(db) } }
        try await Task.sleep(for: .milliseconds(100))
        let closing = Task<Void, any Error> { await pool.close() }
        #expect(await result(of: closing, within: .seconds(30)) != nil, "close() hangs")
        _ = await hanging.result
    }

    @Test("Idle connections whose backends were terminated are replaced before use: no request fails")
    func idleTerminated() async throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        let admin = try database.connectWithSchema()
        let application = "idle_\(UInt32.random(in: 0...UInt32.max))"
        let pool = AnyPool(database, postgres: .init(connections: 4), applicationName: application)
        for round in 0..<3 {
            // Open all four connections: four requests at once, each holding its connection until all
            // four have one (however late a task starts on a busy machine; at most 30 s).
            let holding = Locked(0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await pool.read { _ in
                            holding.withLock { $0 += 1 }
                            let deadline = ContinuousClock.now + .seconds(30)
                            while holding.withLock({ $0 }) < 4, ContinuousClock.now < deadline { usleep(1000) }
                        }
                    }
                }
                try await group.waitForAll()
            }
            // Waits (up to 10 s each) until the backends have exited, as after a server restart.
            let terminated = try admin.query(
                "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE application_name = $1",
                [.text(application)])
            #expect(terminated.count == 4, "round \(round)")
            // As after a server restart: every idle connection is gone, and no request may fail for it.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        if index % 2 == 0 {
                            try await pool.write { db in
                                var author = Author(name: "round \(round) writer \(index)")
                                try author.insert(db)
                            }
                        } else {
                            _ = try await pool.read { db in try Author.count(db) }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        #expect(try Author.count(admin) == 12)
        await pool.close()
    }

    @Test("A cancel that cannot reach the server does not hold up the end of the job; cancels repeat until it ends")
    func blockedCancel() async throws {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let calls = Locked(0)
        let interruption = ConnectionInterruption(nativeBlocks: true)
        // The first cancel hangs until released; later ones return at once.
        interruption.setNative {
            let call = calls.withLock { count in
                count += 1
                return count
            }
            if call == 1 {
                entered.signal()
                release.wait()
            }
        }
        interruption.request()
        entered.wait()
        let clock = ContinuousClock()
        let start = clock.now
        let inFlight = interruption.end()
        #expect(clock.now - start < .seconds(1), "end() waited for the cancel (which hangs until released)")
        #expect(inFlight, "the connection must not be reused while a cancel may still reach it")
        release.signal()
        try await Task.sleep(for: .milliseconds(200))
        #expect(calls.withLock { $0 } == 1, "the job had ended: the cancel was not sent again")

        // A job that runs on after its cancel (the cancel reached the server before its statement
        // did): the cancel is sent again until the job ends.
        interruption.request()
        let deadline = clock.now + .seconds(30)
        while calls.withLock({ $0 }) - 1 < 3, clock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(calls.withLock { $0 } - 1 >= 3, "the cancel was not sent again and again while the job ran on")
        _ = interruption.end()
        let sent = calls.withLock { $0 } - 1
        try await Task.sleep(for: .milliseconds(200))
        let after = calls.withLock { $0 } - 1
        #expect(after <= sent + 1, "no cancel after the job ended (\(after) against \(sent))")
    }

    @Test("A cancel the server never answers: the request ends with its statement, and the next one runs")
    func stalledCancel() async throws {
        guard let base = Backend.postgresURL,
            let (proxy, url) = try FaultProxy.make(for: base, holdCancels: true, test: "the stalled-cancel test")
        else { return }
        defer { proxy.close() }
        let pool = PostgresPool(url: url, configuration: .init(connections: 1))
        var backend = try await pool.read { db in db.backendProcessID }
        var stalledRounds = 0
        for round in 0..<4 {
            let held = proxy.held
            let work = Task { try await pool.write { db in _ = try db.query("SELECT pg_sleep(0.5)") } }
            try await Task.sleep(for: .milliseconds(100))
            work.cancel()
            // The cancel never arrives: the statement runs its 0.5 s, and the request ends then.
            let outcome = await result(of: work, within: .seconds(30))
            #expect(outcome != nil, "round \(round): the request hangs")
            guard outcome != nil else { return }
            let next = try await pool.read { db in db.backendProcessID }
            // (On a busy machine the cancel may come before the job started: then none is sent.)
            if try await proxy.settledHeld() > held {
                stalledRounds += 1
                // A stalled cancel could still reach the old connection: the next request has a new one.
                #expect(next != backend, "round \(round)")
            }
            backend = next
        }
        #expect(stalledRounds > 0, "no round sent a cancel: this test tested nothing")
        await pool.close()
    }

    @Test("A SQLite read cannot write: without readers, in memory, or after turning query_only off")
    func sqliteReadsCannotWrite() async throws {
        let file = TestDatabase(.sqlite)
        _ = try file.connectWithSchema()
        let memory = SQLitePool(path: ":memory:")
        try await memory.write { db in try Author.createTable(db) }
        let pools = [
            ("no readers", SQLitePool(path: file.path, configuration: .init(readers: 0))),
            ("memory", memory),
            ("one reader", SQLitePool(path: file.path, configuration: .init(readers: 1))),
        ]
        for (name, pool) in pools {
            await #expect(throws: DatabaseError.self, "\(name)") {
                try await pool.read { db in
                    var author = Author(name: "written by a read")
                    try author.insert(db)
                }
            }
            await #expect(throws: DatabaseError.self, "\(name): query_only turned off") {
                try await pool.read { db in
                    try db.executeScript("PRAGMA query_only = OFF")
                    var author = Author(name: "written by a read")
                    try author.insert(db)
                }
            }
            // The next read of the same connection is read-only again.
            await #expect(throws: DatabaseError.self, "\(name): after query_only was turned off") {
                try await pool.read { db in
                    var author = Author(name: "written by a read")
                    try author.insert(db)
                }
            }
            #expect(try await pool.read { db in try Author.count(db) } == 0, "\(name)")
            // Writes still write.
            try await pool.write { db in
                var author = Author(name: "written by a write")
                try author.insert(db)
            }
            #expect(try await pool.read { db in try Author.count(db) } == 1, "\(name)")
            try await pool.write { db in try db.executeScript("DELETE FROM \(Author.tableName)") }
        }
        for (_, pool) in pools { await pool.close() }
    }

    @Test(
        "Cancel storms: a request reports success exactly when its write was committed, with or without a transaction",
        arguments: Backend.available)
    func cancelStormsReportTheTruth(backend: Backend) async throws {
        let database = TestDatabase(backend)
        _ = try database.connectWithSchema()
        let pool = AnyPool(database, sqlite: .init(readers: 1), postgres: .init(connections: 2))
        try await pool.write { db in try db.executeScript("CREATE TABLE storm (id BIGINT PRIMARY KEY)") }
        let requests = 1_600
        // Four at a time, each cancelled 0 to 6 ms after it was made: at every stage of its
        // life, from waiting for a connection to committing.
        let succeeded = try await withThrowingTaskGroup(of: Int64?.self) { group in
            var ids: Set<Int64> = []
            for id in Int64(0)..<Int64(requests) {
                if id >= 4, let done = try await group.next(), let done { ids.insert(done) }
                group.addTask {
                    let work = Task {
                        let insert: @Sendable (any DatabaseConnection) throws -> Void = { db in
                            try db.execute("INSERT INTO storm (id) VALUES (\(db.dialect.placeholder(1)))", [.integer(id)])
                        }
                        if id % 2 == 0 { try await pool.writeWithoutTransaction(insert) } else { try await pool.write(insert) }
                    }
                    let clock = ContinuousClock()
                    let until = clock.now + .microseconds(Int.random(in: 0...6_000))
                    while clock.now < until { await Task.yield() }
                    work.cancel()
                    switch await work.result {
                    case .success: return id
                    case .failure(let error):
                        #expect(error is CancellationError, "\(error)")
                        return nil
                    }
                }
            }
            for try await id in group { if let id { ids.insert(id) } }
            return ids
        }
        let stored = try await pool.read { db in
            Set(try db.query("SELECT id FROM storm").map { try $0.int64("id") })
        }
        let committedButCancelled = stored.subtracting(succeeded).sorted()
        let reportedButMissing = succeeded.subtracting(stored).sorted()
        #expect(committedButCancelled.isEmpty, "committed, but reported cancelled: ids \(committedButCancelled.prefix(10))")
        #expect(reportedButMissing.isEmpty, "reported committed, but missing: ids \(reportedButMissing.prefix(10))")
        print("cancel storm (\(backend)): \(succeeded.count) of \(requests) requests committed, the rest cancelled")
        await pool.close()
    }

    @Test(
        "A body that catches the cancellation's error and goes on commits nothing: the request is cancelled (in write, and in its own transaction in writeWithoutTransaction)",
        arguments: Backend.available, [false, true])
    func swallowedCancellationCommitsNothing(backend: Backend, ownTransaction: Bool) async throws {
        let database = TestDatabase(backend)
        _ = try database.connectWithSchema()
        let pool = AnyPool(database, sqlite: .init(readers: 1), postgres: .init(connections: 1))
        let started = Locked(false)
        let cancelled = Locked(false)
        let body: @Sendable (any DatabaseConnection) throws -> Int = { db in
            var author = Author(name: "first")
            try author.insert(db)
            started.withLock { $0 = true }
            while !cancelled.withLock({ $0 }) { usleep(1_000) }
            do {
                var second = Author(name: "second")
                try second.insert(db)
            } catch {
                // A careless body logs the error and goes on.
            }
            return 1
        }
        let work = Task {
            if ownTransaction {
                try await pool.writeWithoutTransaction { db in try db.transaction { try body(db) } }
            } else {
                try await pool.write(body)
            }
        }
        while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
        work.cancel()
        cancelled.withLock { $0 = true }
        let outcome = await work.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        #expect(try await pool.read { db in try Author.count(db) } == 0, "half the transaction was committed")
        await pool.close()
    }

    @Test("A SQLite request waiting for another process's lock stops waiting when cancelled", arguments: [false, true])
    func cancelWhileWaitingForLock(withoutTransaction: Bool) async throws {
        let database = TestDatabase(.sqlite)
        _ = try database.connectWithSchema()
        let pool = SQLitePool(path: database.path, configuration: .init(readers: 1, busyTimeout: 300))
        _ = try await pool.read { db in try Author.count(db) }
        let other = try database.connect()
        try other.executeScript("BEGIN IMMEDIATE")
        let work = Task {
            let insert: @Sendable (SQLiteConnection) throws -> Void = { db in
                var author = Author(name: "waits")
                try author.insert(db)
            }
            if withoutTransaction { try await pool.writeWithoutTransaction(insert) } else { try await pool.write(insert) }
        }
        try await Task.sleep(for: .milliseconds(200))
        let clock = ContinuousClock()
        let cancelledAt = clock.now
        work.cancel()
        let outcome = await work.result
        let waited = cancelledAt.duration(to: clock.now)
        #expect(throws: CancellationError.self) { try outcome.get() }
        #expect(waited < .seconds(60), "the request waited \(waited) after its cancel (busy timeout 300 s)")
        try other.executeScript("ROLLBACK")
        #expect(try await pool.read { db in try Author.count(db) } == 0)
        try await pool.write { db in
            var author = Author(name: "after")
            try author.insert(db)
        }
        await pool.close()
    }

    @Test(
        "Requests racing close() are each either written or refused as closed, never a CancellationError nobody asked for",
        arguments: Backend.available)
    func closeRace(backend: Backend) async throws {
        var untrue: [String] = []
        for round in 0..<30 {
            let database = TestDatabase(backend)
            _ = try database.connectWithSchema()
            let pool = AnyPool(database, sqlite: .init(readers: 0), postgres: .init(connections: 1))
            _ = try await pool.read { db in try Author.count(db) }
            let outcomes = await withTaskGroup(of: (String, (any Error)?).self) { group in
                for index in 0..<16 {
                    let name = "r\(index)"
                    group.addTask {
                        do {
                            try await pool.write { db in
                                var author = Author(name: name)
                                try author.insert(db)
                            }
                            return (name, nil)
                        } catch {
                            return (name, error)
                        }
                    }
                    if index == 8 {
                        group.addTask {
                            await pool.close()
                            return ("", nil)
                        }
                    }
                }
                var outcomes: [(String, (any Error)?)] = []
                for await outcome in group where !outcome.0.isEmpty { outcomes.append(outcome) }
                return outcomes
            }
            let written = Set(try Author.fetchAll(try database.connect()).map(\.name))
            for (name, error) in outcomes {
                switch error {
                case nil where written.contains(name): break
                case let error as DatabaseError where error.kind == .connection && !written.contains(name): break
                default: untrue.append("round \(round) \(name): \(String(describing: error)), written: \(written.contains(name))")
                }
            }
        }
        #expect(untrue.isEmpty, "\(untrue.count) outcomes untrue: \(untrue.prefix(5))")
    }

    @Test("A request whose acquire timeout passes before it starts waiting fails with .timeout, not a CancellationError")
    func timeoutBeforeWaiting() async throws {
        let database = TestDatabase(.sqlite)
        _ = try database.connectWithSchema()
        let pool = SQLitePool(path: database.path, configuration: .init(readers: 0, acquireTimeout: .nanoseconds(1)))
        let started = Locked(false)
        let release = Locked(false)
        let holder = Task {
            try await pool.write { _ in
                started.withLock { $0 = true }
                while !release.withLock({ $0 }) { usleep(1000) }
            }
        }
        while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
        var others: [String] = []
        for _ in 0..<500 {
            do {
                try await pool.write { _ in }
                others.append("served while the only connection was held")
            } catch let error as DatabaseError where error.kind == .timeout {
            } catch {
                others.append("\(error)")
            }
        }
        release.withLock { $0 = true }
        try await holder.value
        #expect(others.isEmpty, "\(others.count) not .timeout: \(others.prefix(3))")
        await pool.close()
    }
}

/// A TCP server that accepts connections (the kernel completes the handshake) and never answers.
final class SilentServer: Sendable {
    let port: Int
    private let socket: Int32
    /// The listening socket.
    var socketDescriptor: Int32 { socket }

    init() throws {
        #if canImport(Glibc)
            let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 16) == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        socket = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        _ = closeDescriptor(socket)
    }
}

private func closeDescriptor(_ descriptor: Int32) -> Int32 {
    #if canImport(Glibc)
        Glibc.close(descriptor)
    #else
        Darwin.close(descriptor)
    #endif
}
