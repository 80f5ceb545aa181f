import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory generate-models [--target NAME ...] [--access LEVEL]`
///
/// Writes the Swift generated from each target's `.schema` files into `Generated/` inside that
/// target, so editors that do not see build-plugin output can, and so the generated code can be
/// reviewed in git. Use it instead of the build-tool plugin on that target, not with it (the types
/// would be declared twice). Each target's `optimistic-lock.json` applies to it; `--access`
/// overrides it for every target.
@main
struct GenerateModelsPlugin: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        // An option without its value, or anything this command does not take, is an error: a typo
        // must not quietly generate with the defaults.
        for (index, argument) in arguments.enumerated() where ["--target", "--access"].contains(argument) {
            guard index + 1 < arguments.count, !arguments[index + 1].hasPrefix("--") else {
                throw PluginFailure(message: "generate-models: \(argument) needs a value")
            }
        }
        var extractor = ArgumentExtractor(arguments)
        let names = extractor.extractOption(named: "target")
        // Read once, for every target: an extractor hands each option out only once.
        let access = extractor.extractOption(named: "access").last
        guard extractor.remainingArguments.isEmpty else {
            throw PluginFailure(
                message:
                    "generate-models: unknown argument(s) \(extractor.remainingArguments.joined(separator: " ")); it takes --target NAME and --access LEVEL"
            )
        }
        let targets = names.isEmpty ? context.package.targets : try context.package.targets(named: names)
        let tool = try context.tool(named: "optimistic-lock-generate").url
        let manifest = try? String(
            contentsOf: context.package.directoryURL.appendingPathComponent("Package.swift"), encoding: .utf8)
        var generated = 0
        for case let target as SourceModuleTarget in targets {
            let schemas = GenerateInvocation.schemas(of: target)
            guard !schemas.isEmpty else { continue }
            let output = target.directoryURL.appendingPathComponent("Generated")
            let process = try Process.run(
                tool,
                arguments: GenerateInvocation.arguments(
                    schemas: schemas, output: output, configuration: GenerateInvocation.configuration(of: target), access: access)
            )
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw PluginFailure(message: "optimistic-lock-generate failed for target \(target.name)")
            }
            print("Generated Swift for \(schemas.count) schema file(s) of \(target.name) in \(output.path)")
            if let manifest, Self.appliesBuildPlugin(target.name, manifest: manifest) {
                // The plugin API does not tell which plugins a target uses: the manifest does.
                Diagnostics.warning(
                    "target \(target.name) also applies the build plugin OptimisticLockPlugin (Package.swift): with \(output.path) in place every generated type is declared twice and the build fails; remove the plugin from the target to keep the generated files, or delete them"
                )
            }
            generated += 1
        }
        if generated == 0 {
            print("No target has .schema files.")
        }
    }

    /// Whether the manifest's declaration of target `name` (from `.target(name: "name"` or the
    /// like to the next target) names `OptimisticLockPlugin`. Text, not semantics: a manifest that
    /// builds its targets in code may be misread, and then the warning is missing or spurious,
    /// never the generation.
    static func appliesBuildPlugin(_ name: String, manifest: String) -> Bool {
        let kinds = [".target(", ".executableTarget(", ".testTarget(", ".macro(", ".systemLibrary(", ".binaryTarget("]
        let starts = kinds.flatMap { manifest.ranges(of: $0) }.map(\.upperBound).sorted()
        for (position, start) in starts.enumerated() {
            let declaration = manifest[start..<(position + 1 < starts.count ? starts[position + 1] : manifest.endIndex)]
            let head = declaration.drop { $0.isWhitespace }
            guard head.hasPrefix("name: \"\(name)\"") else { continue }
            return declaration.contains("\"OptimisticLockPlugin\"")
        }
        return false
    }
}
