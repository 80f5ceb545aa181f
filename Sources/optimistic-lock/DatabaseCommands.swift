import ArgumentParser
import Foundation
import OptimisticLock
import OptimisticLockCommands
import OptimisticLockPostgres

/// Where a command finds the database: a SQLite path, or a PostgreSQL URL.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "A SQLite file, or a PostgreSQL URL (postgres://... or postgresql://... or key=value).")
    var database: String

    /// A connection to the database. `readOnly` (a dry run, a diff) opens an existing SQLite file
    /// for reading, and never creates one (a mistyped path is compared as an empty database).
    func connect(readOnly: Bool = false) throws -> any DatabaseConnection {
        if Self.isPostgres(database) { return try PostgresConnection(url: database) }
        if readOnly, !FileManager.default.fileExists(atPath: database) {
            printError("note: no SQLite database at '\(database)': compared with an empty one, and none was created")
            return try SQLiteConnection(path: ":memory:")
        }
        return try SQLiteConnection(path: database, readOnly: readOnly)
    }

    func validate() throws {
        // An empty path would open a throwaway temporary SQLite database (an unset $DATABASE_URL).
        if database.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("--database is empty: give a SQLite file or a PostgreSQL URL")
        }
        // A URL of another scheme (http://, mysql://) or a mistyped one (postgresql:/host,
        // postgresql:shop) would be a SQLite file's name.
        let lowered = database.lowercased()
        if !Self.isPostgres(database) && (lowered.hasPrefix("postgres:") || lowered.hasPrefix("postgresql:")) {
            throw ValidationError(
                "--database: not a PostgreSQL URL (no \"://\" after its scheme): use postgresql://user@host:5432/database"
            )
        }
        if let separator = database.firstRange(of: "://"), !Self.isPostgres(database) {
            // Named only when it is a scheme: text before "://" in key=value pairs may be a password.
            let scheme = database[..<separator.lowerBound]
            let isScheme =
                !scheme.isEmpty && scheme.count <= 32
                && scheme.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.:".contains($0)) }
            let named = isScheme ? "'\(scheme)://' is " : ""
            throw ValidationError(
                "--database: \(named)not a PostgreSQL URL: use postgresql://user@host:5432/database, key=value pairs, or a SQLite file"
            )
        }
    }

    /// A PostgreSQL URL, or libpq's `key=value` form (`host=db dbname=shop`, `user=app port=5432`):
    /// text that starts with one of libpq's keywords and `=`. Anything else is a SQLite path
    /// (`backup=2024.sqlite` too).
    static func isPostgres(_ database: String) -> Bool {
        // The runtime trims a URL too (a pasted one often ends in a newline).
        let lowered = database.lowercased().drop { $0.isWhitespace }
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") { return true }
        guard let equals = database.firstIndex(of: "=") else { return false }
        return libpqKeywords.contains(database[..<equals].trimmingCharacters(in: .whitespaces))
    }

    /// The connection parameters libpq knows (PostgreSQL 15 to 17).
    static let libpqKeywords: Set<String> = [
        "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "require_auth", "channel_binding",
        "connect_timeout", "client_encoding", "options", "application_name", "fallback_application_name",
        "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout",
        "replication", "gssencmode", "sslmode", "requiressl", "sslcompression", "sslcert", "sslkey", "sslpassword",
        "sslcertmode", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version",
        "ssl_max_protocol_version", "krbsrvname", "gsslib", "gssdelegation", "service", "target_session_attrs",
        "load_balance_hosts", "sslnegotiation",
    ]
}

extension Compilation {
    /// The tables of the compiled schemas, as `migrate` takes them.
    var databaseSchema: DatabaseSchema {
        DatabaseSchema(tables: (tableDescriptions ?? []).map(DatabaseSchema.Table.init))
    }
}

/// Prints to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

extension OptimisticLockCommand {
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring a database to the schemas: create what is missing, add what is safe.",
            discussion: """
                Creates missing tables, adds columns that are nullable or have a default (a new version
                column gets a fresh version in every row), and creates missing indexes, in one
                transaction. Anything else (a removed, renamed or retyped column, a new non-optional
                column without a default, a nullability, primary-key or reference change) is refused
                before anything changes, with the SQL to review. Exit status 1 when something is refused.

                Examples:
                  optimistic-lock migrate Schemas --database app.sqlite --dry-run
                  optimistic-lock migrate Schemas --database postgresql://app@db/shop
                """
        )

        @OptionGroup var inputs: Inputs
        @OptionGroup var target: DatabaseOptions

        @Flag(help: "Print the plan and change nothing.")
        var dryRun = false

        func run() throws {
            let schema = try inputs.compile().databaseSchema
            do {
                let db = try target.connect(readOnly: dryRun)
                if dryRun {
                    let plan = try db.migrationPlan(for: schema)
                    print(plan.description)
                    if !plan.refusals.isEmpty { throw ExitCode.failure }
                } else {
                    let plan = try db.migrate(schema)
                    print(plan.description)
                }
            } catch let error as DatabaseError {
                printError(error.kind == .schemaMismatch ? error.message : "error: \(error)")
                throw ExitCode.failure
            }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare a database with the schemas; exit status 2 when they differ (for CI).",
            discussion: """
                Prints every difference, each with the SQL that would resolve it, and changes nothing.

                Example:
                  optimistic-lock diff Schemas --database app.sqlite || echo "run migrate"
                """
        )

        @OptionGroup var inputs: Inputs
        @OptionGroup var target: DatabaseOptions

        func run() throws {
            let schema = try inputs.compile().databaseSchema
            do {
                let plan = try target.connect(readOnly: true).migrationPlan(for: schema)
                print(plan.description)
                if !plan.isUpToDate { throw ExitCode(2) }
            } catch let error as DatabaseError {
                printError("error: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
