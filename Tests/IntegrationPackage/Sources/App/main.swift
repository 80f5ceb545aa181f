import Catalog
import Foundation
import OptimisticLock

// Runs against SQLite and prints one line the test checks.
let db = try SQLiteConnection(path: CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : ":memory:")
try Item.createTable(db)
try OrderLine.createTable(db)
var item = Item(name: "Widget", stock: 10)
try item.insert(db)
var stale = item
let inserted = item.version
item.stock -= 3
try item.update(db)
var line = OrderLine(itemID: item.id!, quantity: 3)
try line.insert(db)
stale.stock -= 5
do {
    try stale.update(db)
    print("lost update")
} catch let conflict as ConcurrentUpdate {
    let matches = conflict.expectedVersion == inserted && conflict.actualVersion == item.version && inserted != item.version
    print(
        "stock \(try Item.find(db, id: item.id!)!.stock) conflict \(matches ? "expected->actual" : "wrong versions") lines \(try OrderLine.count(db))"
    )
}

// A server's way: a Sendable pool shared by concurrent tasks, Swift 6 strict concurrency, no
// @unchecked Sendable anywhere in this target.
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("integration-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
let pool = SQLitePool(path: folder.appendingPathComponent("app.sqlite").path)
let id = try await pool.write { db in
    try Item.createTable(db)
    try OrderLine.createTable(db)
    var item = Item(name: "Gadget", stock: 100)
    try item.insert(db)
    return item.id!
}
try await withThrowingTaskGroup(of: Void.self) { group in
    for _ in 0..<20 {
        group.addTask {
            try await pool.retryOnConflict { db in
                var item = try Item.find(db, id: id)!
                item.stock -= 1
                try item.update(db)
            }
        }
    }
    try await group.waitForAll()
}
let left = try await pool.read { db in try Item.find(db, id: id)!.stock }
await pool.close()
try? FileManager.default.removeItem(at: folder)
print("pool stock \(left)")

// The models of the Catalog target, migrated with that target's schema.
let catalog = try SQLiteConnection(path: ":memory:")
try catalog.migrate(Catalog.OptimisticLockSchema.schema)
var brand = Brand(name: "Acme", slug: "acme")
try brand.insert(catalog)
print("catalog \(try Brand.find(catalog, slug: "acme")?.name ?? "missing")")
