/// The SQL dialect a connection speaks. Generated code carries its statements in every dialect
/// and the connection picks its own.
public enum SQLDialect: String, Sendable, Hashable, CaseIterable {
    /// SQLite: `?` parameters.
    case sqlite
    /// PostgreSQL: `$1, $2, ...` parameters.
    case postgres

    /// A double-quoted identifier with embedded quotes doubled, so no name can change a statement's meaning.
    public func quote(_ identifier: String) -> String {
        var out = "\""
        for character in identifier {
            out.append(character)
            if character == "\"" { out.append("\"") }
        }
        return out + "\""
    }

    /// The placeholder of the n-th (1-based) parameter.
    public func placeholder(_ n: Int) -> String {
        self == .sqlite ? "?" : "$\(n)"
    }

    /// `UPDATE table SET c1 = ?, ..., version = version + 1 WHERE key = ? AND version = ?`: the statement of
    /// `update(_:columns:)`. Parameters: the columns in order, then the key, then the expected version.
    /// With `version` nil (an `@unversioned` model) there is neither the bump nor the check.
    public func partialUpdate(table: String, columns: [String], key: String, version: String?) -> String {
        var assignments: [String] = []
        for (offset, column) in columns.enumerated() {
            assignments.append("\(quote(column)) = \(placeholder(offset + 1))")
        }
        if let version {
            assignments.append("\(quote(version)) = \(quote(version)) + 1")
        }
        var sql = "UPDATE \(quote(table)) SET \(assignments.joined(separator: ", "))"
        sql += " WHERE \(quote(key)) = \(placeholder(columns.count + 1))"
        if let version {
            sql += " AND \(quote(version)) = \(placeholder(columns.count + 2))"
        }
        return sql
    }
}

/// One statement spelled in every dialect, as static strings: generated code keeps its SQL in these,
/// and a connection prepares each one once and finds it again by the string's address.
public struct SQLStatement: Sendable {
    /// The SQLite spelling.
    public let sqlite: StaticString
    /// The PostgreSQL spelling.
    public let postgres: StaticString

    /// Creates a statement from its spellings.
    public init(sqlite: StaticString, postgres: StaticString) {
        self.sqlite = sqlite
        self.postgres = postgres
    }

    /// The spelling for a dialect.
    @inlinable
    public func text(for dialect: SQLDialect) -> StaticString {
        dialect == .sqlite ? sqlite : postgres
    }
}
