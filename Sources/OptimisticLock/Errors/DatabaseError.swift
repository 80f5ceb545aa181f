/// A failure reported by the database, or a value that cannot be stored or read: the backend's codes,
/// its message, and the SQL that failed. Never a crash.
public struct DatabaseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which constraint a write violated.
    public enum Constraint: Sendable, Hashable {
        /// A `UNIQUE` column or constraint.
        case unique
        /// The primary key (a duplicate key).
        case primaryKey
        /// A `REFERENCES` clause: the referenced row is missing, or still referenced.
        case foreignKey
        /// A `NOT NULL` column.
        case notNull
        /// A `CHECK` constraint.
        case check
        /// Another constraint.
        case other
    }

    /// What kind of failure it is, so callers need not parse messages.
    public enum Kind: Sendable, Hashable {
        /// A constraint was violated; nothing was written.
        case constraint(Constraint)
        /// The database (SQLite) or a row (PostgreSQL's lock timeout, 55P03) stayed locked by another
        /// connection past the timeout. Nothing was written; retrying is safe.
        case busy
        /// PostgreSQL could not serialize the transaction (SQLSTATE 40001); it was rolled back and may be retried.
        case serializationFailure
        /// PostgreSQL broke a deadlock by failing this transaction (SQLSTATE 40P01); it was rolled back
        /// and may be retried.
        case deadlock
        /// The file cannot be opened (missing directory, no permission).
        case cannotOpen
        /// The database is read-only.
        case readOnly
        /// The file is not a database, or it is corrupt.
        case corrupt
        /// The connection to the server failed or was lost. A write whose request failed this way may
        /// or may not have committed; it is never retried on its own. A request to a closed pool
        /// fails with this kind too ("is closed"): that request was refused before it ran.
        case connection
        /// The statement was interrupted: the task that asked for it was cancelled (`sqlite3_interrupt`,
        /// PostgreSQL 57014 at the client's request). The transaction was rolled back.
        case interrupted
        /// A time limit passed: a pool's acquire timeout, or PostgreSQL's `statement_timeout`. A
        /// PostgreSQL statement cancelled by anyone but the pool (an operator's
        /// `pg_cancel_backend`) is reported as this too: the server says the same (57014) in
        /// either case, in its own language.
        case timeout
        /// The database differs from the schema in a way `migrate` does not change on its own; the
        /// message lists every difference and the SQL to review. Nothing was changed.
        case schemaMismatch
        /// A value cannot be stored: NaN on SQLite, a non-finite or out-of-range date, text with NUL on
        /// PostgreSQL, a value too big, a value the server refuses (PostgreSQL's SQLSTATE class 22).
        /// Nothing was written.
        case invalidValue
        /// A stored value does not fit the field it is read into (storage class, range, fraction, NULL,
        /// invalid UTF-8, column type): the database holds what the schema does not allow.
        case invalidStoredValue
        /// The API was used in a way that cannot work: a wrong number of arguments for a statement's
        /// parameters, SQL that is not one statement, a transaction the database already ended.
        case misuse
        /// Anything else; see `code` and `message`.
        case other
    }

    /// The kind of failure.
    public let kind: Kind
    /// The backend's primary result code (SQLite), or 0.
    public let code: Int32
    /// The backend's extended result code (SQLite), or 0.
    public let extendedCode: Int32
    /// The SQLSTATE (PostgreSQL), or nil.
    public let sqlState: String?
    /// The backend's message.
    public let message: String
    /// The SQL that failed, when there was one.
    public let sql: String?

    /// Creates an error.
    public init(
        kind: Kind, code: Int32 = 0, extendedCode: Int32 = 0, sqlState: String? = nil, message: String,
        sql: String? = nil
    ) {
        self.kind = kind
        self.code = code
        self.extendedCode = extendedCode
        self.sqlState = sqlState
        self.message = message
        self.sql = sql
    }

    /// The same error with `prefix` before its message, e.g. "cannot open database at x.sqlite: ".
    package func prefixingMessage(_ prefix: String) -> DatabaseError {
        DatabaseError(
            kind: kind, code: code, extendedCode: extendedCode, sqlState: sqlState,
            message: prefix + message, sql: sql)
    }

    /// A value that cannot be stored (see `Kind.invalidValue`).
    public static func invalidValue(_ message: String, sql: String?) -> DatabaseError {
        DatabaseError(kind: .invalidValue, message: message, sql: sql)
    }

    /// A stored value that does not fit its field (see `Kind.invalidStoredValue`).
    public static func invalidStoredValue(_ message: String, sql: String?) -> DatabaseError {
        DatabaseError(kind: .invalidStoredValue, message: message, sql: sql)
    }

    /// A call that cannot work (see `Kind.misuse`).
    public static func misuse(_ message: String, sql: String?) -> DatabaseError {
        DatabaseError(kind: .misuse, message: message, sql: sql)
    }

    /// A value read from the database that does not fit its field, with where it came from: the message
    /// names the table, the column and the row's key, e.g. `column "likes" of "comment" 7: ...`.
    public func reading(table: String, primaryKey: String?) -> DatabaseError {
        guard kind == .invalidStoredValue else { return self }
        let row = primaryKey.map { "\"\(table)\" \($0)" } ?? "\"\(table)\""
        return prefixingMessage("in \(row): ")
    }

    /// True for any constraint violation.
    public var isConstraintViolation: Bool {
        if case .constraint = kind { return true }
        return false
    }

    /// True for a duplicate unique value or primary key.
    public var isUniqueViolation: Bool {
        kind == .constraint(.unique) || kind == .constraint(.primaryKey)
    }

    /// True for a foreign-key violation.
    public var isForeignKeyViolation: Bool { kind == .constraint(.foreignKey) }

    /// True when the database was busy (locked) past the busy timeout.
    public var isBusy: Bool { kind == .busy }

    /// True for failures that are transient by nature and leave nothing written, so the whole
    /// transaction may simply be run again: busy or locked (SQLite), lock timeout (55P03),
    /// serialization failure (40001) and deadlock (40P01). `retryOnConflict` retries these.
    /// Connection failures are not among them: a write may have committed before the connection broke.
    public var isRetryable: Bool {
        kind == .busy || kind == .serializationFailure || kind == .deadlock
    }

    /// The message, the codes and the SQL, on one line.
    public var description: String {
        var out = message
        if code != 0 { out += " (SQLite code \(code), extended \(extendedCode))" }
        if let sqlState { out += " (SQLSTATE \(sqlState))" }
        if let sql { out += " in: \(sql)" }
        return out
    }
}
