import OptimisticLock

/// An error as spans and logs show it when its message is withheld.
struct ReportedError: Error, CustomStringConvertible {
    let description: String
}

extension Telemetry {
    /// Kinds whose messages the runtime or SQLite writes, never quoting a row: reported as they
    /// are unless the message came from a PostgreSQL server. A server's message can carry stored
    /// values whatever its SQLSTATE — PostgreSQL's DETAIL is "Failing row contains (...)" or
    /// "Key (email)=(...) already exists", and a trigger can raise any text under any code
    /// (40001 to force a retry) — so errors with a SQLSTATE, and the kinds that describe values
    /// (constraints, values refused or unreadable, `.other`), are reported by kind, codes and names.
    static let kindsWithoutData: Set<DatabaseError.Kind> = [
        .busy, .serializationFailure, .deadlock, .cannotOpen, .readOnly, .corrupt, .connection, .outcomeUnknown,
        .partiallyCommitted, .interrupted, .timeout, .schemaMismatch, .misuse,
    ]

    /// What spans and logs say of `error`: the error itself when `reportsErrorMessages`; else a
    /// `ConcurrentUpdate` as it is (table, key, versions), a `DatabaseError` from a PostgreSQL
    /// server or of a kind that can quote stored values by its kind, codes, table, column and
    /// constraint, any other error by its type.
    func describe(_ error: any Error) -> String {
        if reportsErrorMessages || error is ConcurrentUpdate { return "\(error)" }
        guard let failure = error as? DatabaseError else { return String(describing: type(of: error)) }
        if failure.sqlState == nil && Self.kindsWithoutData.contains(failure.kind) { return "\(failure)" }
        var text = "DatabaseError.\(failure.kind)"
        if let state = failure.sqlState { text += " (SQLSTATE \(state))" }
        if failure.code != 0 { text += " (SQLite code \(failure.code), extended \(failure.extendedCode))" }
        if let table = failure.table { text += " table \(table)" }
        if let column = failure.column { text += " column \(column)" }
        if let constraint = failure.constraintName { text += " constraint \(constraint)" }
        return text + " (message withheld: it can quote stored values)"
    }

    /// `error` as a span records it.
    func reported(_ error: any Error) -> any Error {
        reportsErrorMessages ? error : ReportedError(description: describe(error))
    }
}
