import OptimisticLockSQL

/// One statement spelled in every dialect. A connection prepares it once and finds the prepared
/// statement again by its identity, without hashing the SQL: the address of the literals for
/// static strings (what generated code writes), the address of the shared storage for strings the
/// runtime spelled (`spelled(sqlite:postgres:)`, made once for a `static let`).
public struct SQLStatement: Sendable {
    /// Where the spellings are.
    @usableFromInline
    enum Storage: Sendable {
        /// Static strings: found again by their address.
        case literal(sqlite: StaticString, postgres: StaticString)
        /// Runtime strings in a box kept for the rest of the process: found again by its address.
        /// Unmanaged, so that a statement stays plain data: copying one out of a model's
        /// `static let` costs no reference counting on the hot path.
        case spelled(Unmanaged<SpelledSQL>)
    }

    @usableFromInline
    let storage: Storage

    /// Creates a statement from its static spellings.
    @inlinable
    public init(sqlite: StaticString, postgres: StaticString) {
        storage = .literal(sqlite: sqlite, postgres: postgres)
    }

    /// A statement from spellings made at run time (`TableDescription.sql(_:_:)`), for a
    /// `static let`: its storage is kept for the rest of the process, like a literal's, and copies
    /// share its identity, so a connection prepares it once. Never make one per request: each is
    /// kept. (A factory, not an initializer: `SQLStatement(sqlite: "…", postgres: "…")` with
    /// literals must stay static.)
    public static func spelled(sqlite: String, postgres: String) -> SQLStatement {
        SQLStatement(storage: .spelled(.passRetained(SpelledSQL(sqlite: sqlite, postgres: postgres))))
    }

    /// A statement spelled by `spell` in every dialect (see `spelled(sqlite:postgres:)`).
    public static func spelled(_ spell: (SQLDialect) -> String) -> SQLStatement {
        .spelled(sqlite: spell(.sqlite), postgres: spell(.postgres))
    }

    /// Every column of `table`'s rows whose `columns` equal parameters 1, 2, ..., in key order: a
    /// generated finder's statement, kept in a `static let`.
    public static func select(_ table: TableDescription, where columns: [String]) -> SQLStatement {
        .spelled { table.statements($0).select(whereEqual: columns) }
    }

    /// The number of `table`'s rows whose `columns` equal parameters 1, 2, ...: a generated count.
    public static func count(_ table: TableDescription, where columns: [String]) -> SQLStatement {
        .spelled { table.statements($0).count(whereEqual: columns) }
    }

    private init(storage: Storage) {
        self.storage = storage
    }

    /// The SQLite spelling.
    public var sqlite: String {
        switch storage {
        case .literal(let sqlite, _): sqlite.description
        case .spelled(let box): box.takeUnretainedValue().sqlite
        }
    }

    /// The PostgreSQL spelling.
    public var postgres: String {
        switch storage {
        case .literal(_, let postgres): postgres.description
        case .spelled(let box): box.takeUnretainedValue().postgres
        }
    }

    /// The spelling for a dialect.
    public func text(for dialect: SQLDialect) -> String {
        dialect.choose(sqlite: sqlite, postgres: postgres)
    }
}

/// The spellings of a statement made at run time, shared by every copy of its `SQLStatement`: its
/// address is the statement's identity in a connection's cache. It is never freed, so no other
/// statement can ever take that address.
@usableFromInline
final class SpelledSQL: Sendable {
    let sqlite: String
    let postgres: String

    init(sqlite: String, postgres: String) {
        self.sqlite = sqlite
        self.postgres = postgres
    }
}
