import Testing

@testable import OptimisticLockPostgres

/// The parameter count read from a statement's text, as PostgreSQL's lexer would read it.
@Suite("PostgreSQL parameter count")
struct PostgresParametersTests {
    @Test(
        "The highest $n outside literals, quoted identifiers, comments, dollar quotes and identifiers",
        arguments: [
            ("SELECT 1", 0), ("SELECT $1", 1), ("INSERT INTO t VALUES ($1, $2, $10)", 10),
            ("SELECT '$2', $1", 1), ("SELECT 'it''s $3', $1", 1), (#"SELECT E'it\'s $3', $1"#, 1),
            (#"SELECT "col$4", $2"#, 2), (#"SELECT "a""$5", $1"#, 1), ("SELECT a$1 FROM t", 0),
            ("-- $9\nSELECT $1", 1), ("/* $4 /* $5 */ $6 */ SELECT $2", 2), ("SELECT $$ $3 $$, $1", 1),
            ("SELECT $tag$ $5 $tag$ || $2", 2), ("SELECT $tag$ $x$ $7 $tag$, $1", 1), ("SELECT $", 0),
            ("SELECT 'unterminated $3", 0), ("SELECT $1::int8, $1", 1),
        ])
    func count(sql: String, expected: Int) {
        #expect(PostgresParameters.count(in: sql) == expected, "\(sql)")
    }
}
