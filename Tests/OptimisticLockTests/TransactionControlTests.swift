import Foundation
import OptimisticLock
import OptimisticLockSQL
import TestModels
import Testing

@testable import OptimisticLockPostgres

/// A `transaction { }` (and a pool's `write`) belongs to its closure: SQL inside that would end it
/// is refused before it runs, however it is spelled, and legitimate SQL that merely mentions the
/// words runs. What gets past anyway is reported truthfully.
@Suite("Transaction control")
struct TransactionControlTests {
    @Test("Which SQL ends a transaction, by PostgreSQL's lexical rules")
    func lexer() {
        let ending = [
            "COMMIT", "commit work", "END", "END WORK", "ABORT", "  /* x */ ROLLBACK", "-- c\nrollback transaction",
            "commit and chain", "rollback and chain", "PREPARE TRANSACTION 'x'", "SELECT 1; COMMIT",
            // Spellings that hid a COMMIT from the first refusal.
            "SELECT 1 /* don't */; COMMIT; SELECT 1 /* don't */", "SELECT $$'$$; COMMIT; SELECT $$'$$",
            "SELECT 1; /* ' */ COMMIT; SELECT '*/'", "SELECT E'\\''; COMMIT; SELECT E'\\''", "/* /* nested */ */ COMMIT",
            "SELECT $tag$ ; $x$ $tag$; END",
        ]
        for sql in ending { #expect(SQLScript.endsTransaction(sql), "\(sql.debugDescription)") }
        let notEnding = [
            "SELECT $$;commit$$", "SELECT 1 /* ; COMMIT */", "SELECT 'COMMIT'", #"SELECT 1 AS "end""#, "ROLLBACK TO SAVEPOINT s",
            "rollback work to s", "ROLLBACK TRANSACTION TO SAVEPOINT s", "/* /* nested */ COMMIT */ SELECT 1",
            "SELECT E'\\''; SELECT 1", "DO $$ BEGIN PERFORM 1; END $$",
            "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$",
            "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END",
            "SELECT $1::text; SELECT 2", "PREPARE q AS SELECT 1", "UPDATE t SET \"commit\" = 1",
        ]
        for sql in notEnding { #expect(!SQLScript.endsTransaction(sql), "\(sql.debugDescription)") }
    }

    /// Ways to end a transaction from inside one, per backend.
    static func enders(_ backend: Backend) -> [String] {
        var enders = [
            "COMMIT", "END", "rollback transaction", "SELECT 1 /* don't */; COMMIT; SELECT 1 /* don't */",
            "SELECT 1; /* ' */ COMMIT; SELECT '*/'",
        ]
        if backend == .postgres {
            enders += [
                "SELECT $$'$$; COMMIT; SELECT $$'$$", "SELECT E'\\''; COMMIT; SELECT E'\\''", "/* /* nested */ */ COMMIT",
                "SELECT $$'$$; ROLLBACK AND CHAIN; SELECT $$'$$", "commit and chain", "ABORT",
            ]
        } else {
            enders += ["END TRANSACTION", "commit transaction"]
        }
        return enders
    }

    @Test(
        "SQL that would end the transaction is refused in scripts, prepared statements and static SQL",
        arguments: Backend.available)
    func refused(backend: Backend) async throws {
        let database = TestDatabase(backend)
        _ = try database.connectWithSchema()
        let pool = AnyPool(database, sqlite: .init(readers: 1), postgres: .init(connections: 1))
        for sql in Self.enders(backend) {
            let error = await #expect(throws: DatabaseError.self, "\(sql.debugDescription)") {
                try await pool.write { db in
                    var before = Author(name: "before")
                    try before.insert(db)
                    try db.executeScript(sql)
                    var after = Author(name: "after")
                    try after.insert(db)
                }
            }
            #expect(error?.kind == .misuse, "\(sql.debugDescription): \(String(describing: error))")
        }
        // Prepared outside a transaction, run inside one.
        let db = try database.connect()
        let commit = try db.prepare("COMMIT")
        let prepared = #expect(throws: DatabaseError.self) {
            try db.transaction {
                var before = Author(name: "before a prepared COMMIT")
                try before.insert(db)
                try commit.execute()
            }
        }
        #expect(prepared?.kind == .misuse, "\(String(describing: prepared))")
        // Static SQL (a caller's `SQLStatement`) too.
        let staticCommit = SQLStatement(sqlite: "COMMIT", postgres: "COMMIT")
        let fromStatic = #expect(throws: DatabaseError.self) {
            try db.transaction {
                var before = Author(name: "before a static COMMIT")
                try before.insert(db)
                try db.prepare(staticCommit).execute()
            }
        }
        #expect(fromStatic?.kind == .misuse, "\(String(describing: fromStatic))")
        #expect(try Author.count(db) == 0, "a body ended its transaction and kept something")
        // Outside a transaction the same statement runs (a warning on PostgreSQL, an error on SQLite).
        _ = try? commit.execute()
        await pool.close()
    }

    @Test("SQL that only mentions the words runs inside a transaction", arguments: Backend.available)
    func legitimate(backend: Backend) async throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var scripts = ["SELECT 'COMMIT'", #"SELECT 1 AS "end""#, "SAVEPOINT s; ROLLBACK TO SAVEPOINT s; RELEASE SAVEPOINT s"]
        if backend == .postgres {
            scripts += [
                "SELECT $$;commit$$", "SELECT 1 /* ; COMMIT */", "DO $$ BEGIN PERFORM 1; END $$",
                "CREATE FUNCTION one() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$",
                "CREATE FUNCTION two() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 2 END; END",
            ]
        } else {
            scripts += [
                """
                CREATE TRIGGER name_kept AFTER UPDATE ON \(Author.tableName)
                BEGIN UPDATE \(Author.tableName) SET name = name WHERE 0; END
                """,
                "SELECT 1 /* ; COMMIT */",
            ]
        }
        for sql in scripts {
            try db.transaction { try db.executeScript(sql) }
        }
        if backend == .postgres { #expect(try db.query("SELECT one() + two() AS x").first?[0] == .integer(3)) }
    }

    @Test("SQL that ended the transaction anyway makes it fail saying what was kept")
    func truthfulWhenEnded() throws {
        guard Backend.postgresURL != nil else { return }
        let database = TestDatabase(.postgres)
        let db = try #require(try database.connectWithSchema() as? PostgresConnection)
        // The refusal is bypassed on purpose (the package-level runner takes any SQL): the server's
        // answer is what the connection goes by.
        let committed = #expect(throws: DatabaseError.self) {
            try db.transaction {
                var before = Author(name: "committed by the closure's SQL")
                try before.insert(db)
                try db.run("COMMIT AND CHAIN", effect: .statement)
                var after = Author(name: "after it")
                try after.insert(db)
            }
        }
        #expect(committed?.kind == .partiallyCommitted, "\(String(describing: committed))")
        #expect(try Author.fetchAll(db).map(\.name) == ["committed by the closure's SQL"])
        let rolledBack = #expect(throws: DatabaseError.self) {
            try db.transaction {
                var before = Author(name: "rolled back by the closure's SQL")
                try before.insert(db)
                try db.run("ROLLBACK", effect: .statement)
                var after = Author(name: "never run")
                try after.insert(db)
            }
        }
        #expect(rolledBack?.kind == .misuse, "\(String(describing: rolledBack))")
        #expect(try Author.count(db) == 1)
        // The connection is usable again.
        try db.transaction {
            var next = Author(name: "next")
            try next.insert(db)
        }
        #expect(try Author.count(db) == 2)
    }
}
