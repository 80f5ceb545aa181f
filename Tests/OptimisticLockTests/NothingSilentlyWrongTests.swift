import CSQLite
import Foundation
import OptimisticLock
import TestModels
import Testing

/// Inputs that once gave a silently wrong result or a crash (issue 10, cases 7-9): each is now a
/// `DatabaseError`, and nothing is written or coerced.
@Suite("Nothing silently wrong")
struct NothingSilentlyWrongTests {
    static func sample(date: Date = Date(timeIntervalSince1970: 0), double: Double = 0) -> Sample {
        Sample(id: UUID(), double: double, data: Data(), date: date, uuid: UUID())
    }

    // MARK: 7. Values a backend cannot keep

    @Test("7. A NaN or infinite date is an error, not a crash; nothing is written", arguments: Backend.available)
    func nonFiniteDates(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        for bad in [
            Date(timeIntervalSinceReferenceDate: .nan), Date(timeIntervalSinceReferenceDate: .infinity),
            Date(timeIntervalSinceReferenceDate: -.infinity), Date(timeIntervalSinceReferenceDate: 1e300),
        ] {
            var sample = Self.sample(date: bad)
            let error = #expect(throws: DatabaseError.self) { try sample.insert(db) }
            #expect(error?.kind == .invalidValue)
            #expect(sample.version == 0)
            var withOptional = Self.sample()
            withOptional.optionalDate = bad
            #expect(throws: DatabaseError.self) { try withOptional.insert(db) }
        }
        #expect(try Sample.count(db) == 0)
        // The statement is usable afterwards.
        var good = Self.sample()
        try good.insert(db)
        #expect(try Sample.count(db) == 1)
    }

    @Test("7. NaN: refused on SQLite (it would become NULL), kept exactly on PostgreSQL", arguments: Backend.available)
    func notANumber(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var sample = Self.sample(double: .nan)
        sample.optionalDouble = .nan
        if backend == .sqlite {
            let error = #expect(throws: DatabaseError.self) { try sample.insert(db) }
            #expect(error?.kind == .invalidValue)
            #expect(error?.message.contains("NaN") == true)
            #expect(try Sample.count(db) == 0)
        } else {
            try sample.insert(db)
            let stored = try #require(try Sample.find(db, id: sample.id))
            #expect(stored.double.isNaN && stored.optionalDouble?.isNaN == true)
        }
        var infinite = Self.sample(double: .infinity)
        infinite.optionalDouble = -.infinity
        try infinite.insert(db)
        let stored = try #require(try Sample.find(db, id: infinite.id))
        #expect(stored.double == .infinity && stored.optionalDouble == -.infinity)
    }

    @Test("-0.0: refused on SQLite (it would read back as 0.0), kept with its sign on PostgreSQL", arguments: Backend.available)
    func negativeZero(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var sample = Self.sample(double: -0.0)
        if backend == .sqlite {
            let error = #expect(throws: DatabaseError.self) { try sample.insert(db) }
            #expect(error?.kind == .invalidValue)
            #expect(error?.message.contains("-0.0") == true)
            #expect(try Sample.count(db) == 0)
            let dynamic = #expect(throws: DatabaseError.self) { try db.query("SELECT ? AS x", [.real(-0.0)]) }
            #expect(dynamic?.kind == .invalidValue)
        } else {
            try sample.insert(db)
            let stored = try #require(try Sample.find(db, id: sample.id))
            #expect(stored.double == 0 && stored.double.sign == .minus)
        }
    }

    @Test(
        "SQL texts that differ only in Unicode normalisation are two statements, never one cached for both",
        arguments: Backend.available)
    func canonicallyEquivalentSQL(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        let composed = try db.query("SELECT '\u{E9}' AS s").first?.string("s")
        let decomposed = try db.query("SELECT 'e\u{301}' AS s").first?.string("s")
        #expect(composed.map { Array($0.utf8) } == [0xC3, 0xA9])
        #expect(decomposed.map { Array($0.utf8) } == [0x65, 0xCC, 0x81], "the decomposed text ran its own statement")
    }

    // MARK: 8. Wrong number of arguments

