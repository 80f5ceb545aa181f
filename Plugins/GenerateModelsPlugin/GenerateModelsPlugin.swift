import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory generate-models [--target NAME ...]`
///
/// Writes the Swift generated from each target's `.schema` files into `Generated/` inside that
/// target, so editors that do not see build-plugin output can, and so the generated code can be
/// reviewed in git. Use it instead of the build-tool plugin on that target, not with it (the types
/// would be declared twice).
@main
struct GenerateModelsPlugin: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        var extractor = ArgumentExtractor(arguments)
        let names = extractor.extractOption(named: "target")
        let targets =
            names.isEmpty
            ? context.package.targets
            : try context.package.targets(named: names)
        let tool = try context.tool(named: "optimistic-lock-generate").url
        var generated = 0
        for case let target as SourceModuleTarget in targets {
            let schemas = target.sourceFiles(withSuffix: "schema").map(\.url.path).sorted()
            guard !schemas.isEmpty else { continue }
            var toolArguments = ["generate"] + schemas
            toolArguments += ["--output", target.directoryURL.appendingPathComponent("Generated").path]
            toolArguments += extractor.extractOption(named: "access").suffix(1).flatMap { ["--access", $0] }
            let process = try Process.run(tool, arguments: toolArguments)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw GenerateError(message: "optimistic-lock failed for target \(target.name)")
            }
            print(
                "Generated Swift for \(schemas.count) schema file(s) of \(target.name) in \(target.directoryURL.path)/Generated")
            generated += 1
        }
        if generated == 0 {
            print("No target has .schema files.")
        }
    }
}

/// A failed generation; the compiler's diagnostics were already printed.
struct GenerateError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
