import Foundation
import PackagePlugin

/// Compiles every `.schema` file of the target it is applied to into Swift, at build time.
///
/// All schema files of the target go to one `optimistic-lock generate` command, so models can refer
/// to each other across files; each `X.schema` becomes `X.swift` in the plugin's work directory.
/// Schema errors fail the build as `file:line:column: error:` at the schema's line. An optional
/// `optimistic-lock.json` in the target (`{ "access": "internal" }`) sets the access level.
@main
struct OptimisticLockPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let schemas = target.sourceFiles(withSuffix: "schema").map(\.url).sorted { $0.path < $1.path }
        guard !schemas.isEmpty else { return [] }
        // Swift files are compiled to objects named after their base names: a hand-written X.swift
        // beside X.schema would collide with the generated X.swift ("multiple producers").
        let generated = Set(schemas.map { $0.deletingPathExtension().lastPathComponent } + ["OptimisticLockSchema"])
        for file in target.sourceFiles(withSuffix: "swift") {
            let name = file.url.deletingPathExtension().lastPathComponent
            if generated.contains(name) {
                let message =
                    "\(file.url.path): error: '\(name).swift' is the name of a file generated from the target's schemas; rename it"
                Diagnostics.error(message)
                throw PluginError(message: message)
            }
        }
        let configuration = target.directoryURL.appendingPathComponent("optimistic-lock.json")
        return [
            try GenerateCommand.make(
                tool: context.tool(named: "optimistic-lock-generate").url,
                schemas: schemas,
                configuration: FileManager.default.fileExists(atPath: configuration.path) ? configuration : nil,
                output: context.pluginWorkDirectoryURL.appendingPathComponent("Generated")
            )
        ]
    }
}

/// A problem the plugin reports before any command runs.
struct PluginError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// The one build command for a target's schemas.
enum GenerateCommand {
    /// The access level from `optimistic-lock.json`, if the file sets one.
    static func access(in configuration: URL) throws -> String? {
        let data = try Data(contentsOf: configuration)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return object?["access"] as? String
    }

    static func make(tool: URL, schemas: [URL], configuration: URL?, output: URL) throws -> Command {
        var arguments = ["generate"] + schemas.map(\.path) + ["--output", output.path]
        var inputs = schemas
        if let configuration {
            inputs.append(configuration)
            if let access = try access(in: configuration) {
                arguments += ["--access", access]
            }
        }
        let outputs =
            schemas.map {
                output.appendingPathComponent($0.deletingPathExtension().lastPathComponent + ".swift")
            } + [output.appendingPathComponent("OptimisticLockSchema.swift")]
        return .buildCommand(
            displayName: "Generating Swift from \(schemas.count) schema file\(schemas.count == 1 ? "" : "s")",
            executable: tool,
            arguments: arguments,
            inputFiles: inputs,
            outputFiles: outputs
        )
    }
}
