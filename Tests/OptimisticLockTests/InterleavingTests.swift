import Foundation
@_spi(Testing) import OptimisticLock
import Synchronization
import TestModels
import Testing

/// Seeded random schedules of 2-3 connections, each on its own thread, doing reads, full and
/// partial updates, deletes (by record and by key and version), inserts and re-inserts of the same
/// keys, read-modify-write retries, transactions and savepoints that commit, roll back or fail at
/// COMMIT. An oracle keeps the committed history and, for every record copy a connection holds,
/// the write it is based on — by identity, not by version value — and checks that every successful
/// write was based on the latest version of its row that its connection could see, every conflict
/// was real, every read saw what the history says, and the database ends as the history ends.
@Suite("Interleavings")
struct InterleavingTests {
    static var schedules: Int {
        Int(ProcessInfo.processInfo.environment["OPTIMISTIC_LOCK_INTERLEAVINGS"] ?? "") ?? 2_000
    }

    @Test("No write is ever based on a version that is not the latest", arguments: Backend.available)
    func property(backend: Backend) throws {
        let count = backend == .sqlite ? Self.schedules : max(1, Self.schedules / 2)
        let harness = try Harness(backend: backend)
        defer { harness.stop() }
        var outcomes = Outcomes()
        let base = UInt64.random(in: 0...UInt64.max >> 1)
        for index in 0..<count {
            let seed = base &+ UInt64(index)
            let result = try harness.run(seed: seed)
            outcomes.add(result.outcomes)
            guard result.violations.isEmpty else {
                Issue.record(
                    """
                    seed \(seed) (\(backend)): \(result.violations.joined(separator: "; "))
                    schedule:
                    \(result.log.suffix(60).joined(separator: "\n"))
                    """)
                return
            }
        }
        print("interleavings (\(backend)): \(count) schedules, \(outcomes)")
        // The schedules reached every kind of outcome the oracle judges.
        #expect(outcomes.writes > count && outcomes.conflicts > 0 && outcomes.rolledBack > 0 && outcomes.failedCommits > 0)
    }

    @Test("The oracle notices lost updates when connections issue the same versions", arguments: Backend.available)
    func oracleCatchesRepeatedVersions(backend: Backend) throws {
        let harness = try Harness(backend: backend, sameSeedEverywhere: true)
        defer { harness.stop() }
        // About one schedule in fifty lets a repeated version through; run until the oracle sees one.
        var schedules = 0
        var caught: [String] = []
        while caught.isEmpty && schedules < 3_000 {
            caught = try harness.run(seed: UInt64(schedules)).violations
            schedules += 1
        }
        #expect(!caught.isEmpty, "identical version streams must let stale copies through, and the oracle must see it")
        print(
            "interleavings with repeated versions (\(backend)): after \(schedules) schedules the oracle saw \(caught.first ?? "nothing")"
        )
    }
}

// MARK: - Schedules and the oracle

/// Counts of what happened, to show the schedules exercise every case.
struct Outcomes: CustomStringConvertible {
    var writes = 0, conflicts = 0, rolledBack = 0, failedCommits = 0, errors = 0

    mutating func add(_ other: Outcomes) {
        writes += other.writes
        conflicts += other.conflicts
        rolledBack += other.rolledBack
        failedCommits += other.failedCommits
        errors += other.errors
    }

    var description: String {
        "\(writes) writes, \(conflicts) conflicts, \(rolledBack) rolled-back transactions or savepoints, "
            + "\(failedCommits) failed commits, \(errors) other errors (busy, lock timeouts, duplicate keys)"
    }
}

/// SplitMix64: a seeded generator, so a schedule can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A row as the history knows it: which write made it, its version and its value.
struct RowState: Equatable {
    var write: Int
    var version: Int64
    var value: Int64
}

/// What a connection does in one step.
enum Operation: Sendable, CustomStringConvertible {
    case read(Int64)
    case update(Int64)
    case partialUpdate(Int64)
    case delete(Int64)
    case deleteByKey(Int64)
    case insert(Int64)
    case save(Int64)
    case retry(Int64)

