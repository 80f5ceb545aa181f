import Foundation
import PackagePlugin

/// How both plugins call the generator for one target: the same schemas, the same configuration
/// file (read by the generator itself, `--config`), the same names for what it writes. This folder is
/// linked into each plugin's folder, which is how SwiftPM lets plugins share code.
enum GenerateInvocation {
    /// The configuration file a target may hold.
    static let configurationName = "optimistic-lock.json"

    /// The `.schema` files of a target, sorted.
    static func schemas(of target: SourceModuleTarget) -> [URL] {
        target.sourceFiles(withSuffix: "schema").map(\.url).sorted { $0.path < $1.path }
    }

    /// The target's `optimistic-lock.json`, when it has one.
    static func configuration(of target: SourceModuleTarget) -> URL? {
        let url = target.directoryURL.appendingPathComponent(configurationName)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// The files the generator writes for these schemas, in `output`.
    static func outputs(for schemas: [URL], in output: URL) -> [URL] {
        (schemas.map { $0.deletingPathExtension().lastPathComponent } + ["OptimisticLockSchema"])
            .map { output.appendingPathComponent($0 + ".swift") }
    }

    /// `generate <schemas> --output <folder> [--config <file>] [--access <level>]`.
    static func arguments(schemas: [URL], output: URL, configuration: URL?, access: String?) -> [String] {
        var arguments = ["generate"] + schemas.map(\.path) + ["--output", output.path]
        if let configuration { arguments += ["--config", configuration.path] }
        if let access { arguments += ["--access", access] }
        return arguments
    }

    /// Refuses a hand-written Swift file named like a generated one: Swift files compile to objects
    /// named after their base names, so `Post.swift` beside `Post.schema` would collide with the
    /// generated `Post.swift` ("multiple producers").
    static func checkNames(of target: SourceModuleTarget, schemas: [URL]) throws {
        // Two schemas whose outputs share a name (in two folders, or differing in case), or a schema
        // named like the schema file or `main`: the generator would say so, but SwiftPM stops first
        // at the duplicate outputs ("multiple producers").
        var taken: [String: String] = [
            "optimisticlockschema": "the schema file it writes", "main": "Swift's top-level code file",
        ]
        for schema in schemas {
            let name = schema.deletingPathExtension().lastPathComponent
            if let other = taken[name.lowercased()] {
                try fail("\(schema.path): its output \(name).swift would overwrite \(other); rename one of them")
            }
            taken[name.lowercased()] = schema.path
        }
        let generated = Set(outputs(for: schemas, in: target.directoryURL).map { $0.deletingPathExtension().lastPathComponent })
        let root = target.directoryURL.standardizedFileURL.path + "/"
        for file in target.sourceFiles(withSuffix: "swift") {
            // The command plugin's own output folder in this target is not a hand-written file.
            let path = file.url.standardizedFileURL.path
            if path.hasPrefix(root), path.dropFirst(root.count).hasPrefix("Generated/") { continue }
            let name = file.url.deletingPathExtension().lastPathComponent
            if generated.contains(name) {
                try fail("\(file.url.path): '\(name).swift' is the name of a file generated from the target's schemas; rename it")
            }
        }
    }

    /// Reports `message` as an error (once) and stops the plugin.
    private static func fail(_ message: String) throws -> Never {
        Diagnostics.error(message)
        throw PluginFailure(message: "optimistic-lock: the target's file names clash with what its schemas generate")
    }
}

/// A problem a plugin reports.
struct PluginFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
