import ArgumentParser
import Foundation
import OptimisticLockSQL
@_exported import _OptimisticLockCompiler

// The commands that only need the schema compiler: `generate`, `check`, `sql`. The `optimistic-lock`
// CLI adds the ones that talk to a database; the plugins run `optimistic-lock-generate`, which has
// only these (and so never links libpq).

/// Loads and compiles the inputs; prints diagnostics to stderr; exits 1 after any error.
public struct Inputs: ParsableArguments {
    /// The schema files and folders given.
    @Argument(help: "Schema files, or folders searched for .schema files.")
    public var paths: [String]

    /// Inputs from the command line.
    public init() {}

    /// Compiles the inputs, printing the diagnostics; exits 1 after an error.
    public func compile() throws -> Compilation {
        let compilation: Compilation
        do {
            let files = try SchemaFiles.collect(paths)
            if files.isEmpty {
                throw SchemaFiles.InputError(description: "error: no .schema files in \(paths.joined(separator: ", "))")
            }
            compilation = Compiler.compile(try SchemaFiles.read(files))
        } catch let error as SchemaFiles.InputError {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode.failure
        }
        FileHandle.standardError.write(Data(compilation.renderedDiagnostics.utf8))
        if compilation.hasErrors { throw ExitCode.failure }
        return compilation
    }
}

/// The schema commands.
public enum SchemaCommands {
    /// `generate`, `check` and `sql`.
    public static var all: [any ParsableCommand.Type] { [Generate.self, Check.self, SQL.self] }

    /// `generate`.
    public struct Generate: ParsableCommand {
        /// Its name, help and examples.
        public static let configuration = CommandConfiguration(
            abstract: "Write one .swift file per .schema file.",
            discussion: """
                All inputs are compiled together, so a schema can refer to models of the others.
                OptimisticLockSchema.swift lists the models for migrations. A file is only rewritten
                when its content changes. The output folder belongs to the generator: files in it that
                an earlier run generated for schemas that are gone are deleted (files without the
                generator's header are left alone).

                Example:
                  optimistic-lock generate Schemas --output Sources/App/Generated --access internal
                """
        )

        @OptionGroup var inputs: Inputs

        @Option(name: .shortAndLong, help: "The folder to write the .swift files to (created if missing).")
        var output: String

        @Option(help: "Access level of the generated declarations: public, package or internal (default public).")
        var access: AccessLevel?

        @Option(help: "A configuration file (optimistic-lock.json); --access overrides what it sets.")
        var config: String?

        /// The command.
        public init() {}

        /// Writes the files.
        public func run() throws {
            var access = AccessLevel.public
            if let config {
                do {
                    access = try GeneratorConfiguration.load(config).access ?? access
                } catch let failure as GeneratorConfiguration.Failure {
                    FileHandle.standardError.write(Data((failure.description + "\n").utf8))
                    throw ExitCode.failure
                }
            }
            if let chosen = self.access { access = chosen }
            let compilation = try inputs.compile()
            // Every output is named and rendered before the first is written: a clash found late must
            // not leave half the files new and the rest stale. Names are compared ignoring case, as
            // macOS's file system does.
            var outputs: [(name: String, source: String)] = []
            // `main.swift` would be top-level code, which a target with `@main` cannot have.
            var written: [String: String] = [
                SwiftEmitter.schemaFileName.lowercased(): "the schema file it writes", "main": "Swift's top-level code file",
            ]
            for (index, file) in compilation.files.enumerated() {
                let base = URL(fileURLWithPath: file.path).deletingPathExtension().lastPathComponent
                if let other = written[base.lowercased()] {
                    FileHandle.standardError.write(
                        Data(
                            "\(file.path): error: its output \(base).swift would overwrite the one of \(other); rename one of them\n"
                                .utf8))
                    throw ExitCode.failure
                }
                written[base.lowercased()] = file.path
                guard let source = compilation.swiftSource(forFile: index, access: access) else { continue }
                outputs.append((base, source))
            }
            if let source = compilation.schemaSource(access: access) {
                outputs.append((SwiftEmitter.schemaFileName, source))
            }
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            for (name, _) in outputs {
                let path = (output as NSString).appendingPathComponent(name + ".swift")
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                    FileHandle.standardError.write(
                        Data("\(path): error: a folder is where the file goes; nothing was written\n".utf8))
                    throw ExitCode.failure
                }
            }
            for (name, source) in outputs {
                try write(source, to: (output as NSString).appendingPathComponent(name + ".swift"))
            }
            try removeStale(in: output, keeping: Set(outputs.map { $0.name + ".swift" }))
        }

        /// Deletes the files in `folder` this command generated earlier and no longer writes (a
        /// schema renamed or deleted): left there, a removed model would still compile, and a renamed
        /// one would be declared twice. Only files that start with the generator's header are touched.
        private func removeStale(in folder: String, keeping kept: Set<String>) throws {
            let manager = FileManager.default
            for name in try manager.contentsOfDirectory(atPath: folder) where name.hasSuffix(".swift") && !kept.contains(name) {
                let path = (folder as NSString).appendingPathComponent(name)
                guard let handle = FileHandle(forReadingAtPath: path) else { continue }
                let head = (try? handle.read(upToCount: 64)) ?? Data()
                try? handle.close()
                if head.starts(with: Data(SwiftEmitter.headerPrefix.utf8)) {
                    try manager.removeItem(atPath: path)
                    FileHandle.standardError.write(Data("removed \(path): its schema is gone\n".utf8))
                }
            }
        }

        /// Writes a file unless it already holds exactly that.
        private func write(_ source: String, to path: String) throws {
            let data = Data(source.utf8)
            if FileManager.default.contents(atPath: path) != data {
                try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            }
        }
    }

    /// `check`.
    public struct Check: ParsableCommand {
        /// Its name, help and examples.
        public static let configuration = CommandConfiguration(
            abstract: "Report the diagnostics of .schema files without writing anything.",
            discussion: """
                Prints every problem as path:line:column: error: message and exits 1 when there is an error.

                Example:
                  optimistic-lock check Schemas
                """
        )

        @OptionGroup var inputs: Inputs

        /// The command.
        public init() {}

        /// Reports the diagnostics.
        public func run() throws {
            _ = try inputs.compile()
        }
    }

    /// `sql`.
    public struct SQL: ParsableCommand {
        /// Its name, help and examples.
        public static let configuration = CommandConfiguration(
            abstract: "Print the DDL (CREATE TABLE, CREATE INDEX) of .schema files.",
            discussion: """
                Tables come in an order that creates referenced tables first. This is the SQL that
                each model's createTable runs.

                Example:
                  optimistic-lock sql Schemas --dialect postgres
                """
        )

        @OptionGroup var inputs: Inputs

        @Option(help: "The SQL dialect: sqlite or postgres.")
        var dialect: SQLDialect = .sqlite

        /// The command.
        public init() {}

        /// Prints the DDL.
        public func run() throws {
            let compilation = try inputs.compile()
            print(compilation.ddl(dialect: dialect) ?? "", terminator: "")
        }
    }
}

extension AccessLevel: ExpressibleByArgument {}
extension SQLDialect: ExpressibleByArgument {}
