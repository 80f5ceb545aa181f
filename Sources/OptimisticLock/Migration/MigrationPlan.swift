/// What `migrate` found: the changes it makes (or would make), and the differences it refuses to
/// make on its own, each with the SQL a person could review and run.
public struct MigrationPlan: Sendable, CustomStringConvertible {
    /// One difference between the schema and the database.
    public struct Change: Sendable, CustomStringConvertible {
        /// The table.
        public let table: String
        /// The column, when the difference is about one.
        public let column: String?
        /// What differs, in a sentence.
        public let summary: String
        /// The SQL that makes the change (applied by `migrate` for safe changes; for review otherwise).
        public let sql: [String]

        /// Describes a change.
        public init(table: String, column: String?, summary: String, sql: [String]) {
            self.table = table
            self.column = column
            self.summary = summary
            self.sql = sql
        }

        /// The summary and the SQL, indented.
        public var description: String {
            ([summary] + sql.map { "    " + $0 }).joined(separator: "\n")
        }
    }

    /// The changes that can be made safely: missing tables, columns that are nullable or have a
    /// default, a new version column (filled with fresh versions), missing indexes.
    public let changes: [Change]
    /// The differences `migrate` refuses: removed, renamed or retyped columns, a new non-optional
    /// column without a default, a nullability, primary-key or foreign-key change.
    public let refusals: [Change]
    /// True when the recorded fingerprint matched, and nothing was compared.
    public let matchedFingerprint: Bool
    /// True when `migrate` made the changes (false for `migrationPlan(for:)`, a dry run).
    public let isApplied: Bool

    /// A plan.
    public init(changes: [Change], refusals: [Change], matchedFingerprint: Bool = false, isApplied: Bool = false) {
        self.changes = changes
        self.refusals = refusals
        self.matchedFingerprint = matchedFingerprint
        self.isApplied = isApplied
    }

    /// True when the database matches the schema.
    public var isUpToDate: Bool { changes.isEmpty && refusals.isEmpty }

    /// The refusals, then the safe changes (made, or that can be made), each with its SQL; or that
    /// nothing differs — or, when the recorded fingerprint matched, that nothing was compared.
    public var description: String {
        if matchedFingerprint {
            return
                "the schema is the one last migrated to (its fingerprint matches): the database was not compared (`optimistic-lock diff` compares it)"
        }
        if isUpToDate { return "the database matches the schema" }
        var lines: [String] = []
        if !refusals.isEmpty {
            lines.append(
                "\(refusals.count) difference\(refusals.count == 1 ? "" : "s") cannot be migrated safely; review and run the SQL yourself:"
            )
            // Several differences of one SQLite table share one rebuild: its script is printed once.
            var previous: (table: String, statements: [String])?
            for refusal in refusals {
                let statements = refusal.sql.filter { !$0.hasPrefix("--") }
                if let previous, previous.table == refusal.table, previous.statements == statements, statements.count > 1 {
                    lines.append("- \(refusal.summary)\n    (the same rebuild as above)")
                } else {
                    lines.append("- " + refusal.description)
                }
                previous = (refusal.table, statements)
            }
        }
        if !changes.isEmpty {
            let count = "\(changes.count) change\(changes.count == 1 ? "" : "s")"
            lines.append(isApplied ? "\(count) made:" : "\(count) can be made safely:")
            lines += changes.map { "- " + $0.description }
        }
        return lines.joined(separator: "\n")
    }
}
