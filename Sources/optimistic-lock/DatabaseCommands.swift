import ArgumentParser
import Foundation
import OptimisticLock
import OptimisticLockCommands
import OptimisticLockPostgres

/// Where a command finds the database: a SQLite path, or a PostgreSQL URL.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "A SQLite file, or a PostgreSQL URL (postgres://... or postgresql://... or key=value).")
    var database: String

    /// A connection to the database.
    func connect() throws -> any DatabaseConnection {
        let isPostgres =
            database.hasPrefix("postgres://") || database.hasPrefix("postgresql://")
            || database.contains("host=") || database.contains("dbname=")
        return isPostgres ? try PostgresConnection(url: database) : try SQLiteConnection(path: database)
    }
}

extension Compilation {
    /// The tables of the compiled schemas, as `migrate` takes them.
    var databaseSchema: DatabaseSchema {
        DatabaseSchema(
            tables: (tableDefinitions ?? []).map {
                DatabaseSchema.Table(name: $0.name, versionColumn: $0.versionColumn, sqlite: $0.sqlite, postgres: $0.postgres)
            })
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
                let db = try target.connect()
                if dryRun {
                    let plan = try db.migrationPlan(for: schema)
                    print(plan.description)
                    if !plan.refusals.isEmpty { throw ExitCode.failure }
                } else {
                    let plan = try db.migrate(schema)
                    print(plan.isUpToDate ? plan.description : "migrated:\n" + plan.description)
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
                let plan = try target.connect().migrationPlan(for: schema)
                print(plan.description)
                if !plan.isUpToDate { throw ExitCode(2) }
            } catch let error as DatabaseError {
                printError("error: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