    var id: Int64 {
        switch self {
        case .read(let id), .update(let id), .partialUpdate(let id), .delete(let id), .deleteByKey(let id),
            .insert(let id), .save(let id), .retry(let id):
            id
        }
    }

    var description: String {
        switch self {
        case .read(let id): "read \(id)"
        case .update(let id): "update \(id)"
        case .partialUpdate(let id): "update \(id) columns [value]"
        case .delete(let id): "delete \(id)"
        case .deleteByKey(let id): "delete id \(id) version"
        case .insert(let id): "insert \(id)"
        case .save(let id): "save \(id)"
        case .retry(let id): "retryOnConflict read-increment \(id)"
        }
    }
}

/// How a transaction level ends.
enum Ending: Sendable {
    case commit, rollback, failCommit
}

enum Command: Sendable {
    case operation(Operation)
    case begin
    case end(Ending)
    case reset(reseed: Bool)
    case stop
}

/// What a step did, as the worker saw it.
enum Reply: Sendable {
    /// A write stored this state (the version and value now on the row); `from` is the copy's version before.
    case wrote(from: Int64?, version: Int64, value: Int64)
    case deleted(from: Int64)
    case read(version: Int64, value: Int64)
    case missing
    case conflict(expected: Int64, actual: Int64?)
    case skipped
    case failed(String, uniqueViolation: Bool)
    case begun
    case beginFailed(String)
    case ended(committed: Bool, String?)
    case done
}

/// A value passed between threads one at a time.
final class Mailbox<Item: Sendable>: Sendable {
    private let items = Mutex<[Item]>([])
    private let available = DispatchSemaphore(value: 0)

    func send(_ item: Item) {
        items.withLock { $0.append(item) }
        available.signal()
    }

    func receive() -> Item {
        available.wait()
        return items.withLock { $0.removeFirst() }
    }
}

/// One connection on its own thread, doing what the scheduler says, one step at a time. Transactions
/// are `transaction { }` closures, so a level stays open on the worker's stack while other
/// connections take their steps.
final class Worker: Sendable {
    let inbox = Mailbox<Command>()
    let outbox = Mailbox<Reply>()
    struct Boom: Error {}

    init(connect: @escaping @Sendable () throws -> any DatabaseConnection) {
        let inbox = inbox
        let outbox = outbox
        let thread = Thread {
            do {
                let db = try connect()
                var records: [Int64: Counter] = [:]
                while Worker.serve(inbox.receive(), db, &records, inbox, outbox) {}
            } catch {
                // Answer every command with the failure so the scheduler sees it.
                while true {
                    if case .stop = inbox.receive() { break }
                    outbox.send(.failed("cannot connect: \(error)", uniqueViolation: false))
                }
            }
        }
        thread.stackSize = 1 << 22
        thread.start()
    }

