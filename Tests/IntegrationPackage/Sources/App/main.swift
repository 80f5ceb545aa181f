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
    print("stock \(try Item.find(db, id: item.id!)!.stock) conflict \(matches ? "expected->actual" : "wrong versions") lines \(try OrderLine.count(db))")
}
