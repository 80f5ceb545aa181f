import Foundation
import OptimisticLock
import TestModels
import Testing

/// Rules S1–S8 and S10 (README, "The semantics, in short"), each its own test, on every available backend.
@Suite("Rules S1-S10")
struct RuleTests {
    @Test("S1: a new record has version 0; insert stores a new non-zero version and sets it", arguments: Backend.available)
    func s1InsertStoresVersion(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var author = Author(name: "Ada")
        #expect(author.version == 0)
        #expect(author.id == nil)
        try author.insert(db)
        #expect(VersionGenerator.isValid(author.version), "in 1...2^53-1")
        let id = try #require(author.id)
        #expect(
            try Fixture.column(db, #"SELECT "version" FROM "author" WHERE "id" = ?"#, [.integer(id)])
                == .integer(author.version))
        var second = Author(name: "Grace")
        try second.insert(db)
        #expect(second.version != author.version, "another row, another version")
    }

    @Test("S2: update is conditional; a stale record throws and changes nothing", arguments: Backend.available)
    func s2ConditionalUpdate(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var first = try Fixture.author(db)
        var second = try #require(try Author.find(db, id: first.id!))
        let original = first.version

        first.name = "Ada Lovelace"
        try first.update(db)
        #expect(first.version != original)
        #expect(VersionGenerator.isValid(first.version))

        second.name = "Overwritten"
        let error = #expect(throws: ConcurrentUpdate.self) { try second.update(db) }
        #expect(error?.expectedVersion == original)
        #expect(error?.actualVersion == first.version)
        #expect(error?.table == "author")
        #expect(second.version == original, "the record is untouched")
        #expect(second.name == "Overwritten", "the record is untouched")
        let stored = try #require(try Author.find(db, id: first.id!))
        #expect(stored.name == "Ada Lovelace", "the row is untouched")
        #expect(stored.version == first.version)
    }

    @Test("S3: a conflict tells a changed row from a deleted one", arguments: Backend.available)
    func s3ChangedOrDeleted(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var original = try Fixture.author(db)
        var changed = original
        var deleted = original
        try original.update(db)

        let changedError = #expect(throws: ConcurrentUpdate.self) { try changed.update(db) }
        #expect(changedError?.isDeleted == false)
        #expect(changedError?.actualVersion == original.version)

        try original.delete(db)
        let deletedError = #expect(throws: ConcurrentUpdate.self) { try deleted.update(db) }
        #expect(deletedError?.isDeleted == true)
        #expect(deletedError?.actualVersion == nil)
        #expect(deletedError.map { "\($0)" }?.contains("deleted") == true)
    }

    @Test("S4: update(columns:) writes only those columns, still checks and bumps", arguments: Backend.available)
    func s4PartialUpdate(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let author = try Fixture.author(db)
        var post = try Fixture.post(db, author: author)
        var other = post

        let inserted = post.version
        post.title = "New title"
        post.body = "not written"
        try post.update(db, columns: [.title])
        #expect(post.version != inserted)
        let stored = try #require(try Post.find(db, id: post.id))
        #expect(stored.title == "New title")
        #expect(stored.body == "", "columns not listed are not written")
        #expect(stored.version == post.version)

        other.body = "stale"
        #expect(throws: ConcurrentUpdate.self) { try other.update(db, columns: [.body]) }
        #expect(try Post.find(db, id: post.id)?.body == "")

        var bumpOnly = stored
        try bumpOnly.update(db, columns: [.id, .version])
        #expect(bumpOnly.version != stored.version, "the key and the version are never written from the list")
        #expect(try Post.find(db, id: post.id)?.version == bumpOnly.version)
        #expect(try Post.find(db, id: post.id)?.title == "New title")
    }

    @Test("S5: delete is conditional on the version", arguments: Backend.available)
    func s5ConditionalDelete(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var current = try Fixture.author(db)
        let stale = current
        try current.update(db)

        let error = #expect(throws: ConcurrentUpdate.self) { try stale.delete(db) }
        #expect(error?.actualVersion == current.version)
        #expect(try Author.count(db) == 1, "a stale delete deletes nothing")

        try current.delete(db)
        #expect(try Author.count(db) == 0)
        #expect(throws: ConcurrentUpdate.self) { try current.delete(db) }
    }

