import CSQLite
import Foundation
import OptimisticLock
import OptimisticLockPostgres
import TestModels
import TestSupport
import Testing

/// `migrate`: creates what is missing, adds what is safe, refuses the rest before changing anything,
/// and costs one query when nothing changed — on both backends.
@Suite("Migrations")
struct MigrationTests {
    static let schema = OptimisticLockSchema.schema

    /// A column type per backend for hand-made legacy tables.
    static func type(_ backend: Backend, _ sqlite: String, _ postgres: String) -> String {
        backend == .sqlite ? sqlite : postgres
    }

    static func tableNames(_ db: some DatabaseConnection) throws -> Set<String> {
        let sql =
            db.dialect == .sqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table'"
            : "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()"
        return Set(try db.query(sql).map { try $0.string($0.columns[0]) })
    }

    @Test("An empty database gets every table, referenced tables first; the app works", arguments: Backend.available)
    func createsEverything(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        let plan = try db.migrate(Self.schema)
        #expect(plan.changes.count == Self.schema.tables.count)
        #expect(plan.refusals.isEmpty)
        #expect(try Self.tableNames(db).isSuperset(of: Self.schema.tables.map(\.name)))
        let author = try Fixture.author(db)
        _ = try Fixture.post(db, author: author)
        #expect(try Post.count(db) == 1)
    }

    @Test("Migrating twice is migrating once; an unchanged schema costs one query", arguments: Backend.available)
    func idempotent(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        try db.migrate(Self.schema)
        let again = try db.migrate(Self.schema)
        #expect(again.isUpToDate && again.matchedFingerprint)
        // Without trusting the fingerprint, a full comparison agrees.
        #expect(try db.migrationPlan(for: Self.schema).isUpToDate)
        if let sqlite = db as? SQLiteConnection {
            let counter = UnsafeMutablePointer<Int>.allocate(capacity: 1)
            defer { counter.deallocate() }
            counter.pointee = 0
            sqlite3_trace_v2(
                sqlite.handle, UInt32(SQLITE_TRACE_STMT),
                { _, context, _, _ in
                    context!.assumingMemoryBound(to: Int.self).pointee += 1
                    return 0
                }, counter)
            try sqlite.migrate(Self.schema)
            sqlite3_trace_v2(sqlite.handle, 0, nil, nil)
            #expect(counter.pointee == 1, "statements run: \(counter.pointee)")
        }
    }

