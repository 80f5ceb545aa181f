/// The SQL dialect a connection speaks and the generator writes: the one place where identifiers
/// are quoted and parameters are spelled, shared by the schema compiler and the runtime.
public enum SQLDialect: String, Sendable, Hashable, CaseIterable {
    /// SQLite 3.35 or later: `?` parameters.
    case sqlite
    /// PostgreSQL 12 or later: `$1, $2, ...` parameters.
    case postgres

    /// A double-quoted identifier with embedded quotes doubled, so no name can change a statement's meaning.
    public func quote(_ identifier: String) -> String {
        // Nearly every name holds no quote: then it is only wrapped.
        guard identifier.utf8.contains(UInt8(ascii: "\"")) else { return "\"" + identifier + "\"" }
        var out = "\""
        out.reserveCapacity(identifier.utf8.count + 2)
        for scalar in identifier.unicodeScalars {
            out.unicodeScalars.append(scalar)
            if scalar == "\"" { out.unicodeScalars.append("\"") }
        }
        out.unicodeScalars.append("\"")
        return out
    }

    /// The placeholder of the n-th (1-based) parameter.
    public func placeholder(_ n: Int) -> String {
        switch self {
        case .sqlite: "?"
        case .postgres: "$\(n)"
        }
    }

    /// The value spelled for this dialect. Every dialect's spelling is named at the call, so a new
    /// dialect fails to compile at every place that spells something per dialect until it is
    /// spelled there too — never silently running another dialect's SQL.
    @inlinable
    public func choose<Value>(sqlite: @autoclosure () -> Value, postgres: @autoclosure () -> Value) -> Value {
        switch self {
        case .sqlite: sqlite()
        case .postgres: postgres()
        }
    }
}