    /// Serves one command at the outermost level; false after `.stop`.
    static func serve(
        _ command: Command, _ db: any DatabaseConnection, _ records: inout [Int64: Counter],
        _ inbox: Mailbox<Command>, _ outbox: Mailbox<Reply>
    ) -> Bool {
        switch command {
        case .stop:
            return false
        case .reset(let reseed):
            records.removeAll()
            // Every connection starts the schedule with the same version stream: what the oracle must catch.
            if reseed { db.versionGenerator.reseed(counter: 1, key: 2) }
            do {
                try db.executeScript(#"DELETE FROM "commit_guard"; DELETE FROM "counter""#)
                outbox.send(.done)
            } catch {
                outbox.send(.failed("reset: \(error)", uniqueViolation: false))
            }
        case .operation(let operation):
            outbox.send(perform(operation, db, &records))
        case .begin:
            level(db, &records, inbox, outbox)
        case .end:
            outbox.send(.failed("end without a transaction", uniqueViolation: false))
        }
        return true
    }

    /// Opens a transaction level and serves commands inside it until its `.end`.
    static func level(
        _ db: any DatabaseConnection, _ records: inout [Int64: Counter], _ inbox: Mailbox<Command>,
        _ outbox: Mailbox<Reply>
    ) {
        var begun = false
        do {
            try db.transaction {
                begun = true
                outbox.send(.begun)
                while true {
                    switch inbox.receive() {
                    case .end(.commit):
                        return
                    case .end(.rollback):
                        throw Boom()
                    case .end(.failCommit):
                        // A row whose deferred reference is missing: COMMIT fails and rolls back.
                        try db.execute(
                            db.dialect == .sqlite
                                ? #"INSERT INTO "commit_guard" VALUES (?)"# : #"INSERT INTO "commit_guard" VALUES ($1)"#,
                            [.integer(999_999)])
                        return
                    case .begin:
                        level(db, &records, inbox, outbox)
                    case .operation(let operation):
                        outbox.send(perform(operation, db, &records))
                    case .reset, .stop:
                        outbox.send(.failed("reset inside a transaction", uniqueViolation: false))
                    }
                }
            }
            outbox.send(.ended(committed: true, nil))
        } catch {
            if begun {
                outbox.send(.ended(committed: false, "\(error)"))
            } else {
                outbox.send(.beginFailed("\(error)"))
            }
        }
    }

    static func perform(_ operation: Operation, _ db: any DatabaseConnection, _ records: inout [Int64: Counter]) -> Reply {
        let id = operation.id
        do {
            switch operation {
            case .read:
                guard let row = try Counter.find(db, id: id) else {
                    records[id] = nil
                    return .missing
                }
                records[id] = row
                return .read(version: row.version, value: row.value)
            case .update, .partialUpdate, .save:
                guard var record = records[id] else { return .skipped }
                let before = record.version
                record.value += 1
                do {
                    switch operation {
                    case .partialUpdate: try record.update(db, columns: [.value])
                    case .save: try record.save(db)
                    default: try record.update(db)
                    }
                } catch let conflict as ConcurrentUpdate {
                    return .conflict(expected: conflict.expectedVersion, actual: conflict.actualVersion)
                }
                records[id] = record
                return .wrote(from: before, version: record.version, value: record.value)
            case .delete, .deleteByKey:
                guard let record = records[id] else { return .skipped }
                do {
                    if case .delete = operation {
                        try record.delete(db)
                    } else {
                        try Counter.delete(db, id: id, version: record.version)
                    }
                } catch let conflict as ConcurrentUpdate {
                    return .conflict(expected: conflict.expectedVersion, actual: conflict.actualVersion)
                }
                records[id] = nil
                return .deleted(from: record.version)
            case .insert:
                var record = Counter(id: id, value: 0)
                try record.insert(db)
                records[id] = record
                return .wrote(from: nil, version: record.version, value: record.value)
            case .retry:
                var read: Counter?
                let record: Counter? = try db.retryOnConflict(maxAttempts: 2) {
                    guard var fresh = try Counter.find(db, id: id) else { return nil }
                    read = fresh
                    fresh.value += 1
                    try fresh.update(db)
                    return fresh
                }
                guard let record, let read else { return .missing }
                records[id] = record
                return .wrote(from: read.version, version: record.version, value: record.value)
            }
        } catch let error as DatabaseError {
            return .failed("\(error)", uniqueViolation: error.isUniqueViolation)
        } catch {
            return .failed("\(error)", uniqueViolation: false)
        }
    }
}

/// The connections, the oracle and the schedule generator.
final class Harness {
    let backend: Backend
    let database: TestDatabase
    let workers: [Worker]
    let sameSeedEverywhere: Bool

