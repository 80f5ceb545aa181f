import Foundation
import PackagePlugin

/// Compiles every `.schema` file of the target it is applied to into Swift, at build time.
///
/// All schema files of the target go to one `optimistic-lock-generate generate` command, so models
/// can refer to each other across files; each `X.schema` becomes `X.swift` in the plugin's work
/// directory, with `OptimisticLockSchema.swift` beside them. Schema errors fail the build as
/// `file:line:column: error:` at the schema's line. An optional `optimistic-lock.json` in the target
/// (`{ "access": "internal" }`) is read by the generator (`--config`).
@main
struct OptimisticLockPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let schemas = GenerateInvocation.schemas(of: target)
        guard !schemas.isEmpty else { return [] }
        try GenerateInvocation.checkNames(of: target, schemas: schemas)
        let configuration = GenerateInvocation.configuration(of: target)
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("Generated")
        return [
            .buildCommand(
                displayName: "Generating Swift from \(schemas.count) schema file\(schemas.count == 1 ? "" : "s")",
                executable: try context.tool(named: "optimistic-lock-generate").url,
                arguments: GenerateInvocation.arguments(
                    schemas: schemas, output: output, configuration: configuration, access: nil),
                inputFiles: schemas + (configuration.map { [$0] } ?? []),
                outputFiles: GenerateInvocation.outputs(for: schemas, in: output)
            )
        ]
    }
}