    @Test(
        "Safe changes on tables with rows: new columns get their defaults, rows keep their values",
        arguments: Backend.available)
    func safeChanges(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        try Author.createTable(db)
        let author = try Fixture.author(db)
        // An older Post: no rating, attachment or view count, and no indexes.
        let uuid = Self.type(backend, "BLOB", "uuid")
        try db.executeScript(
            """
            CREATE TABLE "posts" ("id" \(uuid) NOT NULL PRIMARY KEY, "version" \(Self.type(backend, "INTEGER", "bigint")) NOT NULL,
                "author_id" \(Self.type(backend, "INTEGER", "bigint")) NOT NULL REFERENCES "author" ("id"),
                "title" \(Self.type(backend, "TEXT", "text")) NOT NULL, "body" \(Self.type(backend, "TEXT", "text")) NOT NULL DEFAULT '',
                "status" \(Self.type(backend, "TEXT", "text")) NOT NULL DEFAULT 'draft',
                "created_at" \(Self.type(backend, "DATETIME", "timestamptz")) NOT NULL)
            """)
        let id = UUID()
        let created = Date(timeIntervalSince1970: 1_700_000_000)
        let insert = Fixture.placeholders(
            #"INSERT INTO "posts" ("id", "version", "author_id", "title", "created_at") VALUES (?, ?, ?, ?, ?)"#, db.dialect)
        let statement = try db.prepare(insert)
        statement.bind(uuid: id, at: 1)
        statement.bind(int64: 42, at: 2)
        statement.bind(int64: author.id!, at: 3)
        statement.bind(text: "Old post", at: 4)
        statement.bind(date: created, at: 5)
        try statement.execute()

        let plan = try db.migrate(Self.schema)
        let added = plan.changes.compactMap { $0.table == "posts" ? $0.column : nil }
        #expect(Set(added) == ["rating", "attachment", "view_count"], "\(plan)")
        #expect(plan.changes.contains { $0.table == "posts" && $0.summary.contains("index") }, "\(plan)")
        let post = try #require(try Post.find(db, id: id))
        #expect(post.title == "Old post" && post.version == 42 && post.createdAt == created)
        #expect(post.rating == nil && post.attachment == nil && post.views == 0)
        var edited = post
        edited.views = 5
        try edited.update(db)
        #expect(try Post.fetchAll(db, authorID: author.id!).first?.views == 5)
        #expect(try db.migrate(Self.schema).isUpToDate)
    }

    @Test(
        "Adopting a hand-made table: a version column is added and every row gets its own version",
        arguments: Backend.available)
    func adoptTable(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        try db.executeScript(
            """
            CREATE TABLE "counter" ("id" \(Self.type(backend, "INTEGER PRIMARY KEY AUTOINCREMENT", "bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")),
                "value" \(Self.type(backend, "INTEGER", "bigint")) NOT NULL DEFAULT 0)
            """)
        for value in 0..<200 {
            try db.execute(
                Fixture.placeholders(#"INSERT INTO "counter" ("value") VALUES (?)"#, db.dialect), [.integer(Int64(value))])
        }
        let plan = try db.migrate(Self.schema)
        #expect(plan.changes.contains { $0.table == "counter" && $0.column == "version" }, "\(plan)")
        let counters = try Counter.fetchAll(db)
        #expect(counters.count == 200)
        #expect(counters.allSatisfy { VersionGenerator.isValid($0.version) })
        #expect(Set(counters.map(\.version)).count == 200, "every row has its own version")
        var first = counters[0]
        let stale = first
        first.value += 1
        try first.update(db)
        var late = stale
        late.value += 10
        #expect(throws: ConcurrentUpdate.self) { try late.update(db) }
        #expect(try db.migrate(Self.schema).isUpToDate)
    }

    @Test("A missing unique constraint and index are created", arguments: Backend.available)
    func missingIndexes(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        try db.executeScript(
            """
            CREATE TABLE "author" ("id" \(Self.type(backend, "INTEGER PRIMARY KEY AUTOINCREMENT", "bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")),
                "version" \(Self.type(backend, "INTEGER", "bigint")) NOT NULL, "name" \(Self.type(backend, "TEXT", "text")) NOT NULL,
                "email" \(Self.type(backend, "TEXT", "text")))
            """)
        let plan = try db.migrate(Self.schema)
        #expect(plan.changes.contains { $0.table == "author" && $0.summary.contains("unique index") }, "\(plan)")
        var first = Author(name: "A", email: "a@example.com")
        try first.insert(db)
        var second = Author(name: "B", email: "a@example.com")
        let error = #expect(throws: DatabaseError.self) { try second.insert(db) }
        #expect(error?.isUniqueViolation == true)
    }

    @Test(
        "Unsafe differences are refused, each named with the SQL to review, and nothing is changed",
        arguments: Backend.available)
    func refusals(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        let integer = Self.type(backend, "INTEGER", "bigint")
        let text = Self.type(backend, "TEXT", "text")
        try db.executeScript(
            """
            CREATE TABLE "author" ("id" \(Self.type(backend, "INTEGER PRIMARY KEY AUTOINCREMENT", "bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")),
                "version" \(integer) NOT NULL, "name" \(integer), "email" \(text) UNIQUE, "nickname" \(text));
            CREATE TABLE "event" ("id" \(text) NOT NULL PRIMARY KEY, "version" \(integer) NOT NULL);
            CREATE TABLE "tally" ("code" \(text) NOT NULL, "version" \(integer) NOT NULL, "count" \(integer) NOT NULL DEFAULT 0,
                "find" \(text) NOT NULL DEFAULT '')
            """)
        let before = try Self.tableNames(db)
        let error = #expect(throws: DatabaseError.self) { try db.migrate(Self.schema) }
        #expect(error?.kind == .schemaMismatch)
        let message = error?.message ?? ""
        // A removed or renamed column, a retyped one, a nullability change, a new non-optional field
        // without a default, a primary-key change.
        for expected in [
            #""author"."nickname""#, #"DROP COLUMN "nickname""#, #""author"."name": has type"#,
            #""event"."title": a new non-optional field"#, #""event"."starts_at": a new non-optional field"#,
            #"ADD COLUMN "title" "#, #""tally"."code""#, "primary key",
        ] {
            #expect(message.contains(expected), "missing \(expected) in:\n\(message)")
        }
        #expect(try Self.tableNames(db) == before, "no table was created: nothing changes when anything is refused")
        let plan = try db.migrationPlan(for: Self.schema)
        #expect(!plan.refusals.isEmpty && !plan.changes.isEmpty, "the dry run lists both")
        #expect(try Self.tableNames(db) == before)
    }

    @Test(
        "A column that must become NOT NULL: the refusal's SQL backfills the NULLs first, and running it lets migrate pass",
        arguments: Backend.available)
    func notNullBackfill(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        try db.migrate(Self.schema)
        // An older build kept "name" optional, and some rows have none.
        let recreate =
            backend == .sqlite
            ? #"""
            PRAGMA foreign_keys = OFF; DROP TABLE "posts"; DROP TABLE "author";
            CREATE TABLE "author" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "version" INTEGER NOT NULL, "name" TEXT,
                "email" TEXT UNIQUE); PRAGMA foreign_keys = ON
            """# : #"ALTER TABLE "author" ALTER COLUMN "name" DROP NOT NULL"#
        try db.executeScript(recreate)
        try db.executeScript(#"DELETE FROM "optimistic_lock_schema""#)
        try db.execute(
            Fixture.placeholders(#"INSERT INTO "author" ("version", "name") VALUES (?, NULL), (?, ?)"#, db.dialect),
            [7, 8, "kept"])
        let error = #expect(throws: DatabaseError.self) { try db.migrate(Self.schema) }
        let plan = try db.migrationPlan(for: Self.schema)
        let refusal = try #require(plan.refusals.first { $0.column == "name" }, "\(plan)")
        #expect(
            error?.message.contains(#"UPDATE "author" SET "name" = '' WHERE "name" IS NULL"#) == true,
            "\(String(describing: error))")
        for sql in refusal.sql where !sql.hasPrefix("--") { try db.executeScript(sql) }
        let after = try db.migrate(Self.schema)
        #expect(after.refusals.isEmpty)
        #expect(try Fixture.column(db, #"SELECT count(*) FROM "author" WHERE "name" = ''"#) == .integer(1))
        #expect(try Fixture.column(db, #"SELECT "name" FROM "author" WHERE "version" = 8"#) == .text("kept"))
    }

    @Test("migrate tells what it made; the dry run what it would make", arguments: Backend.available)
    func tense(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        let planned = try db.migrationPlan(for: Self.schema)
        #expect(planned.description.contains("can be made safely:") && !planned.isApplied)
        let made = try db.migrate(Self.schema)
        #expect(made.isApplied && made.description.contains("changes made:") && !made.description.contains("can be"))
    }

    @Test("Two connections migrating at once: both succeed, the tables are made once", arguments: Backend.available)
    func concurrentMigrations(backend: Backend) throws {
        let database = TestDatabase(backend)
        let failures = Locked<[String]>([])
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let db = try database.connect()
                    try db.migrate(Self.schema)
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }.start()
        }
        group.wait()
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        #expect(try database.connect().migrationPlan(for: Self.schema).isUpToDate)
    }

    @Test("The CLI migrates from .schema files to exactly the schema the generated code has", arguments: Backend.available)
    func cliAndAppAgree(backend: Backend) throws {
        let database = TestDatabase(backend)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let result = try BuiltExecutable.run(
            BuiltExecutable.path("optimistic-lock"),
            ["migrate", "Schemas", "Tests/Schemas", "--database", database.path], in: root)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let plan = try database.connect().migrate(Self.schema)
        #expect(plan.matchedFingerprint, "the app's schema has the fingerprint the CLI recorded")
    }

    @Test("The CLI refuses a --database that is a broken or foreign URL, never creating a SQLite file by that name")
    func cliRefusesURLs() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-urls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Schemas").path
        for url in [
            "postgresql:shop", "postgresql:/h/db", "POSTGRES:shop", "http://u:hunter2@h/db",
            "hostt=db password=hunter2://x",
        ] {
            let result = try BuiltExecutable.run(
                BuiltExecutable.path("optimistic-lock"), ["migrate", schemas, "--database", url], in: folder)
            #expect(result.status != 0, "\(url): \(result.stdout)")
            #expect(result.stderr.contains("not a PostgreSQL URL"), "\(url): \(result.stderr)")
            #expect(!result.stderr.contains("hunter2"), "\(url): \(result.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty, "a file was created")
    }

    @Test("A pool migrates on its writer", arguments: Backend.available)
    func poolMigrate(backend: Backend) async throws {
        let database = TestDatabase(backend)
        let pool = AnyPool(database)
        if let sqlite = pool.sqlite { try await sqlite.migrate(Self.schema) }
        if let postgres = pool.postgres { try await postgres.migrate(Self.schema) }
        let count = try await pool.read { db in try Author.count(db) }
        #expect(count == 0)
        await pool.close()
    }
}