    init(backend: Backend, sameSeedEverywhere: Bool = false) throws {
        self.backend = backend
        self.sameSeedEverywhere = sameSeedEverywhere
        database = TestDatabase(backend)
        let setup = try database.connectWithSchema()
        let reference = backend == .sqlite ? "INTEGER" : "bigint"
        try setup.executeScript(
            """
            CREATE TABLE IF NOT EXISTS "commit_guard" ("counter_id" \(reference) REFERENCES "counter" ("id")
                DEFERRABLE INITIALLY DEFERRED)
            """)
        if backend == .postgres {
            // Every schedule empties the tables, so autovacuum keeps visiting them, and truncating an
            // emptied table takes an exclusive lock that outlasts the workers' 5 ms lock timeout —
            // a failed reset or final read that says nothing about the library.
            for table in ["counter", "commit_guard"] {
                try setup.executeScript(
                    #"ALTER TABLE "\#(table)" SET (autovacuum_enabled = off, vacuum_truncate = off)"#)
            }
        }
        let database = database
        workers = (0..<3).map { _ in
            Worker {
                let db: any DatabaseConnection
                switch backend {
                case .sqlite:
                    // No waiting for locks: a step that meets another connection's lock fails at once.
                    db = try SQLiteConnection(path: database.path, busyTimeout: 0)
                case .postgres:
                    db = try database.connect()
                    try db.executeScript("SET lock_timeout = '5ms'")
                }
                return db
            }
        }
    }

    func stop() {
        for worker in workers { worker.inbox.send(.stop) }
    }

    func ask(_ worker: Int, _ command: Command) -> Reply {
        workers[worker].inbox.send(command)
        return workers[worker].outbox.receive()
    }

    struct Result {
        var violations: [String] = []
        var log: [String] = []
        var outcomes = Outcomes()
    }

    /// Runs one schedule from a clean table and judges every step.
    func run(seed: UInt64) throws -> Result {
        var random = SeededGenerator(state: seed)
        var result = Result()
        if case .failed(let message, _) = ask(0, .reset(reseed: sameSeedEverywhere)) {
            throw DatabaseError.misuse(message, sql: nil)
        }
        for worker in workers.indices.dropFirst() { _ = ask(worker, .reset(reseed: sameSeedEverywhere)) }

        let connections = Int.random(in: 2...3, using: &random)
        var committed: [Int64: RowState] = [:]
        /// Per connection, the open levels: rows written in each (nil = deleted).
        var levels = [[[Int64: RowState?]]](repeating: [], count: connections)
        /// Per connection, the write each held record is based on.
        var copies = [[Int64: Int]](repeating: [:], count: connections)
        var nextWrite = 0

        func view(_ c: Int, _ id: Int64) -> RowState? {
            for level in levels[c].reversed() {
                if let entry = level[id] { return entry }
            }
            return committed[id]
        }
        func store(_ c: Int, _ id: Int64, _ row: RowState?) {
            if levels[c].isEmpty {
                committed[id] = row
            } else {
                levels[c][levels[c].count - 1][id] = .some(row)
            }
        }
        func violation(_ text: String) {
            result.violations.append(text)
            result.log.append("  !! " + text)
        }

        func step(_ c: Int, _ command: Command) {
            let reply = ask(c, command)
            switch command {
            case .operation(let operation):
                judge(c, operation, reply)
            case .begin:
                result.log.append("c\(c) begin -> \(reply)")
                if case .begun = reply { levels[c].append([:]) }
            case .end(let ending):
                result.log.append("c\(c) end \(ending) -> \(reply)")
                guard case .ended(let committedLevel, _) = reply else {
                    violation("c\(c): unexpected reply \(reply) to end")
                    return
                }
                let level = levels[c].removeLast()
                if committedLevel {
                    if ending == .failCommit && levels[c].isEmpty { violation("c\(c): a COMMIT that had to fail succeeded") }
                    for (id, row) in level { store(c, id, row) }
                } else {
                    // Rolled back on purpose, or a COMMIT that failed: a reference deferred to COMMIT
                    // (also one written in a released savepoint), or on PostgreSQL a transaction an
                    // earlier failed statement had aborted.
                    result.outcomes.rolledBack += 1
                    if ending != .rollback && levels[c].isEmpty { result.outcomes.failedCommits += 1 }
                }
            default:
                break
            }
        }

        func judge(_ c: Int, _ operation: Operation, _ reply: Reply) {
            let id = operation.id
            let current = view(c, id)
            result.log.append(
                "c\(c) \(operation) -> \(reply)   [sees \(current.map { "w\($0.write) v\($0.version) =\($0.value)" } ?? "none")]")
            switch reply {
            case .read(let version, let value):
                guard let current, current.version == version, current.value == value else {
                    return violation("c\(c) read \(id) as v\(version) =\(value), the history says \(String(describing: current))")
                }
                copies[c][id] = current.write
            case .missing:
                if case .read = operation { copies[c][id] = nil }
                if let current { violation("c\(c) found no row \(id), the history has \(current)") }
            case .wrote(let from, let version, let value):
                result.outcomes.writes += 1
                if from == nil {
                    // An insert.
                    if let current { violation("c\(c) inserted \(id) over \(current)") }
                } else if case .retry = operation {
                    if current?.value != value - 1 {
                        violation("c\(c) retry wrote =\(value) over \(String(describing: current))")
                    }
                } else {
                    guard let current, let based = copies[c][id], based == current.write else {
                        return violation(
                            "LOST UPDATE: c\(c) wrote \(id) from a copy of w\(copies[c][id] ?? -1), the latest it can see is \(String(describing: current))"
                        )
                    }
                    if value != current.value + 1 { violation("c\(c) wrote =\(value) over =\(current.value)") }
                }
                if !VersionGenerator.isValid(version) { violation("c\(c) stored version \(version)") }
                nextWrite += 1
                store(c, id, RowState(write: nextWrite, version: version, value: value))
                copies[c][id] = nextWrite
            case .deleted:
                result.outcomes.writes += 1
                guard let current, let based = copies[c][id], based == current.write else {
                    return violation(
                        "LOST UPDATE: c\(c) deleted \(id) from a copy of w\(copies[c][id] ?? -1), the latest it can see is \(String(describing: current))"
                    )
                }
                store(c, id, nil)
                copies[c][id] = nil
            case .conflict(_, let actual):
                result.outcomes.conflicts += 1
                if let current, copies[c][id] == current.write {
                    violation("c\(c): a false conflict on \(id): its copy is the latest (\(current))")
                }
                if actual != current?.version {
                    violation(
                        "c\(c): the conflict reports v\(String(describing: actual)), the history has \(String(describing: current))"
                    )
                }
            case .failed(let message, let uniqueViolation):
                result.outcomes.errors += 1
                if uniqueViolation, case .insert = operation, current == nil {
                    violation("c\(c): insert \(id) refused as a duplicate, but the history has no row: \(message)")
                }
            case .skipped:
                break
            default:
                violation("c\(c): unexpected reply \(reply)")
            }
        }

        let steps = Int.random(in: 20...50, using: &random)
        let ids: ClosedRange<Int64> = 1...3
        for _ in 0..<steps {
            let c = Int.random(in: 0..<connections, using: &random)
            let roll = Double.random(in: 0..<1, using: &random)
            if !levels[c].isEmpty && roll < 0.18 {
                let kind = Double.random(in: 0..<1, using: &random)
                step(c, .end(kind < 0.55 ? .commit : kind < 0.8 ? .rollback : .failCommit))
            } else if roll < 0.32 && levels[c].count < 3 {
                step(c, .begin)
            } else {
                let id = Int64.random(in: ids, using: &random)
                let operations: [Operation] = [
                    .read(id), .read(id), .update(id), .update(id), .partialUpdate(id), .save(id), .delete(id),
                    .deleteByKey(id), .insert(id), .insert(id), .retry(id),
                ]
                step(c, .operation(operations.randomElement(using: &random)!))
            }
            if !result.violations.isEmpty {
                // Leave every connection outside a transaction for the next schedule.
                for c in 0..<connections {
                    for _ in levels[c] { _ = ask(c, .end(.rollback)) }
                }
                return result
            }
        }
        // Close what is open, innermost first, then compare the table with the history.
        for c in 0..<connections {
            while !levels[c].isEmpty {
                step(c, .end(Bool.random(using: &random) ? .commit : .rollback))
            }
        }
        for id in ids {
            let reply = ask(0, .operation(.read(id)))
            let stored: RowState? = committed[id]
            switch reply {
            case .read(let version, let value):
                if stored?.version != version || stored?.value != value {
                    violation("at the end row \(id) is v\(version) =\(value), the history says \(String(describing: stored))")
                }
            case .missing:
                if let stored { violation("at the end row \(id) is missing, the history says \(stored)") }
            default:
                violation("at the end reading \(id) gave \(reply)")
            }
        }
        return result
    }
}