    @Test("S6: save inserts version 0, updates the rest, never re-creates a deleted row", arguments: Backend.available)
    func s6Save(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var author = Author(name: "Ada")
        try author.save(db)
        let inserted = author.version
        #expect(VersionGenerator.isValid(inserted))
        #expect(try Author.count(db) == 1)
        author.name = "Grace"
        try author.save(db)
        #expect(author.version != inserted)
        #expect(try Author.count(db) == 1, "the second save updated")
        #expect(try Author.find(db, id: author.id!)?.name == "Grace")

        let copy = author
        try copy.delete(db)
        author.name = "Back from the dead"
        let error = #expect(throws: ConcurrentUpdate.self) { try author.save(db) }
        #expect(error?.isDeleted == true)
        #expect(try Author.count(db) == 0)
    }

    @Test(
        "S7: the version round-trips through JSON; missing is an error, stale or tampered conflicts",
        arguments: Backend.available)
    func s7JSON(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var author = try Fixture.author(db)
        author.email = "ada@example.com"
        try author.update(db)

        let json = try JSONEncoder().encode(author)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["version"] as? Int64 == author.version)
        // JavaScript's JSON.parse keeps every integer up to 2^53 - 1 exactly: the version survives a browser.
        #expect(Int64(exactly: Double(author.version)) == author.version)

        var roundTripped = try JSONDecoder().decode(Author.self, from: json)
        #expect(roundTripped == author)
        roundTripped.name = "Edited in a browser"
        try roundTripped.update(db)
        #expect(roundTripped.version != author.version)

        // The same form submitted again: stale.
        var stale = try JSONDecoder().decode(Author.self, from: json)
        #expect(throws: ConcurrentUpdate.self) { try stale.update(db) }

        // A tampered version (a guess ahead of the row).
        var tamperedObject = object
        tamperedObject["version"] = roundTripped.version + 1
        var tampered = try JSONDecoder().decode(Author.self, from: JSONSerialization.data(withJSONObject: tamperedObject))
        #expect(throws: ConcurrentUpdate.self) { try tampered.update(db) }

