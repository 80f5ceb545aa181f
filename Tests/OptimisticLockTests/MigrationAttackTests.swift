import Foundation
import OptimisticLock
import OptimisticLockPostgres
import TestModels
import TestSupport
import Testing

/// `migrate` against databases that disagree with the schema in ways easy to miss: another schema
/// on the search path, a view or a differently cased table with the name, indexes that look like
/// the schema's but are not (partial, over expressions) or that the schema no longer declares,
/// versions that are counters, keys the database does not assign. Each either is made right or
/// refused; none is reported as done when it was not.
@Suite("Migrations, attacked")
struct MigrationAttackTests {
    static let schema = OptimisticLockSchema.schema

    @Test("PostgreSQL: the fingerprint of another schema on the search path does not stand for this one")
    func fingerprintPerSchema() throws {
        guard let base = Backend.postgresURL else {
            print("note: OPTIMISTIC_LOCK_POSTGRES_URL is not set: the PostgreSQL search-path migration test is skipped")
            return
        }
        let suffix = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let (first, second) = ("ga_" + suffix, "gb_" + suffix)
        let admin = try PostgresConnection(url: base)
        try admin.executeScript("CREATE SCHEMA \(first); CREATE SCHEMA \(second)")
        defer { try? admin.executeScript("DROP SCHEMA \(first) CASCADE; DROP SCHEMA \(second) CASCADE") }
        let separator = base.contains("?") ? "&" : "?"
        let inFirst = try PostgresConnection(url: base + separator + "options=-csearch_path%3D\(first)")
        try inFirst.migrate(Self.schema)
        let both = try PostgresConnection(url: base + separator + "options=-csearch_path%3D\(second),\(first)")
        let plan = try both.migrate(Self.schema)
        #expect(!plan.matchedFingerprint, "the first schema's fingerprint was taken for the second's")
        #expect(plan.changes.count == Self.schema.tables.count, "\(plan)")
        let tables = try admin.query(
            "SELECT count(*) AS n FROM pg_tables WHERE schemaname = $1 AND tablename = 'author'", [.text(second)])
        #expect(try tables.first?.int64("n") == 1, "the tables were made in the current schema")
        #expect(try both.migrate(Self.schema).matchedFingerprint, "and its own fingerprint is found next time")
    }

    @Test(
        "Two targets' schemas on one database each keep their fingerprint; one that shares a table with the last migrated compares again",
        arguments: Backend.available)
    func fingerprintsPerSchema(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        let tables = Self.schema.tables
        let blog = DatabaseSchema(tables: tables.filter { ["author", "posts"].contains($0.name) })
        let shop = DatabaseSchema(tables: tables.filter { $0.name == "counter" })
        let blogAgain = DatabaseSchema(tables: tables.filter { ["author", "comment", "posts"].contains($0.name) })
        #expect(try !db.migrate(blog).matchedFingerprint)
        #expect(try !db.migrate(shop).matchedFingerprint)
        #expect(try db.migrate(blog).matchedFingerprint, "the other target's migration did not erase this one's")
        #expect(try db.migrate(shop).matchedFingerprint)
        // A schema sharing tables with the blog replaces its fingerprint: the blog compares again.
        try db.migrate(blogAgain)
        let blogPlan = try db.migrate(blog)
        #expect(!blogPlan.matchedFingerprint && blogPlan.isUpToDate)
        #expect(try db.migrate(shop).matchedFingerprint)
    }

    @Test("A view with a table's name is refused, not taken for the table", arguments: Backend.available)
    func viewWithTheName(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        try db.executeScript(#"CREATE VIEW "counter" AS SELECT 1 AS "id", 1 AS "version", 0 AS "value""#)
        let error = #expect(throws: DatabaseError.self) { try db.migrate(Self.schema) }
        #expect(error?.kind == .schemaMismatch)
        #expect(
            error?.message.contains(#""counter": the database has a view with the table's name"#) == true,
            "\(error?.message ?? "")")
        #expect(try MigrationTests.tableNames(db).isEmpty, "nothing was created")
    }

    @Test("SQLite: a table whose name differs only in case is the table, and is compared")
    func caseOfNames() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connect()
        try db.executeScript(
            #"CREATE TABLE "Counter" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "version" INTEGER, "value" INTEGER NOT NULL DEFAULT 0, "extra" BLOB)"#
        )
        let error = #expect(throws: DatabaseError.self) { try db.migrate(Self.schema) }
        let message = error?.message ?? ""
        #expect(message.contains(#""counter"."extra""#), "\(message)")
        #expect(message.contains(#""counter"."version": may be NULL"#), "\(message)")
        #expect(!message.contains(#"create table "counter""#), "\(message)")
    }

