// A separate process for the multi-process tests. Each mode opens its own connection.
//
//   contention-worker increment <database path or postgresql:// URL> <counter id> <increments>
//       Increments one counter N times, each a read-modify-write retried on conflict; prints "retries <n>".
//   contention-worker hold-transaction <sqlite path> <counter id> <rows>
//       In one transaction: updates the counter, inserts <rows> counters, prints "ready", then waits to be killed.
//   contention-worker hold-read <sqlite path> <counter id>
//       Reads the counter, changes it in memory, prints "read", then waits to be killed before its update.
import Foundation
import OptimisticLock
import OptimisticLockPostgres
import TestModels

/// Increments the counter `increments` times and returns how many attempts conflicted.
func increment(_ db: some DatabaseConnection, counterID: Int64, increments: Int) throws -> Int {
    var retries = 0
    for _ in 0..<increments {
        var attempt = 0
        try db.retryOnConflict(maxAttempts: 100_000) {
            attempt += 1
            guard var counter = try Counter.find(db, id: counterID) else {
                throw RecordNotFound(table: "counter", primaryKey: String(counterID))
            }
            counter.value += 1
            try counter.update(db)
        }
        retries += attempt - 1
    }
    return retries
}

/// Says `word` on standard output and waits to be killed.
func announceAndWait(_ word: String) -> Never {
    FileHandle.standardOutput.write(Data((word + "\n").utf8))
    while true { sleep(60) }
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch (arguments.first, arguments.count) {
    case ("increment", 4):
        guard let counterID = Int64(arguments[2]), let increments = Int(arguments[3]) else { break }
        let target = arguments[1]
        let retries =
            target.hasPrefix("postgres")
            ? try increment(PostgresConnection(url: target), counterID: counterID, increments: increments)
            : try increment(SQLiteConnection(path: target, busyTimeout: 60), counterID: counterID, increments: increments)
        print("retries \(retries)")
        exit(0)
    case ("hold-transaction", 4):
        guard let counterID = Int64(arguments[2]), let rows = Int(arguments[3]) else { break }
        let db = try SQLiteConnection(path: arguments[1])
        try db.transaction {
            var counter = try Counter.find(db, id: counterID)!
            counter.value = -1
            try counter.update(db)
            for _ in 0..<rows {
                var extra = Counter(value: 9_999)
                try extra.insert(db)
            }
            announceAndWait("ready")
        }
    case ("hold-read", 3):
        guard let counterID = Int64(arguments[2]) else { break }
        let db = try SQLiteConnection(path: arguments[1])
        var counter = try Counter.find(db, id: counterID)!
        counter.value = -1
        announceAndWait("read")
    default:
        break
    }
    FileHandle.standardError.write(Data("usage: see the comment at the top of Tests/ContentionWorker/main.swift\n".utf8))
    exit(2)
} catch {
    print("error: \(error)")
    exit(1)
}
