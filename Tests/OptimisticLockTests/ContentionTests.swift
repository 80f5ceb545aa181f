import Foundation
import OptimisticLock
import TestModels
import TestSupport
import Testing

/// S9: under contention no update is lost: real threads, each with its own connection, and real processes.
@Suite("Contention (S9)")
struct ContentionTests {
    /// Runs `count` threads and waits for all of them; returns the errors they threw.
    static func runThreads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) -> [String] {
        let errors = ThreadLock<[String]>([])
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            let thread = Thread {
                do {
                    try body(index)
                } catch {
                    errors.withLock { $0.append("thread \(index): \(error)") }
                }
                group.leave()
            }
            thread.start()
        }
        group.wait()
        return errors.withLock { $0 }
    }

    @Test(
        "25 threads x 5 increments on their own connections to one file: exactly 125",
        arguments: Backend.available)
    func threads(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var counter = Counter()
        try counter.insert(db)
        let id = try #require(counter.id)
        let retries = ThreadLock(0)
        let errors = Self.runThreads(25) { _ in
            let connection = try database.connect()
            for _ in 0..<5 {
                var attempts = 0
                try connection.retryOnConflict(maxAttempts: 100_000) {
                    attempts += 1
                    var current = try #require(try Counter.find(connection, id: id))
                    current.value += 1
                    try current.update(connection)
                }
                retries.withLock { $0 += attempts - 1 }
            }
        }
        #expect(errors.isEmpty, "\(errors)")
        let final = try #require(try Counter.find(db, id: id))
        #expect(final.value == 125)
        #expect(VersionGenerator.isValid(final.version) && final.version != counter.version)
        print("threads (\(backend)): 125 increments, \(retries.withLock { $0 }) retries")
    }

    @Test(
        "Without retrying, concurrent writers conflict instead of overwriting each other",
        arguments: Backend.available)
    func conflictsAreReported(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var counter = Counter()
        try counter.insert(db)
        let id = try #require(counter.id)
        let successes = ThreadLock(0)
        let conflicts = ThreadLock(0)
        let errors = Self.runThreads(8) { _ in
            let connection = try database.connect()
            for _ in 0..<20 {
                var current = try #require(try Counter.find(connection, id: id))
                current.value += 1
                do {
                    try current.update(connection)
                    successes.withLock { $0 += 1 }
                } catch is ConcurrentUpdate {
                    conflicts.withLock { $0 += 1 }
                }
            }
        }
        #expect(errors.isEmpty, "\(errors)")
        let final = try #require(try Counter.find(db, id: id))
        // Every successful update is counted exactly once: none overwrote another.
        #expect(final.value == Int64(successes.withLock { $0 }))
        #expect(successes.withLock { $0 } + conflicts.withLock { $0 } == 160)
    }

    @Test("4 processes x 25 increments on one database: exactly 100", arguments: Backend.available)
    func processes(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var counter = Counter()
        try counter.insert(db)
        let id = try #require(counter.id)
        let worker = BuiltExecutable.path("contention-worker")
        try #require(FileManager.default.isExecutableFile(atPath: worker), "contention-worker not found at \(worker)")
        var processes: [(Process, Pipe)] = []
        for _ in 0..<4 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: worker)
            process.arguments = ["increment", database.path, String(id), "25"]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            processes.append((process, pipe))
        }
        var totalRetries = 0
        for (process, pipe) in processes {
            let output = String(decoding: readToEnd(pipe.fileHandleForReading), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "worker failed: \(output)")
            totalRetries += Int(output.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        }
        let final = try #require(try Counter.find(db, id: id))
        #expect(final.value == 100)
        #expect(VersionGenerator.isValid(final.version) && final.version != counter.version)
        print("processes (\(backend)): 100 increments, \(totalRetries) retries")
    }
}
