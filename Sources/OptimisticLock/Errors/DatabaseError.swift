/// A failure reported by the database, or a value that cannot be stored or read: the backend's codes,
/// its message, and the SQL that failed. Never a crash.
public struct DatabaseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which constraint a write violated.
    public enum Constraint: String, Sendable, Hashable, CaseIterable {
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

        /// The name, e.g. `unique`.
        public var name: String { rawValue }
    }

    /// What kind of failure it is, so callers need not parse messages. Kinds are values, not enum
    /// cases, so that a release can add one without breaking anyone's `switch`: compare them
    /// (`error.kind == .busy`) or match them (`case .busy:`), with a `default:`.
    ///
    /// Every kind says what happened to the work: nothing of it ran or was kept (most kinds), it
    /// was rolled back (a failure inside a transaction), or — only `.outcomeUnknown` and
    /// `.partiallyCommitted` — some or all of it may be committed.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        /// The kind's stable name, e.g. `busy` or `constraint.unique`.
        public let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// The name.
        public var description: String { name }

        /// A constraint was violated; nothing was written.
        public static func constraint(_ constraint: Constraint) -> Kind {
            Kind("constraint." + constraint.name)
        }

        /// The violated constraint, for a `.constraint(_:)` kind.
        public var constraint: Constraint? {
            guard name.hasPrefix("constraint.") else { return nil }
            return Constraint.allCases.first { "constraint." + $0.name == name }
        }

        /// The database (SQLite) or a row (PostgreSQL's lock timeout, 55P03) stayed locked by another
        /// connection past the timeout. Nothing was written; retrying is safe.
        public static let busy = Kind("busy")
        /// PostgreSQL could not serialize the transaction (SQLSTATE 40001); it was rolled back and may be retried.
        public static let serializationFailure = Kind("serializationFailure")
        /// PostgreSQL broke a deadlock by failing this transaction (SQLSTATE 40P01); it was rolled back
        /// and may be retried.
        public static let deadlock = Kind("deadlock")
        /// The file cannot be opened (missing directory, no permission).
        public static let cannotOpen = Kind("cannotOpen")
        /// The database is read-only (PostgreSQL: 25006, a server that is a standby now).
        public static let readOnly = Kind("readOnly")
        /// The file is not a database, or it is corrupt.
        public static let corrupt = Kind("corrupt")
        /// The connection to the server failed or was lost, and nothing of the work was committed:
        /// nothing was sent (a refused connect, a connection lost earlier), or what was sent was
        /// inside a transaction, which the server rolls back when the connection goes. A request to
        /// a closed pool fails with this kind too ("is closed"): it was refused before it ran.
        /// Trying again (elsewhere, later) is safe.
        public static let connection = Kind("connection")
        /// A `COMMIT`, or a statement outside a transaction that may write, was sent and no answer
        /// came: the connection was lost, or the server stopped answering within the request's
        /// timeout. The work may or may not be committed. Never retried on its own and never
        /// "busy": read what the database holds before doing it again, or repeat it under the same
        /// idempotency key (`DatabaseConnection.idempotent`), which makes a second run impossible.
        /// (CockroachDB's SQLSTATE 40003, "statement completion unknown", is the precedent.)
        public static let outcomeUnknown = Kind("outcomeUnknown")
        /// A `writeWithoutTransaction` body stopped (its task was cancelled, its time ran out, its
        /// connection was lost) after some of its statements had committed on their own: those are
        /// kept; the one that was stopped and those after it did not run or were rolled back.
        public static let partiallyCommitted = Kind("partiallyCommitted")
        /// The statement was interrupted: the task that asked for it was cancelled (`sqlite3_interrupt`,
        /// PostgreSQL 57014 at the client's request). The transaction was rolled back.
        public static let interrupted = Kind("interrupted")
        /// A time limit passed, and nothing of the work was kept: a pool's acquire timeout, its
        /// request timeout (the transaction was rolled back, or the statement had not been sent),
        /// or PostgreSQL's `statement_timeout`. A PostgreSQL statement cancelled by anyone but the
        /// pool (an operator's `pg_cancel_backend`) is reported as this too: the server says the
        /// same (57014) in either case, in its own language.
        public static let timeout = Kind("timeout")
        /// The database differs from the schema in a way `migrate` does not change on its own; the
        /// message lists every difference and the SQL to review. Nothing was changed.
        public static let schemaMismatch = Kind("schemaMismatch")
        /// A value cannot be stored: NaN on SQLite, a non-finite or out-of-range date, text with NUL on
        /// PostgreSQL, a value too big, a value the server refuses (PostgreSQL's SQLSTATE class 22).
        /// Nothing was written.
        public static let invalidValue = Kind("invalidValue")
        /// A stored value does not fit the field it is read into (storage class, range, fraction, NULL,
        /// invalid UTF-8, column type): the database holds what the schema does not allow.
        public static let invalidStoredValue = Kind("invalidStoredValue")
        /// The API was used in a way that cannot work: a wrong number of arguments for a statement's
        /// parameters, SQL that is not one statement, a transaction the database already ended, a
        /// `COMMIT` or `ROLLBACK` inside a `transaction { }` (refused before it runs).
        public static let misuse = Kind("misuse")
        /// Anything else; see `code` and `message`.
        public static let other = Kind("other")
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
    /// The table the failure concerns, when the database said (a constraint's table).
    public let table: String?
    /// The column the failure concerns: a `NOT NULL` column the database named, or the column of a
    /// stored value that does not fit its field.
    public let column: String?
    /// The primary key of the row a stored value that does not fit was read from, as text, when
    /// it is known (a record's `find`, `reload` or conflict report).
    public let primaryKey: String?
    /// The violated constraint's name, when the database said.
    public let constraintName: String?

    /// Creates an error.
    public init(
        kind: Kind, code: Int32 = 0, extendedCode: Int32 = 0, sqlState: String? = nil, message: String,
        sql: String? = nil, table: String? = nil, column: String? = nil, constraintName: String? = nil,
        primaryKey: String? = nil
    ) {
        self.kind = kind
        self.code = code
        self.extendedCode = extendedCode
        self.sqlState = sqlState
        self.message = message
        self.sql = sql
        self.table = table
        self.column = column
        self.constraintName = constraintName
        self.primaryKey = primaryKey
    }

    /// The same error with `prefix` before its message, e.g. "cannot open database at x.sqlite: ".
    package func prefixingMessage(_ prefix: String) -> DatabaseError {
        prefixingMessage(prefix, table: table, primaryKey: primaryKey)
    }

    /// The same error with `prefix` before its message, and `table` and `primaryKey` as given.
    private func prefixingMessage(_ prefix: String, table: String?, primaryKey: String?) -> DatabaseError {
        DatabaseError(
            kind: kind, code: code, extendedCode: extendedCode, sqlState: sqlState,
            message: prefix + message, sql: sql, table: table, column: column, constraintName: constraintName,
            primaryKey: primaryKey)
    }

    /// A value that cannot be stored (see `Kind.invalidValue`).
    public static func invalidValue(_ message: String, sql: String?) -> DatabaseError {
        DatabaseError(kind: .invalidValue, message: message, sql: sql)
    }

    /// A stored value that does not fit its field (see `Kind.invalidStoredValue`), in `column`
    /// when it is known.
    public static func invalidStoredValue(_ message: String, sql: String?, column: String? = nil) -> DatabaseError {
        DatabaseError(kind: .invalidStoredValue, message: message, sql: sql, column: column)
    }

    /// A call that cannot work (see `Kind.misuse`).
    public static func misuse(_ message: String, sql: String?) -> DatabaseError {
        DatabaseError(kind: .misuse, message: message, sql: sql)
    }

    /// A value read from the database that does not fit its field, with where it came from: `table`
    /// and `primaryKey` set, and the message naming them, e.g. `in "comment" 7: column "likes": ...`.
    public func reading(table: String, primaryKey: String?) -> DatabaseError {
        guard kind == .invalidStoredValue else { return self }
        let row = primaryKey.map { "\"\(table)\" \($0)" } ?? "\"\(table)\""
        return prefixingMessage("in \(row): ", table: table, primaryKey: primaryKey)
    }

    /// True for any constraint violation.
    public var isConstraintViolation: Bool {
        kind.constraint != nil
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

    /// True when the work may be committed although the call failed: `.outcomeUnknown` (sent, no
    /// answer) and `.partiallyCommitted` (some statements of a `writeWithoutTransaction` kept).
    /// Every other failure left nothing of the work behind.
    public var mayHaveCommitted: Bool {
        kind == .outcomeUnknown || kind == .partiallyCommitted
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
