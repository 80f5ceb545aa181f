/// Someone else saved (or deleted) the row first: the conditional statement changed nothing, and
/// neither the row nor the record was modified. Reload the record, reapply the change, save again —
/// or let `retryOnConflict` do that.
public struct ConcurrentUpdate: Error, Sendable, Hashable, CustomStringConvertible {
    /// The table's SQL name.
    public let table: String
    /// The primary key of the row, as text.
    public let primaryKey: String
    /// The version the record carried.
    public let expectedVersion: Int64
    /// The row's version now, or nil when the row no longer exists.
    public let actualVersion: Int64?

    /// True when the row was deleted (there is no current version).
    public var isDeleted: Bool { actualVersion == nil }

    /// Creates the error.
    public init(table: String, primaryKey: String, expectedVersion: Int64, actualVersion: Int64?) {
        self.table = table
        self.primaryKey = primaryKey
        self.expectedVersion = expectedVersion
        self.actualVersion = actualVersion
    }

    /// For example `concurrent update of "post" 42: expected version 3, but the row is at version 4 (someone else saved first)`.
    public var description: String {
        let start = "concurrent update of \"\(table)\" \(primaryKey): expected version \(expectedVersion), but "
        guard let actualVersion else { return start + "the row was deleted" }
        return start + "the row is at version \(actualVersion) (someone else saved first)"
    }
}

/// The record has no row: it was never inserted (a database-assigned key is still nil), or the row
/// is gone (`reload`, and writes to an `@unversioned` model).
public struct RecordNotFound: Error, Sendable, Hashable, CustomStringConvertible {
    /// The table's SQL name.
    public let table: String
    /// The primary key as text, or nil when the record has none yet.
    public let primaryKey: String?

    /// Creates the error.
    public init(table: String, primaryKey: String?) {
        self.table = table
        self.primaryKey = primaryKey
    }

    /// A sentence for a log.
    public var description: String {
        guard let primaryKey else { return "record of \"\(table)\" has no primary key yet: insert it first" }
        return "no row of \"\(table)\" has primary key \(primaryKey)"
    }
}
