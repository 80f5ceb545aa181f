import CSQLite

extension DatabaseError {
    /// The error for a result code of connection `db` (its message is read from the connection).
    static func sqlite(_ code: Int32, db: OpaquePointer?, sql: String?) -> DatabaseError {
        let extended = db.map { sqlite3_extended_errcode($0) } ?? code
        let message =
            db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(code))
        let kind = kind(primary: code & 0xFF, extended: extended)
        var table: String?
        var column: String?
        var constraint: String?
        // "NOT NULL constraint failed: post.title", "UNIQUE constraint failed: author.email",
        // "CHECK constraint failed: body_short": names from the schema, never values.
        let marker = "constraint failed: "
        if kind.constraint != nil, let start = message.firstRange(of: marker) {
            let subject = message[start.upperBound...]
            if kind == .constraint(.check) {
                constraint = String(subject)
            } else if let first = subject.split(separator: ",").first {
                let parts = first.trimmingPrefix(" ").split(separator: ".", maxSplits: 1)
                if parts.count == 2 {
                    table = String(parts[0])
                    column = String(parts[1])
                }
            }
        }
        return DatabaseError(
            kind: kind, code: code & 0xFF, extendedCode: extended, message: message, sql: sql, table: table,
            column: column, constraintName: constraint)
    }

    /// Classifies SQLite result codes.
    static func kind(primary: Int32, extended: Int32) -> Kind {
        switch primary {
        case SQLITE_CONSTRAINT:
            switch extended {
            case 2067: return .constraint(.unique)  // SQLITE_CONSTRAINT_UNIQUE
            case 1555: return .constraint(.primaryKey)  // SQLITE_CONSTRAINT_PRIMARYKEY
            case 787: return .constraint(.foreignKey)  // SQLITE_CONSTRAINT_FOREIGNKEY
            case 1299: return .constraint(.notNull)  // SQLITE_CONSTRAINT_NOTNULL
            case 275: return .constraint(.check)  // SQLITE_CONSTRAINT_CHECK
            default: return .constraint(.other)
            }
        case SQLITE_BUSY, SQLITE_LOCKED: return .busy
        case SQLITE_CANTOPEN: return .cannotOpen
        case SQLITE_READONLY: return .readOnly
        case SQLITE_CORRUPT, SQLITE_NOTADB: return .corrupt
        case SQLITE_TOOBIG, SQLITE_MISMATCH, SQLITE_RANGE: return .invalidValue
        case SQLITE_INTERRUPT: return .interrupted
        default: return .other
        }
    }
}