        // No version at all: not decodable.
        var withoutVersion = object
        withoutVersion.removeValue(forKey: "version")
        let data = try JSONSerialization.data(withJSONObject: withoutVersion)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Author.self, from: data) }

        let stored = try #require(try Author.find(db, id: author.id!))
        #expect(stored.name == "Edited in a browser")
        #expect(stored.version == roundTripped.version)
    }

    @Test(
        "S8: ConcurrentUpdate inside a transaction rolls it back and leaves the connection healthy",
        arguments: Backend.available)
    func s8Transaction(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var fresh = try Fixture.author(db, name: "Fresh")
        var stale = fresh
        try fresh.update(db)

        #expect(throws: ConcurrentUpdate.self) {
            try db.transaction {
                var other = Author(name: "Inserted in the transaction")
                try other.insert(db)
                stale.name = "Stale"
                try stale.update(db)
            }
        }
        #expect(!db.isInTransaction)
        #expect(try Author.count(db) == 1, "the insert was rolled back")
        #expect(try Author.find(db, id: fresh.id!)?.name == "Fresh")

        // Healthy: a new transaction commits.
        try db.transaction {
            fresh.name = "After"
            try fresh.update(db)
        }
        #expect(try Author.find(db, id: fresh.id!)?.name == "After")
    }

    @Test("Nested transactions are savepoints rolled back on their own", arguments: Backend.available)
    func nestedTransactions(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        try db.transaction {
            _ = try Fixture.author(db, name: "Outer")
            do {
                try db.transaction {
                    _ = try Fixture.author(db, name: "Inner")
                    throw ConcurrentUpdate(table: "author", primaryKey: "1", expectedVersion: 1, actualVersion: 2)
                }
            } catch is ConcurrentUpdate {}
            #expect(try Author.count(db) == 1)
        }
        #expect(try Author.fetchAll(db).map(\.name) == ["Outer"])
    }

    @Test("S10: hostile table and column names are quoted everywhere; values are bound", arguments: Backend.available)
    func s10Quoting(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let injection = "'); DROP TABLE \"author\"; --"
        var record = Hostile(
            id: injection, select: "\"quoted\" 'value'", from: backend.keepsNUL ? "\0 NUL" : "$1 ?",
            whereClause: -1)
        try record.insert(db)
        record.select = injection
        try record.update(db)
        try record.update(db, columns: [.from, .whereClause])
        let stored = try #require(try Hostile.find(db, id: injection))
        #expect(stored == record)
        var stale = stored
        try record.save(db)
        stale.select = "stale"
        let conflict = #expect(throws: ConcurrentUpdate.self) { try stale.save(db) }
        #expect(conflict?.actualVersion == record.version, "the version query is quoted too")
        #expect(try Hostile.fetchAll(db) == [record])
        #expect(try Hostile.count(db) == 1)
        try record.delete(db)
        #expect(try Hostile.count(db) == 0)
        #expect(try Author.count(db) == 0, "the author table still exists")
        // The table's default for `separators` is the schema's, CR and all, as the struct's is.
        #expect(record.separators == "a\rb\r\nc\nd\te")
        let table = "\"order; DROP TABLE \"\"author\"\"; --\""
        _ = try Fixture.execute(
            db, #"INSERT INTO \#(table) ("id", "version", "select") VALUES ('raw', 7, 's')"#)
        #expect(try Hostile.find(db, id: "raw")?.separators == "a\rb\r\nc\nd\te")
    }

    @Test("A key not named id, and fields named count and find", arguments: Backend.available)
    func otherKeyName(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var tally = Tally(code: "visits", count: 1, find: "x")
        try tally.insert(db)
        #expect(tally.id == "visits", "Identifiable's id is the @id field")
        var copy = try #require(try Tally.find(db, id: "visits"))
        tally.count += 1
        try tally.update(db)
        copy.count += 10
        #expect(throws: ConcurrentUpdate.self) { try copy.update(db) }
        #expect(try Tally.find(db, id: "visits")?.count == 2)
        #expect(try Tally.count(db) == 1)
    }

    @Test("reload replaces every field with the stored row", arguments: Backend.available)
    func reload(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var mine = try Fixture.author(db)
        var theirs = mine
        theirs.name = "Theirs"
        try theirs.update(db)
        mine.name = "Mine"
        try mine.reload(db)
        #expect(mine == theirs)
        try theirs.delete(db)
        #expect(throws: RecordNotFound.self) { try mine.reload(db) }
    }

    @Test("Unique finders, fetchAll in key order, count", arguments: Backend.available)
    func finders(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var b = Author(id: 20, name: "B", email: "b@example.com")
        var a = Author(id: 10, name: "A", email: "a@example.com")
        try b.insert(db)
        try a.insert(db)
        #expect(try Author.find(db, email: "b@example.com") == b)
        #expect(try Author.find(db, email: "nobody@example.com") == nil)
        #expect(try Author.fetchAll(db).map(\.id) == [10, 20])
        #expect(try Author.count(db) == 2)
        var duplicate = Author(name: "C", email: "a@example.com")
        let error = #expect(throws: DatabaseError.self) { try duplicate.insert(db) }
        #expect(error?.isUniqueViolation == true)
        #expect(error?.sql?.contains("INSERT INTO \"author\"") == true)
        #expect(duplicate.version == 0, "a failed insert leaves the record new")
    }

    @Test("An unversioned model updates and saves without a version", arguments: Backend.available)
    func unversioned(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var entry = AuditEntry(message: "created", at: Date(timeIntervalSince1970: 0))
        try entry.save(db)
        let id = try #require(entry.id)
        entry.message = "edited"
        try entry.save(db)
        var copy = try #require(try AuditEntry.find(db, id: id))
        #expect(copy.message == "edited")
        copy.message = "last writer wins"
        try copy.update(db)
        #expect(try AuditEntry.find(db, id: id)?.message == "last writer wins")
        try copy.delete(db)
        #expect(throws: RecordNotFound.self) { try copy.update(db) }
    }
}