    @Test(
        "8. Fewer or more arguments than parameters: an error, nothing runs, no stale bindings",
        arguments: Backend.available)
    func argumentCount(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var first = Counter(value: 1)
        var second = Counter(value: 2)
        try first.insert(db)
        try second.insert(db)
        let sql = Fixture.placeholders(#"UPDATE "counter" SET "value" = ? WHERE "id" = ?"#, db.dialect)
        #expect(try db.execute(sql, [.integer(10), .integer(first.id!)]) == 1)
        // The same statement again with one argument: it used to reuse the previous call's id.
        let fewer = #expect(throws: DatabaseError.self) { try db.execute(sql, [.integer(20)]) }
        #expect(fewer?.kind == .misuse)
        #expect(fewer?.message.contains("takes 2 arguments, 1 given") == true, "\(String(describing: fewer))")
        let more = #expect(throws: DatabaseError.self) {
            try db.execute(sql, [.integer(30), .integer(second.id!), .integer(0)])
        }
        #expect(more?.kind == .misuse)
        #expect(throws: DatabaseError.self) { try db.query(sql, []) }
        #expect(try Counter.fetchAll(db).map(\.value) == [10, 2], "nothing ran")
    }

    // MARK: 9. Strict reads

    /// Changes one column of every row of a table with hand-written SQL, then expects reading the
    /// model to fail with `.invalidStoredValue` naming the column, the table and the key.
    func expectRefused<Model: SchemaModel>(
        _ db: some DatabaseConnection, _ model: Model.Type, key: Model.Key, column: String, _ assignment: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        try db.executeScript(#"UPDATE "\#(Model.tableName)" SET "\#(column)" = \#(assignment)"#)
        let error = #expect(throws: DatabaseError.self, sourceLocation: sourceLocation) { try Model.find(db, id: key) }
        #expect(error?.kind == .invalidStoredValue, sourceLocation: sourceLocation)
        let message = error?.message ?? ""
        #expect(message.contains("\"\(column)\""), "names the column: \(message)", sourceLocation: sourceLocation)
        #expect(
            message.contains("\"\(Model.tableName)\" \(key)"), "names the table and key: \(message)",
            sourceLocation: sourceLocation)
        #expect(throws: DatabaseError.self, sourceLocation: sourceLocation) { try Model.fetchAll(db) }
    }

