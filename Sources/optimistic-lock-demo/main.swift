// The optimistic-lock demo: models generated at build time from Schemas/ by the plugin, stored in a
// SQLite file. Part 1: two editors, one post, one conflict. Part 2: four workers selling the last
// 100 seats of a concert at once, without a single lost update.
import Foundation
import OptimisticLock
import Synchronization

let path = FileManager.default.temporaryDirectory.appendingPathComponent("optimistic-lock-demo-\(getpid()).sqlite").path

/// Deletes the database file and ends the program.
func finish(_ status: Int32) -> Never {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    exit(status)
}

do {
    let db = try SQLiteConnection(path: path)
    try Author.createTable(db)
    try Post.createTable(db)
    try Event.createTable(db)
    try Booking.createTable(db)
    print("Database: \(path)\n")

    // MARK: Part 1 — two editors
    print("1. Two editors open the same post")
    var author = Author(name: "Ada", email: "ada@example.com")
    try author.insert(db)
    var post = Post(id: UUID(), authorID: author.id!, title: "Optimistic locking", createdAt: Date())
    try post.insert(db)

    var alice = try Post.find(db, id: post.id)!
    var bob = try Post.find(db, id: post.id)!
    print("   Alice and Bob both load \"\(alice.title)\" at version \(alice.version)")

    alice.title = "Optimistic locking, explained"
    try alice.update(db)
    print("   Alice saves a new title            -> version \(alice.version)")

    bob.body = "No locks are held while people edit."
    do {
        try bob.update(db)
        print("   Bob's save went through: this would have been a lost update")
    } catch let conflict as ConcurrentUpdate {
        print("   Bob saves his body text            -> ConcurrentUpdate")
        print(
            "     expected version \(conflict.expectedVersion), the row is at version \(conflict.actualVersion.map(String.init) ?? "none")"
        )
        print("     \(conflict)")
        let change = bob.body
        try bob.reload(db)
        bob.body = change
        try bob.update(db)
        print("   Bob reloads, reapplies, saves      -> version \(bob.version)")
    }
    let stored = try Post.find(db, id: post.id)!
    print("   Stored: title \"\(stored.title)\", body \"\(stored.body)\", version \(stored.version)")
    print("   Both changes are kept.\n")

    // MARK: Part 2 — contention
    let seats = 100
    let workers = 4
    let attemptsPerWorker = 40
    print("2. \(workers) workers, each on its own connection, try to sell \(attemptsPerWorker) of \(seats) seats")
    var concert = Event(id: "concert", title: "The last concert", seatsLeft: seats, startsAt: Date())
    try concert.insert(db)

    let sold = Mutex(0)
    let soldOut = Mutex(0)
    let retries = Mutex(0)
    let failures = Mutex<[String]>([])
    let group = DispatchGroup()
    for worker in 0..<workers {
        group.enter()
        Thread {
            defer { group.leave() }
            do {
                let connection = try SQLiteConnection(path: path)
                for attempt in 0..<attemptsPerWorker {
                    var tries = 0
                    // Each attempt is one transaction: the seat and the booking are written together or not at all.
                    let booked: Bool = try connection.retryOnConflict(maxAttempts: 1_000) {
                        tries += 1
                        var event = try Event.find(connection, id: "concert")!
                        guard event.seatsLeft > 0 else { return false }
                        event.seatsLeft -= 1
                        try event.update(connection)  // conditional: throws if another worker sold first
                        var booking = Booking(
                            id: UUID(), eventID: event.id, customer: "worker \(worker) #\(attempt)",
                            seat: Int32(event.seatsLeft + 1))
                        try booking.insert(connection)
                        return true
                    }
                    retries.withLock { $0 += tries - 1 }
                    if booked { sold.withLock { $0 += 1 } } else { soldOut.withLock { $0 += 1 } }
                }
            } catch {
                failures.withLock { $0.append("worker \(worker): \(error)") }
            }
        }.start()
    }
    group.wait()

    let final = try Event.find(db, id: "concert")!
    let bookings = try Booking.count(db)
    print(
        "   Seats sold: \(sold.withLock { $0 }), turned away (sold out): \(soldOut.withLock { $0 }), retries after a conflict: \(retries.withLock { $0 })"
    )
    print("   (On SQLite an attempt's transaction takes the write lock before its first read, so attempts wait")
    print("   for each other instead of conflicting; on PostgreSQL they conflict and retry.)")
    print("   Seats left in the database: \(final.seatsLeft), bookings stored: \(bookings), event version: \(final.version)")
    for failure in failures.withLock({ $0 }) { print("   error: \(failure)") }
    let exact = final.seatsLeft == 0 && bookings == seats && sold.withLock { $0 } == seats && failures.withLock { $0.isEmpty }
    print(exact ? "   Exact: every seat sold once, no update lost." : "   MISMATCH: an update was lost")
    finish(exact ? 0 : 1)
} catch {
    print("error: \(error)")
    finish(1)
}
