// A separate process for the multi-process contention test: opens its own connection to a SQLite
// file (or a PostgreSQL URL) and increments one counter N times, each a read-modify-write retried
// on conflict.
// Usage: contention-worker <database path or postgresql:// URL> <counter id> <increments>
// Prints "retries <n>" and exits 0, or prints the error and exits 1.
import Foundation
import OptimisticLock
import OptimisticLockPostgres
import TestModels

let arguments = CommandLine.arguments
guard arguments.count == 4, let counterID = Int64(arguments[2]), let increments = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: contention-worker <database> <counter id> <increments>\n".utf8))
    exit(2)
}
/// Increments the counter `increments` times and returns how many attempts conflicted.
func run(_ db: some DatabaseConnection) throws -> Int {
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

do {
    let target = arguments[1]
    let retries = target.hasPrefix("postgres")
        ? try run(PostgresConnection(url: target))
        : try run(SQLiteConnection(path: target, busyTimeout: 60))
    print("retries \(retries)")
} catch {
    print("error: \(error)")
    exit(1)
}