    @Test("9. SQLite: every stored value that does not fit its field is refused, never coerced")
    func sqliteStrictReads() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connectWithSchema()
        var counter = Counter(value: 5)
        try counter.insert(db)
        let id = try #require(counter.id)
        try expectRefused(db, Counter.self, key: id, column: "value", "'abc'")
        try expectRefused(db, Counter.self, key: id, column: "value", "2.5")
        try expectRefused(db, Counter.self, key: id, column: "value", "x'0102'")
        try expectRefused(db, Counter.self, key: id, column: "value", "1e300")
        try db.executeScript(#"UPDATE "counter" SET "value" = 7.0"#)
        #expect(try Counter.find(db, id: id)?.value == 7, "a REAL without a fraction is the integer it holds")

        // TEXT in the version: it used to read as 0, and save then tried an INSERT.
        try expectRefused(db, Counter.self, key: id, column: "version", "'abc'")
        counter.value = 9
        #expect(throws: DatabaseError.self) { try counter.save(db) }
        #expect(try Counter.count(db) == 1, "no INSERT")

        let author = try Fixture.author(db)
        let post = try Fixture.post(db, author: author)
        var comment = Comment(postID: post.id, text: "hi")
        try comment.insert(db)
        let commentID = try #require(comment.id)
        // Beyond Int32: it used to be truncated, and written back truncated by the next update.
        try expectRefused(db, Comment.self, key: commentID, column: "likes", "3000000000")
        try db.executeScript(#"UPDATE "comment" SET "likes" = 0"#)
        try expectRefused(db, Comment.self, key: commentID, column: "is_hidden", "2")
        try db.executeScript(#"UPDATE "comment" SET "is_hidden" = 0"#)
        // Invalid UTF-8: it used to become U+FFFD and be written back.
        try expectRefused(db, Comment.self, key: commentID, column: "text", "CAST(x'61ff62' AS TEXT)")
        try db.executeScript(#"UPDATE "comment" SET "text" = 'ok'"#)
        try expectRefused(db, Comment.self, key: commentID, column: "text", "x'6869'")
        try db.executeScript(#"UPDATE "comment" SET "text" = 'ok'"#)
        #expect(try Comment.find(db, id: commentID)?.text == "ok")
        var sample = Self.sample()
        try sample.insert(db)
        try expectRefused(db, Sample.self, key: sample.id, column: "uuid", "x'01'")
        try expectRefused(db, Sample.self, key: sample.id, column: "uuid", "'not a uuid'")

        try expectRefused(db, Post.self, key: post.id, column: "created_at", "'2024-01-01 00:00:00'")
        try db.executeScript(#"UPDATE "posts" SET "created_at" = 0"#)
        try expectRefused(db, Post.self, key: post.id, column: "rating", "'high'")
        try db.executeScript(#"UPDATE "posts" SET "rating" = NULL"#)
        try expectRefused(db, Post.self, key: post.id, column: "attachment", "'text, not bytes'")
        try db.executeScript(#"UPDATE "posts" SET "attachment" = NULL"#)
        try expectRefused(db, Post.self, key: post.id, column: "status", "'deleted'")
    }

    @Test("9. NULL in a non-optional field of a table made by hand is refused", arguments: Backend.available)
    func nullInLegacyTable(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        let bigint = backend == .sqlite ? "INTEGER" : "bigint"
        try db.executeScript(
            """
            CREATE TABLE "counter" ("id" \(bigint) PRIMARY KEY, "version" \(bigint), "value" \(bigint));
            INSERT INTO "counter" ("id", "version", "value") VALUES (1, 5, NULL);
            INSERT INTO "counter" ("id", "version", "value") VALUES (2, NULL, 3)
            """)
        let null = #expect(throws: DatabaseError.self) { try Counter.find(db, id: 1) }
        #expect(null?.message.contains("NULL") == true, "\(String(describing: null))")
        #expect(throws: DatabaseError.self) { try Counter.find(db, id: 2) }
        #expect(throws: DatabaseError.self) { try Counter.fetchAll(db) }
    }

    @Test("9. PostgreSQL: a column of another type is refused, never reinterpreted; a changed table is prepared again")
    func postgresColumnTypes() throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        let db = try database.connectWithSchema()
        var counter = Counter(value: 5)
        try counter.insert(db)
        let id = try #require(counter.id)
        #expect(try Counter.find(db, id: id)?.value == 5, "the statement is prepared before the table changes")

        // 8 bytes of text used to read as an Int64; the cached plan used to fail forever.
        try db.executeScript(#"ALTER TABLE "counter" ALTER COLUMN "value" TYPE text USING 'abcdefgh'"#)
        let error = #expect(throws: DatabaseError.self) { try Counter.find(db, id: id) }
        #expect(error?.kind == .invalidStoredValue, "\(String(describing: error))")
        #expect(error?.message.contains("text column is not an integer") == true, "\(String(describing: error))")
        try db.executeScript(#"ALTER TABLE "counter" ALTER COLUMN "value" TYPE bigint USING 6"#)
        #expect(try Counter.find(db, id: id)?.value == 6, "prepared again after the change")

        // Inside a transaction the failed statement aborts it; the next run prepares again.
        try db.executeScript(#"ALTER TABLE "counter" ALTER COLUMN "value" TYPE integer"#)
        #expect(throws: DatabaseError.self) { try db.transaction { _ = try Counter.find(db, id: id) } }
        #expect(try db.transaction { try Counter.find(db, id: id)?.value } == 6)

        // 16 bytes of text used to read as a UUID; timestamp without time zone is not a Date.
        var sample = Self.sample()
        try sample.insert(db)
        #expect(try Sample.find(db, id: sample.id) != nil)
        try db.executeScript(#"ALTER TABLE "sample" ALTER COLUMN "uuid" TYPE text USING '0123456789abcdef'"#)
        let uuid = #expect(throws: DatabaseError.self) { try Sample.find(db, id: sample.id) }
        #expect(uuid?.message.contains("\"uuid\"") == true, "\(String(describing: uuid))")
        try db.executeScript(#"ALTER TABLE "sample" ALTER COLUMN "uuid" TYPE uuid USING gen_random_uuid()"#)
        // real rounds what is written to it, char(n) pads: neither is read as a Double or a String.
        try db.executeScript(#"ALTER TABLE "sample" ALTER COLUMN "double" TYPE real"#)
        #expect(throws: DatabaseError.self) { try Sample.find(db, id: sample.id) }
        try db.executeScript(#"ALTER TABLE "sample" ALTER COLUMN "double" TYPE double precision"#)
        try db.executeScript(#"ALTER TABLE "sample" ALTER COLUMN "string" TYPE char(6)"#)
        #expect(throws: DatabaseError.self) { try Sample.find(db, id: sample.id) }
        try db.executeScript(#"ALTER TABLE "sample" ALTER COLUMN "string" TYPE text"#)
        try db.executeScript(#"ALTER TABLE "sample" ALTER COLUMN "date" TYPE timestamp"#)
        #expect(throws: DatabaseError.self) { try Sample.find(db, id: sample.id) }
        try db.executeScript(#"ALTER TABLE "sample" ALTER COLUMN "date" TYPE timestamptz USING 'infinity'"#)
        let infinite = #expect(throws: DatabaseError.self) { try Sample.find(db, id: sample.id) }
        #expect(infinite?.message.contains("infinite") == true, "\(String(describing: infinite))")
        try db.executeScript(#"UPDATE "sample" SET "date" = now(), "int32" = 7"#)
        #expect(try Sample.find(db, id: sample.id)?.int32 == 7)
    }

    // MARK: Transactions the database ended

    @Test("A write after SQLite rolled the transaction back on its own is refused; nothing commits")
    func sqliteAutomaticRollback() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connectWithSchema() as! SQLiteConnection
        var interrupted: (any Error)?
        var refused: (any Error)?
        let error = #expect(throws: DatabaseError.self) {
            try db.transaction {
                _ = try Fixture.author(db, name: "first")
                // Interrupt the next statement: SQLite rolls the whole transaction back.
                sqlite3_progress_handler(db.handle, 1, { _ in 1 }, nil)
                do { _ = try Fixture.author(db, name: "interrupted") } catch { interrupted = error }
                sqlite3_progress_handler(db.handle, 0, nil, nil)
                // Carrying on as if nothing happened must not write in autocommit mode.
                do { _ = try Fixture.author(db, name: "after") } catch { refused = error }
            }
        }
        #expect(interrupted is DatabaseError)
        #expect((refused as? DatabaseError)?.kind == .misuse, "\(String(describing: refused))")
        #expect(error?.kind == .misuse, "\(String(describing: error))")
        #expect(try Author.count(db) == 0)

        // Nor may a savepoint, a retry loop or a script inside it start a transaction of its own.
        var attempts: [String: (any Error)?] = [:]
        _ = try? db.transaction {
            _ = try Fixture.author(db, name: "first")
            sqlite3_progress_handler(db.handle, 1, { _ in 1 }, nil)
            _ = try? Fixture.author(db, name: "interrupted")
            sqlite3_progress_handler(db.handle, 0, nil, nil)
            do { try db.transaction { _ = try Fixture.author(db, name: "nested") } } catch { attempts["nested"] = error }
            do { try db.retryOnConflict { _ = try Fixture.author(db, name: "retry") } } catch { attempts["retry"] = error }
            do {
                try db.executeScript(#"INSERT INTO "author" ("name", "version") VALUES ('script', 1)"#)
            } catch { attempts["script"] = error }
        }
        for name in ["nested", "retry", "script"] {
            #expect((attempts[name] as? DatabaseError)?.kind == .misuse, "\(name): \(String(describing: attempts[name]))")
        }
        #expect(try Author.count(db) == 0, "nothing of it committed")
        try db.transaction { _ = try Fixture.author(db, name: "healthy") }
        #expect(try Author.count(db) == 1)
    }

    @Test("A full disk inside a transaction: SQLite rolls it back; nothing after it commits")
    func sqliteFullDisk() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connectWithSchema() as! SQLiteConnection
        let pages = try #require(try Fixture.column(db, "PRAGMA page_count"))
        guard case .integer(let count) = pages else { return }
        try db.executeScript("PRAGMA max_page_count = \(count + 2)")
        let big = String(repeating: "x", count: 50_000)
        _ = try? db.transaction {
            for index in 0..<20 { _ = try? Fixture.author(db, name: "\(index) \(big)") }
            _ = try? db.transaction { _ = try Fixture.author(db, name: "after the disk filled") }
            _ = try? db.retryOnConflict { _ = try Fixture.author(db, name: "retry after") }
        }
        try db.executeScript("PRAGMA max_page_count = 1000000")
        let names = try Author.fetchAll(db).map(\.name)
        #expect(!names.contains("after the disk filled") && !names.contains("retry after"), "\(names.count) rows")
    }

    @Test(
        "A date a Date cannot hold to the microsecond is refused, never written back changed",
        arguments: Backend.available)
    func farDates(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var sample = Self.sample()
        try sample.insert(db)
        // 9999-12-31 23:59:59.999999 UTC: Python's datetime.max, a common "end of time".
        let endOfTime = backend == .sqlite ? "253402300799999999" : "'9999-12-31 23:59:59.999999+00'"
        try db.executeScript(#"UPDATE "sample" SET "date" = \#(endOfTime)"#)
        let error = #expect(throws: DatabaseError.self) { try Sample.find(db, id: sample.id) }
        #expect(error?.message.contains("no exact Date") == true, "\(String(describing: error))")
        // Whole seconds far away, and any microsecond near today, are exact.
        for date in [Date.distantFuture, Date.distantPast, Date(timeIntervalSince1970: 1_767_225_599.999999)] {
            sample.date = date
            try sample.update(db)
            let stored = try #require(try Sample.find(db, id: sample.id))
            #expect(stored.date == date, "\(date)")
        }
    }

    @Test("PostgreSQL: arguments the SQL does not use are refused, even with a statement bound by hand")
    func postgresExtraArguments() throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        let db = try database.connect()
        let statement = try db.prepare("SELECT $1::int8 AS a")
        statement.bind(int64: 1, at: 1)
        statement.bind(int64: 2, at: 2)
        let error = #expect(throws: DatabaseError.self) { try statement.step() }
        #expect(error?.kind == .misuse)
        statement.reset()
        #expect(throws: DatabaseError.self) { try db.query("SELECT $1::int8 AS a", [1, 2]) }
        #expect(try db.query("SELECT $1::int8 AS a", [7]).first?[0] == .integer(7))
        #expect(try db.query("SELECT '$2' AS a, $1::int8 AS b, $tag$ $3 $tag$ AS c /* $4 */", [5]).first?[1] == .integer(5))
    }

    @Test("PostgreSQL: a parameter over 2 GiB is refused, not cut to its length modulo 2^32")
    func postgresHugeParameter() throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        let db = try database.connect()
        try db.executeScript(#"CREATE TABLE "blob" ("b" bytea)"#)
        var data = Data(count: (1 << 32) + 3)  // untouched pages: no memory is used
        data[0] = 0xAB
        let error = #expect(throws: DatabaseError.self) { try db.execute(#"INSERT INTO "blob" VALUES ($1)"#, [.blob(data)]) }
        #expect(error?.kind == .invalidValue, "\(String(describing: error))")
        #expect(try db.query(#"SELECT count(*) FROM "blob""#).first?[0] == .integer(0))
    }

    @Test("PostgreSQL: dynamic queries decode what they can and refuse the rest, never binary bytes as text")
    func postgresDynamicValues() throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        let db = try database.connect()
        let row = try #require(
            try db.query(
                """
                SELECT DATE '2024-01-02', DATE '0044-03-15 BC', '{"a":1}'::jsonb, '{"b": 2}'::json, 'Infinity'::numeric,
                       '-Infinity'::numeric, 'NaN'::numeric, 12.50::numeric, 'infinity'::timestamptz, 0.5::real, 42::oid,
                       'ab'::char(4), TIMESTAMPTZ '1970-01-01 00:00:01+00'
                """
            ).first)
        #expect(
            row.values == [
                .text("2024-01-02"), .text("0044-03-15 BC"), .text(#"{"a": 1}"#), .text(#"{"b": 2}"#), .text("Infinity"),
                .text("-Infinity"), .text("NaN"), .text("12.50"), .text("infinity"), .real(0.5), .integer(42), .text("ab  "),
                .integer(1_000_000),
            ])
        for sql in ["SELECT INTERVAL '1 day'", "SELECT '12:00'::time", "SELECT ARRAY[1,2]::int8[]", "SELECT 1::money"] {
            let error = #expect(throws: DatabaseError.self, "\(sql)") { try db.query(sql) }
            #expect(error?.message.contains("cast it in the SQL") == true, "\(String(describing: error))")
        }
    }

    @Test("A transaction PostgreSQL aborted does not pass for committed")
    func postgresAbortedCommit() throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        let db = try database.connectWithSchema()
        var existing = Author(id: 1_000, name: "taken")
        try existing.insert(db)
        let error = #expect(throws: DatabaseError.self) {
            try db.transaction {
                _ = try Fixture.author(db, name: "written first")
                var duplicate = Author(id: 1_000, name: "duplicate")
                _ = try? duplicate.insert(db)  // the failure is swallowed; the transaction is aborted
            }
        }
        #expect(error?.kind == .misuse, "\(String(describing: error))")
        #expect(error?.message.contains("rolled back") == true, "\(String(describing: error))")
        #expect(try Author.count(db) == 1)
    }

    @Test("SQLite: a quoted column that does not exist is an error, never the string of its name")
    func doubleQuotedNames() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connectWithSchema()
        var sample = Self.sample()
        try sample.insert(db)
        try db.executeScript(#"ALTER TABLE "sample" DROP COLUMN "optional_string""#)
        let error = #expect(throws: DatabaseError.self) { try Sample.find(db, id: sample.id) }
        #expect(error?.message.contains("no such column") == true, "\(error?.message ?? "")")
        #expect(throws: DatabaseError.self) { try db.query(#"SELECT "nothing_here" FROM "sample""#, []) }
    }
}
