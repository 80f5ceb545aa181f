import Foundation
import OptimisticLock
import TestModels
import TestSupport
import Testing

@testable import OptimisticLockPostgres

/// What only the PostgreSQL backend needs: connection failures, SQLSTATEs, server-side behaviour.
/// Every backend-parameterised suite also runs on PostgreSQL when OPTIMISTIC_LOCK_POSTGRES_URL is set.
@Suite(
    "PostgreSQL server",
    .enabled(
        if: Backend.postgresURL != nil,
        "PostgreSQL tests skipped: OPTIMISTIC_LOCK_POSTGRES_URL is not set (.ci/run starts a server)"))
struct PostgresTests {
    @Test("After DISCARD ALL, or prepared statements deallocated behind its back, a connection prepares again")
    func discardedStatements() throws {
        let database = TestDatabase(.postgres)
        let db = try database.connectWithSchema()
        var author = Author(name: "Ada")
        try author.insert(db)
        #expect(try Author.find(db, id: author.id!)?.name == "Ada")
        try db.executeScript("DISCARD ALL")
        author.name = "Grace"
        try author.update(db)
        #expect(try Author.find(db, id: author.id!)?.name == "Grace")
        // Deallocated one by one (no DISCARD ALL to notice): the server answers 26000 for each.
        func deallocateAll() throws {
            for row in try db.query("SELECT name FROM pg_prepared_statements", []) {
                try db.executeScript("DEALLOCATE " + db.dialect.quote(try row.string("name")))
            }
        }
        try deallocateAll()
        #expect(try Author.find(db, id: author.id!)?.name == "Grace", "outside a transaction: prepared again, run again")
        try deallocateAll()
        let error = #expect(throws: DatabaseError.self, "inside a transaction the failed statement aborted it") {
            try db.transaction { _ = try Author.find(db, id: author.id!) }
        }
        #expect(error?.sqlState == "26000")
        try db.transaction {
            author.name = "Hopper"
            try author.update(db)
        }
        #expect(try Author.find(db, id: author.id!)?.name == "Hopper", "the next transaction prepares everything again")
    }

    @Test("A bad URL is a connection error that says why")
    func badURL() {
        let error = #expect(throws: DatabaseError.self) { try PostgresConnection(url: "postgresql://host:notaport/db") }
        #expect(error?.kind == .connection)
        #expect(error?.message.contains("invalid") == true, "\(String(describing: error))")
    }

    @Test("A refused connection is a connection error")
    func refused() {
        let error = #expect(throws: DatabaseError.self) {
            try PostgresConnection(url: "postgresql://postgres@127.0.0.1:1/optimistic_lock?connect_timeout=5")
        }
        #expect(error?.kind == .connection)
        #expect(error?.message.contains("refused") == true, "\(String(describing: error))")
    }

    @Test(
        "Failed authentication is a connection error",
        .enabled(if: ProcessInfo.processInfo.environment["OPTIMISTIC_LOCK_POSTGRES_AUTH_FAIL_URL"] != nil))
    func authentication() throws {
        let url = try #require(ProcessInfo.processInfo.environment["OPTIMISTIC_LOCK_POSTGRES_AUTH_FAIL_URL"])
        let error = #expect(throws: DatabaseError.self) { try PostgresConnection(url: url) }
        #expect(error?.kind == .connection)
        #expect(error?.message.contains("authentication failed") == true, "\(String(describing: error))")
        #expect(error?.message.contains("wrong-password") == false, "the password is not echoed")
    }

    @Test("A server that goes away mid-session gives a connection error, not a crash")
    func serverGoesAway() throws {
        let database = TestDatabase(.postgres)
        let victim = try PostgresConnection(url: database.path)
        try Counter.createTable(victim)
        var counter = Counter()
        try counter.insert(victim)
        let admin = try PostgresConnection(url: database.path)
        try admin.execute("SELECT pg_terminate_backend($1::int4)", [.integer(Int64(victim.backendProcessID))])
        let error = #expect(throws: DatabaseError.self) { _ = try Counter.find(victim, id: counter.id!) }
        #expect(error?.kind == .connection, "\(String(describing: error))")
        #expect(error?.sql?.contains("SELECT") == true)
        #expect(try Counter.count(admin) == 1, "the other connection is unaffected")
    }

    @Test("Constraint violations carry their SQLSTATE and the SQL")
    func sqlState() throws {
        let database = TestDatabase(.postgres)
        let db = try database.connectWithSchema()
        var author = Author(name: "A", email: "a@example.com")
        try author.insert(db)
        var duplicate = Author(name: "B", email: "a@example.com")
        let unique = #expect(throws: DatabaseError.self) { try duplicate.insert(db) }
        #expect(unique?.sqlState == "23505")
        #expect(unique?.isUniqueViolation == true)
        #expect(unique?.sql?.hasPrefix("INSERT INTO \"author\"") == true)
        var orphan = Post(id: UUID(), authorID: 999, title: "x", createdAt: Date())
        let foreign = #expect(throws: DatabaseError.self) { try orphan.insert(db) }
        #expect(foreign?.sqlState == "23503")
        #expect(foreign?.isForeignKeyViolation == true)
        #expect(try Post.count(db) == 0)
    }

    @Test("Text with a NUL character is refused before anything is written")
    func nulText() throws {
        let database = TestDatabase(.postgres)
        let db = try database.connectWithSchema()
        var author = Author(name: "a\0b")
        let error = #expect(throws: DatabaseError.self) { try author.insert(db) }
        #expect(error?.kind == .invalidValue)
        #expect(try Author.count(db) == 0)
    }

    @Test("A failed statement inside a transaction rolls the whole transaction back; the connection stays usable")
    func abortedTransaction() throws {
        let database = TestDatabase(.postgres)
        let db = try database.connectWithSchema()
        var first = Author(name: "first", email: "same@example.com")
        try first.insert(db)
        #expect(throws: DatabaseError.self) {
            try db.transaction {
                var second = Author(name: "second")
                try second.insert(db)
                var clash = Author(name: "clash", email: "same@example.com")
                try clash.insert(db)
            }
        }
        #expect(try Author.count(db) == 1)
        var third = Author(name: "third")
        try third.insert(db)
        #expect(try Author.count(db) == 2)
    }

    @Test("The DDL of `optimistic-lock sql --dialect postgres` is what the generated code runs against")
    func cliDDL() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let sql = try BuiltExecutable.run(
            BuiltExecutable.path("optimistic-lock"),
            ["sql", "Schemas", "Tests/Schemas", "--dialect", "postgres"], in: root)
        #expect(sql.status == 0, "\(sql.stderr)")
        let database = TestDatabase(.postgres)
        let db = try database.connect()
        try db.executeScript(sql.stdout)
        var author = Author(name: "Ada")
        try author.insert(db)
        var post = Post(id: UUID(), authorID: author.id!, title: "t", createdAt: Date(timeIntervalSince1970: 1_700_000_000.25))
        try post.insert(db)
        post.status = .published
        try post.update(db)
        #expect(try Post.find(db, id: post.id) == post)
        // createTable finds the tables already there and leaves them alone.
        try TestDatabase.createTables(db)
        #expect(try Post.count(db) == 1)
    }

    @Test("Dynamic queries decode integers, reals, text, numeric and NULL")
    func dynamicValues() throws {
        let database = TestDatabase(.postgres)
        let db = try database.connect()
        let row = try #require(
            try db.query(
                "SELECT 1::int4 AS a, 2.5::float8 AS b, 'x' AS c, 12345.678::numeric AS d, -0.5::numeric AS e, NULL::text AS f, true AS g"
            ).first)
        #expect(row["a"] == .integer(1))
        #expect(row["b"] == .real(2.5))
        #expect(row["c"] == .text("x"))
        #expect(row["d"] == .text("12345.678"))
        #expect(row["e"] == .text("-0.5"))
        #expect(row["f"] == .null)
        #expect(row["g"] == .integer(1))
    }
}

