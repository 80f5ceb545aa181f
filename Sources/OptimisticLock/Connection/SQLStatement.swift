@_exported import OptimisticLockSQL

/// One statement spelled in every dialect, as static strings: generated code keeps its SQL in these,
/// and a connection prepares each one once and finds it again by the string's address.
public struct SQLStatement: Sendable {
    /// The SQLite spelling.
    public let sqlite: StaticString
    /// The PostgreSQL spelling.
    public let postgres: StaticString

    /// Creates a statement from its spellings.
    @inlinable
    public init(sqlite: StaticString, postgres: StaticString) {
        self.sqlite = sqlite
        self.postgres = postgres
    }

    /// The spelling for a dialect.
    @inlinable
    public func text(for dialect: SQLDialect) -> StaticString {
        dialect.choose(sqlite: sqlite, postgres: postgres)
    }
}
