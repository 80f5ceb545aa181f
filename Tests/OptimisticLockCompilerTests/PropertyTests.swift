import Foundation
import OptimisticLockSQL
import Testing

@testable import _OptimisticLockCompiler

/// Random valid schemas must compile without a diagnostic and emit everything; every input ever
/// found by the fuzzer stays a regression fixture. Set OPTIMISTIC_LOCK_FUZZ_ITERATIONS for a longer run.
@Suite("Properties")
struct PropertyTests {
    static let iterations = Int(ProcessInfo.processInfo.environment["OPTIMISTIC_LOCK_FUZZ_ITERATIONS"] ?? "") ?? 300

    /// Writes a random valid schema; returns it with the model names and their column counts.
    static func validSchema(seed: UInt64) -> (text: String, columns: [String: Int]) {
        var random = MutationTests.SplitMix(state: seed)
        var text = "// seed \(seed)\n"
        var enums: [(String, [String])] = []
        for e in 0..<Int.random(in: 0...2, using: &random) {
            let cases = (0..<Int.random(in: 1...5, using: &random)).map { "c\($0)" }
            enums.append(("E\(e)", cases))
            text +=
                "/// Enum \(e).\nenum E\(e) {\n    \(cases.joined(separator: Bool.random(using: &random) ? ", " : "\n    "))\n}\n"
        }
        var models: [(name: String, keyType: String)] = []
        var columns: [String: Int] = [:]
        let scalarTypes = ["Int64", "Int32", "Int", "Double", "Bool", "String", "Data", "Date", "UUID"]
        for m in 0..<Int.random(in: 1...6, using: &random) {
            let name = "M\(m)"
            let keyType = ["Int64", "Int", "String", "UUID"].randomElement(using: &random)!
            let unversioned = Int.random(in: 0..<5, using: &random) == 0
            var fields = ["    key: \(keyType) @id"]
            if !unversioned { fields.append("    rev: Version") }
            var fieldNames = ["key"]
            for f in 0..<Int.random(in: 0...8, using: &random) {
                let fieldName = "f\(f)"
                var type = scalarTypes.randomElement(using: &random)!
                var defaultValue: String?
                if let (enumName, cases) = enums.randomElement(using: &random), Bool.random(using: &random) {
                    type = enumName
                    if Bool.random(using: &random) { defaultValue = "." + cases.randomElement(using: &random)! }
                }
                let optional = Bool.random(using: &random)
                if defaultValue == nil, Bool.random(using: &random) {
                    switch type {
                    case "Int64", "Int": defaultValue = String(Int64.random(in: -1_000_000...1_000_000, using: &random))
                    case "Int32": defaultValue = String(Int32.random(in: .min ... .max, using: &random))
                    case "Double": defaultValue = ["0", "1.5", "-2e3", "0.25"].randomElement(using: &random)!
                    case "Bool": defaultValue = Bool.random(using: &random) ? "true" : "false"
                    case "String":
                        defaultValue = ["\"\"", "\"it's\"", "\"tab\\there\"", "\"ünï\""].randomElement(using: &random)!
                    default: defaultValue = optional ? "nil" : nil
                    }
                }
                var attributes: [String] = []
                if Int.random(in: 0..<4, using: &random) == 0 { attributes.append("@unique") }
                if Int.random(in: 0..<4, using: &random) == 0 { attributes.append("@index") }
                if Int.random(in: 0..<5, using: &random) == 0 { attributes.append("@column(\"col \\\"\(f)\\\" ;--\")") }
                if let target = models.randomElement(using: &random), Int.random(in: 0..<3, using: &random) == 0 {
                    type = target.keyType
                    defaultValue = nil
                    attributes.append("@references(\(target.name))")
                }
                var line = "    \(fieldName): \(type)\(optional ? "?" : "")"
                if let defaultValue { line += " = \(defaultValue)" }
                if !attributes.isEmpty { line += " " + attributes.joined(separator: " ") }
                if Bool.random(using: &random) { line = "    /// Field \(f).\n" + line }
                if Bool.random(using: &random) { line += " // trailing /* comment */" }
                fields.append(line)
                fieldNames.append(fieldName)
            }
            var header = "/// Model \(m).\n"
            if unversioned { header += "@unversioned\n" }
            if fieldNames.count > 2, Bool.random(using: &random) {
                header += "@index(\(fieldNames.shuffled(using: &random).prefix(2).joined(separator: ", ")))\n"
            }
            if Bool.random(using: &random) { header += "@table(\"t_\(m) \\\"quoted\\\"\")\n" }
            text += header + "model \(name) {\n" + fields.joined(separator: "\n") + "\n}\n\n"
            models.append((name, keyType))
            columns[name] = fieldNames.count + (unversioned ? 0 : 1)
        }
        return (text, columns)
    }

    @Test("Random valid schemas compile cleanly, deterministically, with every column in the DDL")
    func validSchemas() throws {
        for seed in UInt64(1)...UInt64(Self.iterations) {
            let (text, columns) = Self.validSchema(seed: seed)
            let compilation = Compiler.compile([SourceFile(path: "valid.schema", text: text)])
            #expect(compilation.renderedDiagnostics == "", "seed \(seed):\n\(text)")
            guard !compilation.hasErrors else { continue }
            let swift = try #require(compilation.swiftSource(forFile: 0))
            #expect(swift == Compiler.compile([SourceFile(path: "valid.schema", text: text)]).swiftSource(forFile: 0))
            for dialect in SQLDialect.allCases {
                let ddl = try #require(compilation.ddl(dialect: dialect))
                for model in compilation.schema.models {
                    #expect(model.fields.count == columns[model.name], "seed \(seed)")
                    for field in model.fields {
                        #expect(ddl.contains(dialect.quote(field.columnName)), "seed \(seed)")
                    }
                }
            }
        }
    }

    @Test("Every fuzzer regression input gives located diagnostics or clean output")
    func regressions() throws {
        let folder = Golden.fixtures.appendingPathComponent("FuzzRegressions")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(!names.isEmpty)
        for name in names {
            let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
            let compilation = Compiler.compile([SourceFile(path: name, bytes: bytes)])
            for line in compilation.renderedDiagnostics.split(separator: "\n") {
                #expect(line.hasPrefix("\(name):"), "\(line)")
            }
            if !compilation.hasErrors {
                #expect(compilation.swiftSource(forFile: 0) != nil)
            }
        }
    }
}
