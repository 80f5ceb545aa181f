import Foundation
import OptimisticLock
import TestModels
import Testing

/// Finders per index and unique constraint, references, pagination, predicates, your own SQL into
/// models, and typed `Row` accessors, on every backend.
@Suite("Queries")
struct QueryTests {
    /// Two authors with posts in several states.
    static func blog(_ db: some DatabaseConnection) throws -> (ada: Author, grace: Author, posts: [Post]) {
        let ada = try Fixture.author(db, name: "Ada")
        let grace = try Fixture.author(db, name: "Grace")
        var posts: [Post] = []
        for index in 0..<12 {
            var post = Post(
                id: UUID(), authorID: index % 3 == 0 ? grace.id! : ada.id!, title: "Post \(index)",
                status: index % 2 == 0 ? .published : .draft,
                createdAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(index)),
                rating: index % 4 == 0 ? nil : Double(index))
            try post.insert(db)
            posts.append(post)
        }
        return (ada, grace, posts)
    }

    @Test("Finders per index prefix and per reference: records in key order, and counts", arguments: Backend.available)
    func indexFinders(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let (ada, grace, posts) = try Self.blog(db)
        let adas = try Post.fetchAll(db, authorID: ada.id!)
        #expect(adas.count == 8)
        #expect(Set(adas.map(\.id)) == Set(posts.filter { $0.authorID == ada.id! }.map(\.id)))
        #expect(adas.allSatisfy { $0.authorID == ada.id! })
        #expect(try Post.count(db, authorID: grace.id!) == 4)
        let published = try Post.fetchAll(db, authorID: ada.id!, status: .published)
        #expect(published.count == 4 && published.allSatisfy { $0.status == .published && $0.authorID == ada.id! })
        #expect(try Post.count(db, authorID: grace.id!, status: .draft) == 2)
        #expect(try Post.fetchAll(db, authorID: 999_999).isEmpty)
        // Key order, as fetchAll.
        let all = try Post.fetchAll(db)
        #expect(adas.map(\.id) == all.filter { $0.authorID == ada.id! }.map(\.id))
    }

    @Test("A finder per @unique(a, b) constraint", arguments: Backend.available)
    func compositeUnique(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var main = Product(sku: "A-1", name: "Widget")
        var north = Product(sku: "A-1", warehouse: "north", name: "Widget (north)")
        try main.insert(db)
        try north.insert(db)
        #expect(try Product.find(db, sku: "A-1", warehouse: "north") == north)
        #expect(try Product.find(db, sku: "A-1", warehouse: "main") == main)
        #expect(try Product.find(db, sku: "A-1", warehouse: "south") == nil)
    }

    @Test("References: the referenced record, and the records that reference one", arguments: Backend.available)
    func references(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let (ada, _, posts) = try Self.blog(db)
        let post = posts[1]
        #expect(try post.author(db) == ada)
        #expect(try ada.posts(db).count == 8)
        var comment = Comment(postID: post.id, text: "Nice")
        try comment.insert(db)
        #expect(try comment.post(db) == post)
        #expect(try post.comments(db) == [comment])
        #expect(try Author(name: "not stored").posts(db).isEmpty, "a record without a key has no references")
        var event = Event(id: "gig", title: "Gig", startsAt: Date(timeIntervalSince1970: 0))
        try event.insert(db)
        var booking = Booking(id: UUID(), eventID: "gig", customer: "Ann", seat: 1)
        try booking.insert(db)
        #expect(try booking.event(db) == event)
        #expect(try event.bookings(db) == [booking])
    }

    @Test("Predicates, orderings and limits on Column cases; values always bound", arguments: Backend.available)
    func predicates(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let (ada, _, posts) = try Self.blog(db)
        let since = Date(timeIntervalSince1970: 1_700_000_005)
        let recent = try Post.fetchAll(db, where: .greaterOrEqual(.createdAt, since), orderBy: [.descending(.createdAt)])
        #expect(recent.map(\.title) == (5..<12).reversed().map { "Post \($0)" })
        #expect(try Post.fetchAll(db, where: .equal(.authorID, ada.id!), .equal(.status, PostStatus.draft)).count == 4)
        #expect(try Post.count(db, where: .isNull(.rating)) == 3)
        #expect(try Post.count(db, where: .isNotNull(.rating)) == 9)
        #expect(try Post.count(db, where: .between(.rating, 2.0, 6.0)) == 4)
        #expect(try Post.count(db, where: .isIn(.title, ["Post 1", "Post 2", "nope"])) == 2)
        #expect(try Post.count(db, where: .isIn(.title, [String]())) == 0)
        #expect(try Post.count(db, where: .notEqual(.status, PostStatus.published), .less(.createdAt, since)) == 2)
        #expect(try Post.count(db, where: .lessOrEqual(.rating, 3.0), .greater(.rating, 1.0)) == 2)
        let first = try Post.fetchOne(db, where: .equal(.status, PostStatus.published), orderBy: [.ascending(.title)])
        #expect(first?.title == "Post 0")
        #expect(try Post.fetchAll(db, where: .equal(.title, "'; DROP TABLE \"posts\"; --")).isEmpty)
        #expect(try Post.fetchAll(db, orderBy: [.descending(.title)], limit: 2).map(\.title) == ["Post 9", "Post 8"])
        #expect(try Post.count(db) == posts.count)
        #expect(throws: DatabaseError.self) { try Post.fetchAll(db, limit: -1) }
    }

    @Test(
        "Keyset pagination by primary key never skips or repeats a row while rows come and go",
        arguments: Backend.available)
    func pagination(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var ids: [Int64] = []
        for value in 0..<25 {
            var counter = Counter(value: Int64(value))
            try counter.insert(db)
            ids.append(counter.id!)
        }
        var seen: [Int64] = []
        var page = try Counter.fetchPage(db, after: nil, limit: 10)
        var pages = 1
        seen += page.map { $0.id! }
        // Between pages: a row before the cursor is deleted, one after it is inserted.
        try Counter.delete(db, id: ids[0], version: page[0].version)
        var late = Counter(value: 100)
        try late.insert(db)
        ids.append(late.id!)
        while let cursor = page.nextCursor {
            #expect(cursor == page.last?.id && page.count == 10)
            page = try Counter.fetchPage(db, after: cursor, limit: 10)
            pages += 1
            seen += page.map { $0.id! }
        }
        #expect(pages == 3 && page.count == 6 && !page.hasMore)
        #expect(seen == ids, "every row once, in key order, including the one inserted after the cursor")
        let filtered = try Counter.fetchPage(db, where: .greaterOrEqual(.value, 20), after: ids[21], limit: 10)
        #expect(filtered.map(\.value) == [22, 23, 24, 100] && filtered.nextCursor == nil)
        // A page that ends exactly at the last row says so (the extra row read finds none).
        let exact = try Counter.fetchPage(db, where: .greaterOrEqual(.value, 20), after: ids[21], limit: 4)
        #expect(exact.count == 4 && exact.nextCursor == nil)
        let short = try Counter.fetchPage(db, where: .greaterOrEqual(.value, 20), after: ids[21], limit: 3)
        #expect(short.map(\.value) == [22, 23, 24] && short.nextCursor == ids[24])
        #expect(try Counter.fetchPage(db, after: nil, limit: .max).count == 25)
        #expect(throws: DatabaseError.self) { try Counter.fetchPage(db, after: nil, limit: 0) }
        // As JSON: the records and the cursor.
        let json = String(decoding: try JSONEncoder().encode(short), as: UTF8.self)
        #expect(json.contains("\"nextCursor\":\(ids[24])") && json.contains("\"records\":["), "\(json)")
    }

    @Test("Your own SQL into models: columns checked by name, values read strictly", arguments: Backend.available)
    func ownSQL(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let (ada, _, _) = try Self.blog(db)
        let sql = Fixture.placeholders(
            #"""
            SELECT p.* FROM "posts" p JOIN "author" a ON a."id" = p."author_id"
            WHERE a."name" = ? AND p."status" = ? ORDER BY p."created_at" DESC
            """#, db.dialect)
        let joined = try Post.fetchAll(db, sql: sql, arguments: ["Ada", "draft"])
        #expect(joined.count == 4 && joined.allSatisfy { $0.authorID == ada.id! && $0.status == .draft })
        #expect(joined.map(\.createdAt) == joined.map(\.createdAt).sorted(by: >))
        let listed = try Post.fetchOne(db, sql: "SELECT \(Post.columnList) FROM \"posts\" ORDER BY \"title\"")
        #expect(listed?.title == "Post 0")
        #expect(Post.columnList.hasPrefix(#""id", "version", "author_id""#))

        let missing = #expect(throws: DatabaseError.self) {
            try Post.fetchAll(db, sql: #"SELECT "id", "version", "title" FROM "posts""#)
        }
        #expect(missing?.kind == .misuse)
        #expect(missing?.message.contains(#"missing "author_id""#) == true, "\(String(describing: missing))")
        // By name, in any order, with other columns beside: each value from its own column.
        let authors = try Author.fetchAll(db, sql: #"SELECT "id", "version", "name", "email" FROM "author" ORDER BY "id""#)
        let extra = try Author.fetchAll(
            db, sql: #"SELECT 1 AS "surprise", "email", "name", "version", "id", 'x' AS "other" FROM "author" ORDER BY "id""#)
        #expect(extra == authors && !authors.isEmpty)
        let reordered = try Author.fetchOne(
            db, sql: #"SELECT "version", "id", "name", "email" FROM "author" WHERE "id" = "# + String(ada.id!))
        #expect(reordered == ada)
        // SELECT * from a table whose "title" column was added last (as migrate adds columns).
        let others = Post.Column.allCases.map(\.rawValue).filter { $0 != "title" }.map { "\"\($0)\"" }
        try db.executeScript(
            #"CREATE TABLE "posts_added" AS SELECT "# + others.joined(separator: ", ") + #" FROM "posts"; "#
                + #"ALTER TABLE "posts_added" ADD COLUMN "title" TEXT; "#
                + #"UPDATE "posts_added" SET "title" = (SELECT "title" FROM "posts" WHERE "posts"."id" = "posts_added"."id")"#)
        let added = try Post.fetchAll(db, sql: #"SELECT * FROM "posts_added" ORDER BY "id""#)
        #expect(added == (try Post.fetchAll(db, sql: #"SELECT * FROM "posts" ORDER BY "id""#)) && !added.isEmpty)
        let twice = #expect(throws: DatabaseError.self) {
            try Post.fetchAll(db, sql: #"SELECT p.*, a."id" FROM "posts" p JOIN "author" a ON a."id" = p."author_id""#)
        }
        #expect(twice?.message.contains(#"selected twice "id""#) == true, "\(String(describing: twice))")
        // A value that does not fit names its column and the row's key, read through the new order.
        let misfit = #expect(throws: DatabaseError.self) {
            try Author.fetchAll(db, sql: #"SELECT 1.5 AS "name", "email", "version", "id" FROM "author""#)
        }
        #expect(misfit?.kind == .invalidStoredValue && misfit?.message.contains("name") == true, "\(String(describing: misfit))")
        #expect(try Author.fetchAll(db, sql: #"SELECT "id", "version", "name", "email" FROM "author" WHERE 1 = 0"#).isEmpty)
        // Wrong columns are wrong on an empty result too, not only once rows come back.
        #expect(throws: DatabaseError.self) { try Author.fetchAll(db, sql: #"SELECT "id", "version" FROM "author" WHERE 1 = 0"#) }
        #expect(throws: DatabaseError.self) { try Author.fetchOne(db, sql: #"SELECT "id", "version" FROM "author" WHERE 1 = 0"#) }
        let wrongCount = #expect(throws: DatabaseError.self) {
            try Author.fetchAll(db, sql: Fixture.placeholders(#"SELECT * FROM "author" WHERE "name" = ?"#, db.dialect))
        }
        #expect(wrongCount?.kind == .misuse)
    }

    @Test("Typed Row accessors read both backends' encodings strictly", arguments: Backend.available)
    func rowAccessors(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let date = Date(timeIntervalSince1970: 1_700_000_000.123456)
        var sample = Sample(
            id: UUID(), int32: -7, double: 2.5, bool: true, string: "héllo", data: Data([1, 2]), date: date,
            uuid: UUID(), status: .archived, optionalInt64: nil, optionalDate: date)
        try sample.insert(db)
        let row = try #require(try db.query(#"SELECT * FROM "sample""#).first)
        #expect(try row.uuid("id") == sample.id)
        #expect(VersionGenerator.isValid(try row.int64("version")))
        #expect(try row.int32("int32") == -7)
        #expect(try row.double("double") == 2.5)
        #expect(try row.bool("bool") == true)
        #expect(try row.string("string") == "héllo")
        #expect(try row.data("data") == Data([1, 2]))
        #expect(try row.date("date") == date)
        #expect(try row.uuid("uuid") == sample.uuid)
        #expect(try row.decode(PostStatus.self, "status") == .archived)
        #expect(try row.decode(Int64?.self, "optional_int64") == nil)
        #expect(try row.decode(Date?.self, "optional_date") == date)
        let missing = #expect(throws: DatabaseError.self) { try row.int64("nope") }
        #expect(missing?.kind == .misuse)
        #expect(throws: DatabaseError.self) { try row.int64("string") }
        #expect(throws: DatabaseError.self) { try row.int64("optional_int64") }
        #expect(throws: DatabaseError.self) { try row.decode(PostStatus.self, "string") }
        try db.execute(Fixture.placeholders(#"UPDATE "sample" SET "int64" = ?"#, db.dialect), [.integer(Int64(Int32.max) + 1)])
        let big = try #require(try db.query(#"SELECT "int64" FROM "sample""#).first)
        #expect(throws: DatabaseError.self) { try big.int32("int64") }
    }
}
