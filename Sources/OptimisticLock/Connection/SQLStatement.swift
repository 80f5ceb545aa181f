@_exported import OptimisticLockSQL

/// One statement spelled in every dialect. A connection prepares it once and finds the prepared
/// statement again by its identity, without hashing the SQL: the address of the literals for
/// static strings (what generated code writes), the address of the shared storage for strings the
/// runtime spelled (`spelled(sqlite:postgres:)`, kept in a `static let`).
public struct SQLStatement: Sendable {
    /// Where the spellings are.
    @usableFromInline
    enum Storage: Sendable {
        /// Static strings: found again by their address.
        case literal(sqlite: StaticString, postgres: StaticString)
        /// Runtime strings in a shared box: found again by the box's address.
        case spelled(SpelledSQL)
    }

    @usableFromInline
    let storage: Storage

    /// Creates a statement from its static spellings.
    @inlinable
    public init(sqlite: StaticString, postgres: StaticString) {
        storage = .literal(sqlite: sqlite, postgres: postgres)
    }

    /// A statement from spellings made at run time (`TableDescription.sql(_:_:)`). Copies of the
    /// value share one identity, so a connection prepares it once; keep it (a `static let`) rather
    /// than making it anew for every use, which would prepare it anew each time. (A factory, not an
    /// initializer: `SQLStatement(sqlite: "…", postgres: "…")` with literals must stay static.)
    public static func spelled(sqlite: String, postgres: String) -> SQLStatement {
        SQLStatement(storage: .spelled(SpelledSQL(sqlite: sqlite, postgres: postgres)))
    }

    private init(storage: Storage) {
        self.storage = storage
    }

    /// The SQLite spelling.
    public var sqlite: String {
        switch storage {
        case .literal(let sqlite, _): sqlite.description
        case .spelled(let box): box.sqlite
        }
    }

    /// The PostgreSQL spelling.
    public var postgres: String {
        switch storage {
        case .literal(_, let postgres): postgres.description
        case .spelled(let box): box.postgres
        }
    }

    /// The spelling for a dialect.
    public func text(for dialect: SQLDialect) -> String {
        dialect.choose(sqlite: sqlite, postgres: postgres)
    }
}

/// The spellings of a statement made at run time, shared by every copy of its `SQLStatement`: its
/// address is the statement's identity in a connection's cache, which keeps it alive while the
/// statement is cached, so no other statement can ever take that address.
@usableFromInline
final class SpelledSQL: Sendable {
    let sqlite: String
    let postgres: String

    init(sqlite: String, postgres: String) {
        self.sqlite = sqlite
        self.postgres = postgres
    }
}