    @Test("A partial or expression unique index does not stand for @unique: the real one is made", arguments: Backend.available)
    func partialIndexes(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        let integer = MigrationTests.type(backend, "INTEGER", "bigint")
        let text = MigrationTests.type(backend, "TEXT", "text")
        let key = MigrationTests.type(
            backend, "INTEGER PRIMARY KEY AUTOINCREMENT", "bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
        try db.executeScript(
            """
            CREATE TABLE "author" ("id" \(key), "version" \(integer) NOT NULL, "name" \(text) NOT NULL, "email" \(text));
            CREATE UNIQUE INDEX "email_once" ON "author" ("email") WHERE "email" <> '';
            CREATE INDEX "author_lower_name" ON "author" (lower("name"))
            """)
        // Refused: the partial index is a unique index the schema does not declare (it refuses rows
        // the schema allows), and it does not stand for the schema's, which covers every row.
        let error = #expect(throws: DatabaseError.self) { try db.migrate(Self.schema) }
        #expect(error?.message.contains(#"unique index "email_once""#) == true, "\(error?.message ?? "")")
        try db.executeScript(#"DROP INDEX "email_once""#)
        let plan = try db.migrate(Self.schema)
        #expect(plan.changes.contains { $0.table == "author" && $0.summary.contains("unique index") }, "\(plan)")
        var first = Author(name: "A", email: "")
        try first.insert(db)
        var second = Author(name: "B", email: "")
        let duplicate = #expect(throws: DatabaseError.self) { try second.insert(db) }
        #expect(duplicate?.isUniqueViolation == true)
        #expect(try db.migrationPlan(for: Self.schema).isUpToDate, "the expression index is left alone")
    }

    @Test(
        "Indexes the schema does not declare: a unique one is refused with its DROP, whatever its name; one that is not unique stays",
        arguments: Backend.available)
    func extraIndexes(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        try db.migrate(Self.schema)
        // Named as the generator or PostgreSQL would name them: still not dropped behind anyone's back.
        try db.executeScript(
            #"CREATE INDEX "counter_value_idx" ON "counter" ("value"); CREATE INDEX "by_value" ON "counter" ("value")"#)
        try db.executeScript(#"DELETE FROM "optimistic_lock_schema""#)
        let plan = try db.migrate(Self.schema)
        #expect(plan.isUpToDate, "an index that is not unique refuses nothing: it stays. \(plan)")
        let count =
            backend == .sqlite
            ? #"SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND tbl_name = 'counter'"#
            : #"SELECT count(*) AS n FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'counter'"#
        let indexes = try db.query(count).first?.int64("n") ?? 0
        #expect(indexes >= 2)

        let unique =
            backend == .sqlite
            ? #"CREATE UNIQUE INDEX "counter_value_key" ON "counter" ("value")"#
            : #"ALTER TABLE "counter" ADD UNIQUE ("value")"#
        try db.executeScript(unique)
        let refused = try db.migrationPlan(for: Self.schema)
        #expect(refused.refusals.contains { $0.summary.contains(#"unique index "counter_value_key""#) }, "\(refused)")
        let drop = backend == .sqlite ? #"DROP INDEX "counter_value_key""# : #"DROP CONSTRAINT "counter_value_key""#
        #expect(refused.refusals.contains { $0.sql.contains { $0.contains(drop) } }, "\(refused)")
        #expect(try db.query(count).first?.int64("n") == indexes + 1, "nothing was dropped")
    }

    @Test("SQLite: a unique index with NOCASE does not stand for @unique (it refuses values the schema allows)")
    func collatedUniqueIndex() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connect()
        try db.executeScript(
            """
            CREATE TABLE "author" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "version" INTEGER NOT NULL, "name" TEXT NOT NULL, "email" TEXT);
            CREATE UNIQUE INDEX "email_ci" ON "author" ("email" COLLATE NOCASE)
            """)
        let error = #expect(throws: DatabaseError.self) { try db.migrate(Self.schema) }
        #expect(error?.message.contains(#"unique index "email_ci""#) == true, "\(error?.message ?? "")")
    }

    @Test(
        "A name another object holds (a table renamed away keeps its indexes' names) fails as a schema mismatch; nothing changes",
        arguments: Backend.available)
    func nameTakenByLeftover(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        try db.migrate(Self.schema)
        try db.executeScript(#"ALTER TABLE "comment" RENAME TO "comment_backup"; DELETE FROM "optimistic_lock_schema""#)
        let error = #expect(throws: DatabaseError.self) { try db.migrate(Self.schema) }
        #expect(error?.kind == .schemaMismatch)
        #expect(error?.message.contains("is the name taken") == true, "\(error?.message ?? "")")
        #expect(try !MigrationTests.tableNames(db).contains("comment"), "nothing was created")
    }

    @Test(
        "Adopting a table whose versions are counters (0, 3, 3): those rows get fresh, distinct, valid versions; a good one stays",
        arguments: Backend.available)
    func counterVersions(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        let integer = MigrationTests.type(backend, "INTEGER", "bigint")
        let key = MigrationTests.type(
            backend, "INTEGER PRIMARY KEY AUTOINCREMENT", "bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
        try db.executeScript(
            """
            CREATE TABLE "counter" ("id" \(key), "version" \(integer) NOT NULL, "value" \(integer) NOT NULL DEFAULT 0);
            INSERT INTO "counter" ("version", "value") VALUES (0, 1), (3, 2), (3, 3), (123456789, 4)
            """)
        let plan = try db.migrate(Self.schema)
        #expect(plan.changes.contains { $0.table == "counter" && $0.column == "version" }, "\(plan)")
        let counters = try Counter.fetchAll(db)
        #expect(counters.map(\.value) == [1, 2, 3, 4])
        #expect(counters.allSatisfy { VersionGenerator.isValid($0.version) })
        #expect(Set(counters.map(\.version)).count == 4)
        #expect(counters.last?.version == 123_456_789, "a row whose version was good keeps it (a client may hold it)")
        #expect(try db.migrationPlan(for: Self.schema).isUpToDate)
    }

    @Test("PostgreSQL: an adopted key the database does not assign is refused (every insert would fail)")
    func keyWithoutIdentity() throws {
        guard Backend.postgresURL != nil else {
            print("note: OPTIMISTIC_LOCK_POSTGRES_URL is not set: the PostgreSQL identity migration test is skipped")
            return
        }
        let database = TestDatabase(.postgres)
        let db = try database.connect()
        try db.executeScript(
            #"CREATE TABLE "counter" ("id" bigint PRIMARY KEY, "version" bigint NOT NULL, "value" bigint NOT NULL DEFAULT 0)"#)
        let error = #expect(throws: DatabaseError.self) { try db.migrate(Self.schema) }
        #expect(error?.message.contains("does not assign this key") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("ADD GENERATED BY DEFAULT AS IDENTITY") == true)
    }

    @Test("PostgreSQL: migrations take turns per schema; two apps' schemas in one database do not wait for each other")
    func migrationLockPerSchema() throws {
        guard Backend.postgresURL != nil else {
            print("note: OPTIMISTIC_LOCK_POSTGRES_URL is not set: the PostgreSQL migration lock test is skipped")
            return
        }
        let first = TestDatabase(.postgres)
        let second = TestDatabase(.postgres)
        let holder = try #require(try first.connect() as? PostgresConnection)
        let sameSchema = try #require(try first.connect() as? PostgresConnection)
        let otherSchema = try #require(try second.connect() as? PostgresConnection)
        // Only the connection expected to wait gives up (after 2 s); the other must not need to.
        try sameSchema.executeScript("SET statement_timeout = 2000")
        try otherSchema.executeScript("SET statement_timeout = 120000")
        let (other, same): (Result<MigrationPlan, any Error>, Result<MigrationPlan, any Error>) =
            try holder.migrationTransaction {
                // Another app's schema migrates while this one holds its lock; the same schema
                // waits (and here times out): two processes of one app take turns.
                (Result { try otherSchema.migrate(Self.schema) }, Result { try sameSchema.migrate(Self.schema) })
            }
        #expect(try other.get().changes.isEmpty == false)
        guard case .failure(let error) = same else {
            Issue.record("the same schema migrated while another connection held its lock")
            return
        }
        #expect((error as? DatabaseError)?.sqlState == "57014", "\(error)")
        #expect(try sameSchema.migrate(Self.schema).changes.isEmpty == false)
    }

    @Test("PostgreSQL: a changed default is set again")
    func defaults() throws {
        guard Backend.postgresURL != nil else {
            print("note: OPTIMISTIC_LOCK_POSTGRES_URL is not set: the PostgreSQL default migration test is skipped")
            return
        }
        let database = TestDatabase(.postgres)
        let db = try database.connect()
        try db.migrate(Self.schema)
        try db.executeScript(#"ALTER TABLE "counter" ALTER COLUMN "value" SET DEFAULT 7"#)
        try db.executeScript(#"DELETE FROM "optimistic_lock_schema""#)
        let plan = try db.migrate(Self.schema)
        #expect(
            plan.changes.contains { $0.sql.contains(#"ALTER TABLE "counter" ALTER COLUMN "value" SET DEFAULT 0"#) }, "\(plan)")
        #expect(try db.migrationPlan(for: Self.schema).isUpToDate)
    }

    @Test("SQLite: the rebuild a refusal offers runs as printed, keeps the rows and the indexes")
    func rebuildScript() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connect()
        try db.migrate(Self.schema)
        try db.executeScript(
            """
            DROP TABLE "author";
            CREATE TABLE "author" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "version" INTEGER NOT NULL, "name" TEXT, "email" TEXT UNIQUE);
            INSERT INTO "author" ("version", "name", "email") VALUES (12345, 'Ada', 'ada@example.com');
            INSERT INTO "author" ("version", "name", "email") VALUES (12346, 'Deleted', 'gone@example.com');
            DELETE FROM "author" WHERE "name" = 'Deleted'
            """)
        let plan = try db.migrationPlan(for: Self.schema)
        let refusal = try #require(plan.refusals.first { $0.table == "author" }, "\(plan)")
        let script = refusal.sql.filter { !$0.hasPrefix("--") }
        #expect(script.allSatisfy { $0.hasSuffix(";") }, "\(script)")
        try db.executeScript(script.joined(separator: "\n"))
        let after = try db.migrationPlan(for: Self.schema)
        #expect(after.isUpToDate, "\(after)")
        #expect(try Author.fetchAll(db).map(\.name) == ["Ada"])
        // AUTOINCREMENT survives the rebuild: the deleted row's id 2 is never handed out again.
        var next = Author(name: "Next")
        try next.insert(db)
        #expect(next.id == 3)
    }

    @Test("PostgreSQL: the retype suggested for a column with a default of the old type runs, and the schema matches")
    func retypeWithDefault() throws {
        guard Backend.available.contains(.postgres) else { return }
        let database = TestDatabase(.postgres)
        let db = try database.connect()
        try db.migrate(Self.schema)
        var sample = Sample(id: UUID(), int32: 7, data: Data(), date: Date(), uuid: UUID())
        try sample.insert(db)
        try db.executeScript(
            #"ALTER TABLE "sample" ALTER COLUMN "int32" TYPE text USING "int32"::text, ALTER COLUMN "int32" SET DEFAULT 'seven'"#)
        let plan = try db.migrationPlan(for: Self.schema)
        let refusal = try #require(plan.refusals.first { $0.table == "sample" && $0.column == "int32" }, "\(plan)")
        for statement in refusal.sql where !statement.hasPrefix("--") { try db.executeScript(statement) }
        #expect(try db.migrationPlan(for: Self.schema).isUpToDate)
        #expect(try Sample.find(db, id: sample.id)?.int32 == 7)
    }

    @Test("A new non-optional column without a default: the SQL suggested for each type runs", arguments: Backend.available)
    func suggestedDefaults(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        try db.migrate(Self.schema)
        var sample = Sample(id: UUID(), data: Data(), date: Date(), uuid: UUID())
        try sample.insert(db)
        for column in ["uuid", "data", "date"] {
            try db.executeScript("ALTER TABLE \(db.dialect.quote("sample")) DROP COLUMN \(db.dialect.quote(column))")
        }
        let plan = try db.migrationPlan(for: Self.schema)
        let suggestions = plan.refusals.filter { $0.table == "sample" }.flatMap(\.sql).filter { $0.hasPrefix("ALTER TABLE") }
        #expect(suggestions.count == 3, "\(plan)")
        for statement in suggestions {
            let runnable = statement.components(separatedBy: "  -- ")[0]
            try db.executeScript(runnable)
        }
        let stored = try #require(try Sample.find(db, id: sample.id), "the suggested zeros are values a Sample reads")
        #expect(stored.uuid == UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
    }

    @Test("SQLite: a field retyped between types stored as integers (a Date that became an Int64) is refused")
    func integerRetypes() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connect()
        try db.executeScript(
            #"CREATE TABLE "counter" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "version" INTEGER NOT NULL, "value" DATETIME NOT NULL DEFAULT 0)"#
        )
        let error = #expect(throws: DatabaseError.self) { try db.migrate(Self.schema) }
        #expect(
            error?.message.contains(#""counter"."value": has type DATETIME in the database but INTEGER in the schema"#) == true,
            "\(error?.message ?? "")")
    }

    @Test("SQLite: a rebuild with no column in common says so instead of printing broken SQL; one table's script is printed once")
    func rebuildWithNothingInCommon() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connect()
        try db.executeScript(#"CREATE TABLE "counter" ("legacy" INTEGER)"#)
        let plan = try db.migrationPlan(for: Self.schema)
        let rebuild = try #require(plan.refusals.first { $0.table == "counter" && $0.summary.contains("primary key") })
        #expect(rebuild.sql.contains { $0.contains("no column is in both tables") }, "\(rebuild)")
        #expect(!rebuild.sql.contains { $0.contains("()") }, "\(rebuild)")

        let other = TestDatabase(.sqlite)
        let db2 = try other.connect()
        try db2.executeScript(#"CREATE TABLE "counter" ("id" INTEGER, "version" INTEGER, "value" INTEGER NOT NULL DEFAULT 0)"#)
        let twice = try db2.migrationPlan(for: Self.schema)
        #expect(twice.refusals.filter { $0.table == "counter" }.count == 2, "\(twice)")
        #expect(twice.description.contains("the same rebuild as above)"), "\(twice)")
        // The version column that may be NULL gets fresh versions first, never 0.
        #expect(twice.description.contains(#"UPDATE "counter" SET "version" = (abs(random())"#), "\(twice)")
        #expect(!twice.description.contains(#"SET "version" = 0"#), "\(twice)")
    }

    @Test("SQLite: one rebuild for several reasons fills every column's NULLs first, and its SQL keeps every row")
    func rebuildWithBackfills() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connect()
        // "id" is not the primary key, and "version" and "name" may be NULL: three refusals, one rebuild.
        try db.executeScript(
            #"""
            CREATE TABLE "author" ("id" INTEGER, "version" INTEGER, "name" TEXT, "email" TEXT UNIQUE);
            INSERT INTO "author" VALUES (1, NULL, NULL, 'a@example.com'), (2, 5, 'kept', NULL)
            """#)
        let plan = try db.migrationPlan(for: Self.schema)
        let author = plan.refusals.filter { $0.table == "author" }
        #expect(author.count == 3, "\(plan)")
        #expect(
            Set(author.map { $0.sql.filter { !$0.hasPrefix("--") } }).count == 1,
            "every refusal of the table carries the same script")
        #expect(plan.description.components(separatedBy: #"CREATE TABLE "author_new""#).count == 2, "\(plan)")
        #expect(plan.description.contains("sqlite3 -bail"))
        for sql in try #require(author.first).sql where !sql.hasPrefix("--") { try db.executeScript(sql) }
        try db.migrate(Self.schema)
        #expect(try Author.count(db) == 2)
        let rows = try Author.fetchAll(db)
        #expect(rows.map(\.name).sorted() == ["", "kept"] && rows.allSatisfy { $0.version > 0 })
        #expect(rows.first { $0.id == 2 }?.version == 5, "a usable version is kept")
    }

    @Test("SQLite: an index over an expression does not stop the comparison")
    func expressionIndex() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connect()
        try db.migrate(Self.schema)
        try db.executeScript(#"CREATE INDEX "author_lower" ON "author" (lower("name"))"#)
        #expect(try db.migrationPlan(for: Self.schema).isUpToDate)
    }
}
