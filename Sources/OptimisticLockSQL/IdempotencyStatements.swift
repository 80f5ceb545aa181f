/// The SQL of idempotency keys: the table `migrate` creates, and the statements that find, store and
/// expire a key's response, per dialect.
///
/// One row per key: the request's fingerprint, the response (bytes), and when it was stored and
/// expires (microseconds since 1970).
public struct IdempotencyStatements: Sendable {
    /// The table's name.
    public static let table = "optimistic_lock_idempotency"

    /// The dialect the statements are spelled in.
    public let dialect: SQLDialect

    /// The statements for a dialect.
    public init(_ dialect: SQLDialect) {
        self.dialect = dialect
    }

    private var table: String { dialect.quote(Self.table) }

    /// Creates the table and its expiry index when missing.
    public var createTable: String {
        let bytes =
            switch dialect {
            case .sqlite: "BLOB"
            case .postgres: "BYTEA"
            }
        let integer =
            switch dialect {
            case .sqlite: "INTEGER"
            case .postgres: "BIGINT"
            }
        return """
            CREATE TABLE IF NOT EXISTS \(table) (\
            "key" TEXT NOT NULL PRIMARY KEY, "fingerprint" TEXT NOT NULL, "response" \(bytes) NOT NULL, \
            "created_at" \(integer) NOT NULL, "expires_at" \(integer) NOT NULL);
            CREATE INDEX IF NOT EXISTS \(dialect.quote(Self.table + "_expires_at")) ON \(table) ("expires_at")
            """
    }

    /// Locks the key for the rest of the transaction when no other transaction holds it, and says
    /// whether it did (PostgreSQL: a transaction-level advisory lock, so a request whose first
    /// attempt still runs is told at once instead of waiting). nil for SQLite, whose writers take
    /// turns on the whole database anyway. Parameter: the key.
    public var tryLock: String? {
        switch dialect {
        case .sqlite: nil
        case .postgres: #"SELECT pg_try_advisory_xact_lock(1869639024, hashtext($1)) AS "locked""#
        }
    }

    /// The stored row of a key: fingerprint, response, expiry. Parameter: the key.
    public var find: String {
        #"SELECT "fingerprint", "response", "expires_at" FROM \#(table) WHERE "key" = \#(dialect.placeholder(1))"#
    }

    /// Stores a key's response. Parameters: key, fingerprint, response, created, expires.
    public var insert: String {
        let values = (1...5).map(dialect.placeholder).joined(separator: ", ")
        return #"INSERT INTO \#(table) ("key", "fingerprint", "response", "created_at", "expires_at") VALUES (\#(values))"#
    }

    /// Deletes one key. Parameter: the key.
    public var delete: String {
        #"DELETE FROM \#(table) WHERE "key" = \#(dialect.placeholder(1))"#
    }

    /// Deletes up to 1,000 keys that expired. Parameter: now.
    public var deleteExpired: String {
        """
        DELETE FROM \(table) WHERE "key" IN \
        (SELECT "key" FROM \(table) WHERE "expires_at" <= \(dialect.placeholder(1)) LIMIT 1000)
        """
    }
}