/// What is not a PostgreSQL URL is refused for what it is (no server needed).
@Suite("PostgreSQL URLs")
struct PostgresURLTests {
    @Test("A URL of another scheme, or without ://, is refused naming the problem, never echoing a password")
    func notPostgres() async throws {
        for url in ["http://user:hunter2@host/db", "mysql://user:hunter2@host/db", "postgres//user:hunter2@host/db", "hunter2"] {
            let error = #expect(throws: DatabaseError.self, "\(url)") { try PostgresConnection(url: url) }
            #expect(error?.kind == .connection, "\(url)")
            #expect(error?.message.contains("not a PostgreSQL URL") == true, "\(url): \(String(describing: error))")
            #expect(error?.message.contains("hunter2") == false, "\(url): the password is echoed")
            let pool = PostgresPool(url: url)
            let poolError = await #expect(throws: DatabaseError.self, "\(url)") { try await pool.read { _ in } }
            #expect(poolError?.message.contains("not a PostgreSQL URL") == true, "\(url)")
            await pool.close()
        }
        // "://" inside a key=value password is not a scheme.
        let pairs = #expect(throws: DatabaseError.self) {
            try PostgresConnection(url: "host=/nonexistent-socket-dir dbname=x password=a://b connect_timeout=1")
        }
        #expect(pairs?.message.contains("not a PostgreSQL URL") == false, "\(String(describing: pairs))")
        let unparsable = #expect(throws: DatabaseError.self) { try PostgresConnection(url: "host=db dbname='unterminated") }
        #expect(unparsable?.message.contains("invalid PostgreSQL URL") == true, "\(String(describing: unparsable))")
    }

    @Test("No refusal of a URL repeats its password, whatever libpq's parser quotes")
    func neverThePassword() async throws {
        let urls = [
            "jdbc:postgresql://u:hunter2@h/db?ssl=true", "postgres//u:hunter2@h/db?sslmode=require",
            "postgresql:u:hunter2@h/db?sslmode=require", "postgresql:/u:hunter2@h/db", "postgresql://u:hunter2%zz@h/db",
            "postgresql://u:hunter2@[::1/db", "postgresql://u:hunter2@[]/db", "postgresql://u:hunter2@[::1]x/db",
            "postgresql://u:hunter2@h/db?nosuchoption=1", "host=h password=hunter2 nosuchoption=1",
            "host=h password='hunter2",
        ]
        for url in urls {
            let error = #expect(throws: DatabaseError.self, "\(url)") { try PostgresConnection(url: url) }
            #expect(error?.kind == .connection, "\(url)")
            #expect(error?.message.contains("hunter2") == false, "\(url): \(String(describing: error))")
            #expect(error?.description.contains("hunter2") == false, "\(url): \(String(describing: error))")
        }
        // Nothing after the first quote of libpq's message is kept (a quote in the URL ends a quoted part early).
        #expect(
            PostgresConnect.redactingQuotes(#"invalid percent-encoded token: "a"hunter2%zz""#)
                == #"invalid percent-encoded token: "…""#)
        // A password in the wrong place of a URL is never repeated by libpq's connect errors.
        for url in [
            "postgresql://app:p@hunter2@127.0.0.1:1/db", "postgresql://app:hunter2/x@127.0.0.1/db",
            "postgresql://u:a\"hunter2%zz@h/db", "postgresql://app:hunter2@127.0.0.1:1/db?connect_timeout=1",
            "postgresql://app:hunter2@leakedpart/tail@127.0.0.1/db", "postgresql://app:\u{665}\u{664}/hunter2@127.0.0.1/db",
        ] {
            let error = #expect(throws: DatabaseError.self, "\(url)") { try PostgresConnection(url: url) }
            #expect(error?.description.contains("hunter2") == false, "\(url): \(String(describing: error))")
        }
    }

    @Test("A short password is never spelled out by what replaces it; hosts with @ and spaced ports stay valid")
    func shortPasswords() throws {
        #expect(PostgresConnect.quotesPassword(#"connection to server at "127.0.0.1", port 1 failed"#, "1"))
        #expect(!PostgresConnect.quotesPassword(#"connection to server at "db", port 5432 failed: refused"#, "refused"))
        let error = #expect(throws: DatabaseError.self) {
            try PostgresConnection(url: "postgresql://app:1@127.0.0.1:1/db?connect_timeout=1")
        }
        #expect(error?.message.contains("withheld") == true, "\(String(describing: error))")
        // Not refused as URLs (they fail later, at connecting, for want of a server).
        for url in ["host=/nonexistent/pg@dir dbname=x connect_timeout=1", "host=/nonexistent dbname=x port=' 5432'"] {
            let error = #expect(throws: DatabaseError.self) { try PostgresConnection(url: url) }
            #expect(error?.message.contains("invalid PostgreSQL URL") == false, "\(url): \(String(describing: error))")
        }
    }

    @Test("A URL is trimmed and its scheme read in any case", .enabled(if: Backend.postgresURL != nil))
    func spelledLoosely() throws {
        let url = try #require(Backend.postgresURL)
        let upper = "POSTGRESQL" + url.drop { $0 != ":" }
        #expect(try PostgresConnection(url: "  \(upper)\n").query("SELECT 1").count == 1)
    }
}
