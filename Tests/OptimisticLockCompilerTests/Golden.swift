import Foundation
import OptimisticLockSQL
import TestSupport
import Testing

@testable import _OptimisticLockCompiler

/// Locations of the golden files, and the switch that rewrites them.
enum Golden {
    /// The package root (three levels above this file).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// This target's fixture folder.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Set `UPDATE_GOLDEN=1` to rewrite the expected files from the current output (then review the diff).
    static var updating: Bool { ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" }

    /// Compares `actual` with the file at `url` (or writes it when updating).
    static func check(_ actual: String, against url: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if updating {
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        if actual != expected {
            let diff = UnifiedDiff.between(expected: expected, actual: actual)
            Issue.record(
                Comment(rawValue: "\(url.path) differs (rerun with UPDATE_GOLDEN=1 and review `git diff`):\n\(diff)"),
                sourceLocation: sourceLocation)
        }
    }

    /// The `.schema` files of a folder, sorted, read with paths relative to `relativeTo`.
    static func schemas(in folders: [URL], relativeTo base: URL) throws -> [SourceFile] {
        var files: [SourceFile] = []
        for folder in folders {
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { $0.hasSuffix(".schema") }.sorted()
            for name in names {
                let url = folder.appendingPathComponent(name)
                let relative = String(url.path.dropFirst(base.path.count + 1))
                files.append(SourceFile(path: relative, bytes: [UInt8](try Data(contentsOf: url))))
            }
        }
        return files
    }
}

/// Every diagnostic case: one folder with its schema files and the expected stderr.
@Suite("Diagnostics golden")
struct DiagnosticsGoldenTests {
    static let folder = Golden.fixtures.appendingPathComponent("Diagnostics")
    static let cases: [String] = (try? FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()) ?? []

    @Test("There is a fixture for every diagnostic the compiler promises")
    func casesExist() {
        let required = [
            "unknown-type", "missing-colon", "unterminated-string", "unterminated-comment", "unexpected-token",
            "duplicate-model", "duplicate-enum", "duplicate-field", "duplicate-enum-case", "missing-id", "two-ids",
            "missing-version", "two-versions", "optional-version", "version-on-unversioned", "default-wrong-type",
            "unknown-enum-case", "nil-default-non-optional", "unknown-attribute", "wrong-attribute-arguments",
            "references-unknown-model", "references-key-type", "index-unknown-field", "keyword-name",
            "invalid-identifier", "sql-name-collision", "not-utf8",
        ]
        for name in required {
            #expect(Self.cases.contains(name), "missing fixture \(name)")
        }
    }

    @Test("Diagnostics match the golden file", arguments: cases)
    func diagnostics(name: String) throws {
        let caseFolder = Self.folder.appendingPathComponent(name)
        let files = try Golden.schemas(in: [caseFolder], relativeTo: caseFolder)
        let compilation = Compiler.compile(files)
        let rendered = compilation.renderedDiagnostics
        try Golden.check(rendered, against: caseFolder.appendingPathComponent("expected.txt"))
        // Every line is located: path:line:column: severity: message.
        for line in rendered.split(separator: "\n") {
            #expect(line.wholeMatch(of: /[^:]+\.schema:\d+:\d+: (error|warning|note): .+/) != nil, "\(line)")
        }
        let expectsErrors = rendered.contains(": error: ")
        #expect(compilation.hasErrors == expectsErrors)
    }
}

/// The example schemas: their Swift (the TestModels target, which the build compiles) and their SQL.
@Suite("Emitted code golden")
struct EmittedGoldenTests {
    static func compileExamples() throws -> Compilation {
        let files = try Golden.schemas(
            in: [
                Golden.root.appendingPathComponent("Schemas"),
                Golden.root.appendingPathComponent("Tests/Schemas"),
            ],
            relativeTo: Golden.root)
        return Compiler.compile(files)
    }

    @Test("The example schemas compile without diagnostics")
    func clean() throws {
        let compilation = try Self.compileExamples()
        #expect(compilation.renderedDiagnostics == "")
        #expect(compilation.schema.models.count >= 8)
    }

    @Test("Generated Swift matches Tests/TestModels")
    func swift() throws {
        let compilation = try Self.compileExamples()
        for (index, file) in compilation.files.enumerated() {
            let name = URL(fileURLWithPath: file.path).deletingPathExtension().lastPathComponent
            let source = try #require(compilation.swiftSource(forFile: index))
            try Golden.check(source, against: Golden.root.appendingPathComponent("Tests/TestModels/\(name).swift"))
        }
        let schema = try #require(compilation.schemaSource())
        try Golden.check(schema, against: Golden.root.appendingPathComponent("Tests/TestModels/OptimisticLockSchema.swift"))
        // Readable in any editor: no generated line is longer than 120 columns, the hostile names included.
        for index in compilation.files.indices {
            for line in try #require(compilation.swiftSource(forFile: index)).split(separator: "\n") {
                #expect(line.count <= 120, "\(compilation.files[index].path): \(line)")
            }
        }
    }

    @Test("DDL matches the golden SQL", arguments: SQLDialect.allCases)
    func sql(dialect: SQLDialect) throws {
        let compilation = try Self.compileExamples()
        let ddl = try #require(compilation.ddl(dialect: dialect))
        try Golden.check(ddl, against: Golden.fixtures.appendingPathComponent("Examples/schema.\(dialect.rawValue).sql"))
    }

    /// Generated code carries no SQL: this golden pins what the runtime spells from each model's
    /// table description, every statement in every dialect.
    @Test("The statements the runtime spells match the golden SQL", arguments: SQLDialect.allCases)
    func statements(dialect: SQLDialect) throws {
        let compilation = try Self.compileExamples()
        var text = ""
        for model in compilation.schema.models {
            let table = model.tableDescription(in: compilation.schema)
            for kind in StatementKind.allCases where table.has(kind) && kind != .createTable {
                text += "-- \(model.name).\(kind.rawValue)\n\(table.sql(kind, dialect))\n"
            }
            // The finders' statements: by each index, unique column and unique constraint.
            for columns in table.indexes + table.columns.filter(\.isUnique).map({ [$0.name] }) + table.uniques {
                text += "-- \(model.name) finder (\(columns.joined(separator: ", ")))\n"
                text += table.statements(dialect).select(whereEqual: columns) + "\n"
                text += table.statements(dialect).count(whereEqual: columns) + "\n"
            }
        }
        try Golden.check(text, against: Golden.fixtures.appendingPathComponent("Examples/statements.\(dialect.rawValue).sql"))
    }

    @Test("Output is deterministic: two runs give identical bytes")
    func deterministic() throws {
        let first = try Self.compileExamples()
        let second = try Self.compileExamples()
        for index in first.files.indices {
            #expect(first.swiftSource(forFile: index) == second.swiftSource(forFile: index))
        }
        #expect(first.ddl(dialect: .postgres) == second.ddl(dialect: .postgres))
    }

    @Test("Access levels: internal drops the modifier, package uses it")
    func accessLevels() throws {
        let compilation = try Self.compileExamples()
        let internalSource = try #require(compilation.swiftSource(forFile: 0, access: .internal))
        #expect(!internalSource.contains("public "))
        #expect(internalSource.contains("\nstruct Author: Codable"))
        let packageSource = try #require(compilation.swiftSource(forFile: 0, access: .package))
        #expect(packageSource.contains("package struct Author"))
        #expect(packageSource.contains("package var version: Int64"))
        #expect(packageSource.contains("extension Author: VersionedModel"))
    }
}
