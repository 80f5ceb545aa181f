import Foundation
import Testing

@testable import _OptimisticLockCompiler

/// Hundreds of randomly corrupted schemas: the compiler must answer each with located diagnostics
/// (or clean output), never a crash or a hang.
@Suite("Mutation")
struct MutationTests {
    /// A small deterministic generator (SplitMix64), so a failure can be reproduced from its seed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let fragments: [[UInt8]] =
        [
            "model", "enum", "{", "}", "(", ")", "@", "@id", "@index(", "\"", "/*", "*/", "//", "///", ":", "?", "=",
            "-", ".", ",", "\n", "Version", "Int64", "nil", "99999999999999999999", "1e999", "\u{0}", "é", "🚀",
            "@references(", "@table(\"", "@unversioned", "String?", ".draft",
        ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0xE2, 0x82]]

    static func mutate(_ source: [UInt8], seed: UInt64) -> [UInt8] {
        var random = SplitMix(state: seed)
        var bytes = source
        for _ in 0..<Int.random(in: 1...8, using: &random) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int.random(in: 1...20, using: &random))
                bytes.removeSubrange(position..<end)
            case 1:
                bytes.insert(contentsOf: fragments.randomElement(using: &random)!, at: position)
            case 2 where !bytes.isEmpty:
                bytes[position] = UInt8.random(in: 0...255, using: &random)
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int.random(in: 1...40, using: &random))
                let slice = Array(bytes[position..<end])
                bytes.insert(contentsOf: slice, at: Int.random(in: 0...bytes.count, using: &random))
            default:
                bytes = Array(bytes.prefix(position))
            }
        }
        return bytes
    }

    @Test("400 corrupted schemas give located diagnostics, never a crash (OPTIMISTIC_LOCK_FUZZ_ITERATIONS for more)")
    func corruptedSchemas() throws {
        let count = max(400, PropertyTests.iterations)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let blog = [UInt8](try Data(contentsOf: root.appendingPathComponent("Schemas/Blog.schema")))
        let inventory = [UInt8](try Data(contentsOf: root.appendingPathComponent("Schemas/Inventory.schema")))
        var withErrors = 0
        for seed in UInt64(1)...UInt64(count) {
            let a = SourceFile(path: "a.schema", bytes: Self.mutate(blog, seed: seed))
            let b = SourceFile(path: "b.schema", bytes: Self.mutate(inventory, seed: seed &* 7919))
            let compilation = Compiler.compile([a, b])
            let rendered = compilation.renderedDiagnostics
            for line in rendered.split(separator: "\n") {
                #expect(
                    line.wholeMatch(of: /[ab]\.schema:\d+:\d+: (error|warning|note): .+/) != nil,
                    "seed \(seed): \(line)")
            }
            if compilation.hasErrors {
                withErrors += 1
                #expect(compilation.swiftSource(forFile: 0) == nil)
            } else {
                // Clean after mutation (a comment changed, say): emitting must work too.
                #expect(compilation.swiftSource(forFile: 0) != nil, "seed \(seed)")
                #expect(compilation.ddl(dialect: .postgres) != nil)
            }
        }
        #expect(withErrors > count * 3 / 4, "the mutations should mostly break the schemas (\(withErrors) did)")
    }

    @Test("Pathological input stays fast: 10,000 fields, a 1 MB line, 100,000 nested comments")
    func pathological() {
        var many = "model Big {\n    id: Int64 @id\n    version: Version\n"
        for index in 0..<10_000 { many += "    field\(index): String = \"x\"\n" }
        many += "}\n"
        let longLine = "model L { " + String(repeating: "x", count: 1_000_000) + " }"
        let nested = String(repeating: "/*", count: 100_000) + String(repeating: "*/", count: 99_999)
        let hugeNumber =
            "model N {\n id: Int64 @id\n version: Version\n n: Int64 = " + String(repeating: "9", count: 100_000) + "\n}"
        let start = Date()
        let big = Compiler.compile([SourceFile(path: "big.schema", text: many)])
        #expect(!big.hasErrors)
        #expect(big.schema.models.first?.fields.count == 10_002)
        #expect(Compiler.compile([SourceFile(path: "l.schema", text: longLine)]).hasErrors)
        #expect(
            Compiler.compile([SourceFile(path: "n.schema", text: nested)]).renderedDiagnostics
                .contains("unterminated '/*' comment"))
        #expect(
            Compiler.compile([SourceFile(path: "h.schema", text: hugeNumber)]).renderedDiagnostics
                .contains("does not fit in 'Int64'"))
        // A generous bound, for a debug build on a busy machine; the point is "no quadratic blow-up".
        #expect(Date().timeIntervalSince(start) < 60)
    }
}
