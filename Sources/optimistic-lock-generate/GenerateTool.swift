import ArgumentParser
import OptimisticLockCommands

/// `optimistic-lock-generate`: the schema commands alone (`generate`, `check`, `sql`), which the
/// plugins run. It needs no database library, so building it never needs libpq.
@main
struct GenerateTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimistic-lock-generate",
        abstract: "Compile .schema files into optimistic-locking Swift models and SQL (the plugins' tool).",
        version: GeneratorVersion.current,
        subcommands: SchemaCommands.all
    )
}
