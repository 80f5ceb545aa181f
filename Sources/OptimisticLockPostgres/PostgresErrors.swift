import CLibPQ
import OptimisticLock

extension DatabaseError {
    /// The error of a failed result: SQLSTATE, the server's message, and the SQL.
    /// `cancelled`: a pool's cancel request was sent for the running job.
    static func postgres(_ result: OpaquePointer?, connection: OpaquePointer, sql: String?, cancelled: Bool = false)
        -> DatabaseError
    {
        func field(_ code: UInt8) -> String? {
            guard let result, let value = PQresultErrorField(result, Int32(code)) else { return nil }
            return String(cString: value)
        }
        let sqlState = field(UInt8(ascii: "C"))
        var message =
            field(UInt8(ascii: "M"))
            ?? String(cString: PQerrorMessage(connection)).trimmingTrailingNewlines()
        if let detail = field(UInt8(ascii: "D")) { message += " (\(detail))" }
        let constraint = field(UInt8(ascii: "n"))
        var kind = Self.kind(sqlState: sqlState, constraint: constraint)
        // query_canceled: by statement_timeout, or by a cancel request — which only a pool sends,
        // when its task is cancelled (`PostgresStatement` then says `.interrupted`). The message is
        // in the server's language, so it cannot tell them apart.
        if sqlState == "57014" { kind = cancelled ? .interrupted : .timeout }
        if PQstatus(connection) == CONNECTION_BAD { kind = .connection }
        if message.isEmpty { message = "the server did not answer" }
        return DatabaseError(
            kind: kind, sqlState: sqlState, message: message, sql: sql, table: field(UInt8(ascii: "t")),
            column: field(UInt8(ascii: "c")), constraintName: constraint)
    }

    /// Classifies a SQLSTATE.
    static func kind(sqlState: String?, constraint: String?) -> Kind {
        guard let sqlState else { return .connection }
        switch sqlState {
        case "23505": return constraint?.hasSuffix("_pkey") == true ? .constraint(.primaryKey) : .constraint(.unique)
        case "23503": return .constraint(.foreignKey)
        case "23502": return .constraint(.notNull)
        case "23514": return .constraint(.check)
        case "40001": return .serializationFailure
        case "40P01": return .deadlock
        case "55P03": return .busy
        case "28000", "28P01", "3D000": return .connection
        default:
            if sqlState.hasPrefix("23") { return .constraint(.other) }
            if sqlState.hasPrefix("08") || sqlState.hasPrefix("57P") { return .connection }
            if sqlState.hasPrefix("22") { return .invalidValue }
            if sqlState == "25006" { return .readOnly }
            if sqlState.hasPrefix("XX") { return .corrupt }
            return .other
        }
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while let last = text.last, last.isNewline || last == " " { text.removeLast() }
        return text
    }
}
