import Foundation
import OptimisticLock
import TestModels
import Testing

/// django-optimistic-lock's own test suite (tests.py), restated for the generated API.
@Suite("django-optimistic-lock suite")
struct DjangoSuiteTests {
    @Test("Creating a record without a preset id", arguments: Backend.available)
    func create(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var counter = Counter()
        try counter.save(db)
        #expect(counter.id != nil)
        #expect(VersionGenerator.isValid(counter.version))
        #expect(try Counter.count(db) == 1)
    }

    @Test("Creating a record with a preset id", arguments: Backend.available)
    func createWithID(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var counter = Counter(id: 42, value: 7)
        try counter.save(db)
        #expect(counter.id == 42)
        #expect(VersionGenerator.isValid(counter.version))
        #expect(try Counter.find(db, id: 42)?.value == 7)
    }

    @Test("Insert and every update store a version never seen before", arguments: Backend.available)
    func versionAfterInsertAndUpdates(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var counter = Counter()
        try counter.save(db)
        var seen: Set<Int64> = [0, counter.version]
        for _ in 2...50 {
            counter.value += 1
            try counter.save(db)
            #expect(VersionGenerator.isValid(counter.version))
            #expect(seen.insert(counter.version).inserted, "a version was issued twice")
        }
        #expect(try Counter.find(db, id: counter.id!)?.version == counter.version)
    }

    @Test("A normal update writes", arguments: Backend.available)
    func normalUpdate(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var counter = Counter()
        try counter.save(db)
        counter.value = 10
        try counter.save(db)
        #expect(try Counter.find(db, id: counter.id!)?.value == 10)
    }

    @Test("A conflicting update raises and leaves the row untouched", arguments: Backend.available)
    func conflict(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var first = Counter()
        try first.save(db)
        var second = try #require(try Counter.find(db, id: first.id!))
        first.value = 1
        try first.save(db)
        second.value = 2
        #expect(throws: ConcurrentUpdate.self) { try second.save(db) }
        #expect(try Counter.find(db, id: first.id!)?.value == 1)
    }

    @Test("A partial update (update_fields) still checks the version", arguments: Backend.available)
    func partialUpdateChecks(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var product = Product(sku: "A-1", name: "Widget", stock: 5)
        try product.save(db)
        var stale = product
        product.stock = 4
        try product.update(db, columns: [.stock])
        stale.name = "Renamed"
        #expect(throws: ConcurrentUpdate.self) { try stale.update(db, columns: [.name]) }
        let stored = try #require(try Product.find(db, id: product.id!))
        #expect(stored.name == "Widget")
        #expect(stored.stock == 4)
    }

    @Test("Delete checks the version", arguments: Backend.available)
    func deleteChecks(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var current = Counter()
        try current.save(db)
        let stale = current
        current.value = 1
        try current.save(db)
        #expect(throws: ConcurrentUpdate.self) { try stale.delete(db) }
        #expect(try Counter.count(db) == 1)
        try current.delete(db)
        #expect(try Counter.count(db) == 0)
    }

    @Test("A conflict inside a transaction can be caught and the transaction goes on", arguments: Backend.available)
    func conflictInsideTransaction(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var current = Counter()
        try current.save(db)
        var stale = current
        current.value = 1
        try current.save(db)
        try db.transaction {
            stale.value = 99
            #expect(throws: ConcurrentUpdate.self) { try stale.save(db) }
            var other = Counter(value: 5)
            try other.save(db)
        }
        #expect(try Counter.count(db) == 2)
        #expect(try Counter.find(db, id: current.id!)?.value == 1)
    }

    /// The offline form: the version travels to a browser as a hidden field and comes back.
    private func submitForm(_ db: some DatabaseConnection, id: Int64, fields: [String: Any]) throws -> Counter {
        var object = fields
        object["id"] = id
        var counter = try JSONDecoder().decode(Counter.self, from: JSONSerialization.data(withJSONObject: object))
        try counter.update(db)
        return counter
    }

    @Test(
        "The offline form: a fresh version saves, a stale one conflicts, a tampered one conflicts, an omitted one is rejected",
        arguments: Backend.available)
    func offlineForm(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var counter = Counter()
        try counter.save(db)
        let id = try #require(counter.id)

        let first = counter.version
        let saved = try submitForm(db, id: id, fields: ["version": first, "value": 10])
        #expect(saved.version != first)
        #expect(throws: ConcurrentUpdate.self) { _ = try submitForm(db, id: id, fields: ["version": first, "value": 20]) }
        for tampered in [0, -1, saved.version + 1, saved.version - 1, Int64.max - 1] {
            #expect(throws: ConcurrentUpdate.self) { _ = try submitForm(db, id: id, fields: ["version": tampered, "value": 30]) }
        }
        #expect(throws: (any Error).self) { _ = try submitForm(db, id: id, fields: ["value": 40]) }
        let stored = try #require(try Counter.find(db, id: id))
        #expect(stored.value == 10)
        #expect(stored.version == saved.version)
    }

    @Test(
        "A form carrying another row's version never overwrites: the check is on the pair (id, version)",
        arguments: Backend.available)
    func versionOfAnotherRow(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var first = Counter(value: 1)
        try first.save(db)
        for _ in 0..<2 { try first.save(db) }
        var second = Counter(value: 2)
        try second.save(db)
        #expect(first.version != second.version, "rows never share a version")
        // A form for `second` that carries `first`'s version.
        let conflict = #expect(throws: ConcurrentUpdate.self) {
            _ = try submitForm(db, id: second.id!, fields: ["version": first.version, "value": 99])
        }
        #expect(conflict?.actualVersion == second.version)
        // A form for an id that does not exist.
        let missing = #expect(throws: ConcurrentUpdate.self) {
            _ = try submitForm(db, id: 123_456, fields: ["version": second.version, "value": 99])
        }
        #expect(missing?.isDeleted == true)
        #expect(try Counter.fetchAll(db).map(\.value) == [1, 2])
    }

    @Test(
        "A stored version outside 1...2^53-1 is refused when read, never handed to a record",
        arguments: Backend.available)
    func storedVersionOutOfRange(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var counter = Counter()
        try counter.save(db)
        for bad in [Int64.max, VersionGenerator.maximum + 1, 0, -1] {
            try Fixture.execute(db, #"UPDATE "counter" SET "version" = ?"#, [.integer(bad)])
            let error = #expect(throws: DatabaseError.self) { try Counter.find(db, id: counter.id!) }
            #expect(error?.kind == .invalidStoredValue)
            #expect(error?.message.contains("\"version\"") == true, "names the column: \(String(describing: error))")
            #expect(error?.message.contains("\"counter\" \(counter.id!)") == true, "names the table and key")
            // The record's version is not the row's: the write conflicts and changes nothing.
            counter.value = 1
            let conflict = #expect(throws: DatabaseError.self) { try counter.save(db) }
            #expect(conflict?.kind == .invalidStoredValue, "the conflict report refuses the stored version too")
        }
        #expect(try Fixture.column(db, #"SELECT "value" FROM "counter""#) == .integer(0))
    }
}
