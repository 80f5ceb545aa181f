import ArgumentParser
import OptimisticLockCommands

/// `optimistic-lock`: compiles `.schema` files into Swift and SQL, and migrates databases to them.
@main
struct OptimisticLockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimistic-lock",
        abstract: "Compile .schema files into optimistic-locking Swift models and SQL, and migrate databases to them.",
        discussion: """
            Examples:
              optimistic-lock generate Schemas --output Sources/App/Generated
              optimistic-lock check Schemas/Blog.schema
              optimistic-lock sql Schemas --dialect postgres > schema.sql
              optimistic-lock migrate Schemas --database app.sqlite --dry-run
              optimistic-lock diff Schemas --database postgresql://app@db/shop
            """,
        version: GeneratorVersion.current,
        subcommands: SchemaCommands.all + [Migrate.self, Diff.self]
    )
}
