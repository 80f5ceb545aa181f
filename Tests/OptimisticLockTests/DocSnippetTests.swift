import Foundation
import Testing

/// Every ```swift block of the README, the DocC articles and the Quick Help of `Sources/` is
/// compiled, so that an example cannot rot: this test extracts them into one Swift file per
/// module that can compile them (`Tests/DocSnippets` here, with models of its own; the wiki's for
/// Hummingbird; VaporNotes' for Vapor), each block the body of a function whose parameters are the
/// names the block uses without declaring them, and checks the files on disk are what the docs
/// say now. The builds of the three packages (`swift test`, and the examples' in the README's test
/// command) compile them. After changing an example, run
/// `OPTIMISTIC_LOCK_UPDATE_SNIPPETS=1 swift test --filter DocSnippet` to rewrite the files (if a file
/// on disk no longer compiles, so that the tests cannot build, empty it first).
///
/// In Markdown, the line before each ```swift block says how to compile it:
/// `<!-- snippet core (db: SQLiteConnection, var post: Post) -->` (a unit, the block's free names —
/// `var` for those it mutates — and optionally `-> ReturnType`), or `<!-- not compiled: why -->`
/// for a manifest or a listing.
/// Quick Help blocks, where an HTML comment would show, are described in `sourceContexts` below.
/// A `...` outside a string literal (a closure body the example leaves out) compiles as
/// `fatalError()`.
@Suite("Doc snippets")
struct DocSnippetTests {
    /// Where a unit's snippets are compiled, and what that file imports.
    struct Unit {
        var path: String
        var imports: [String]
    }

    static let units: [String: Unit] = [
        "core": Unit(
            path: "Tests/DocSnippets/Snippets.swift",
            imports: [
                "Foundation", "HTTPTypes", "Logging", "OptimisticLock", "OptimisticLockHTTP", "OptimisticLockPostgres",
                "OptimisticLockTelemetry",
            ]),
        "hummingbird": Unit(
            path: "Examples/Wiki/Tests/DocSnippets/Snippets.swift",
            imports: [
                // As a user's file would: the models' module re-exports the runtime, the integration
                // the HTTP helpers.
                "Foundation", "Hummingbird", "OptimisticLockHummingbird", "OptimisticLockServiceLifecycle", "WikiModels",
            ]),
        "vapor": Unit(
            path: "Examples/VaporNotes/Tests/DocSnippets/Snippets.swift",
            imports: ["Foundation", "NotesModels", "OptimisticLockVapor", "Vapor"]),
    ]

    /// How each Quick Help example compiles, by the file it is in (and `#2` for a second one).
    static let sourceContexts: [String: String] = [
        "Sources/OptimisticLock/Idempotency/IdempotencyKeys.swift":
            "core (pool: SQLitePool, key: String, fingerprint: String, item: String)",
        "Sources/OptimisticLock/Migration/Migrate.swift": "core (db: SQLiteConnection)",
        "Sources/OptimisticLock/Observability/DatabaseObserver.swift": "core (url: String, logger: Logger)",
        "Sources/OptimisticLock/Query/ModelQueries.swift": "core (db: SQLiteConnection)",
        "Sources/OptimisticLock/Query/Predicate.swift": "core (db: SQLiteConnection, since: Date)",
        "Sources/OptimisticLock/Query/RecordPage.swift": "core (db: SQLiteConnection)",
        "Sources/OptimisticLock/SQLite/SQLitePool.swift": "core (id: UUID)",
        "Sources/OptimisticLockHTTP/OptimisticHTTP+Idempotency.swift":
            "core (request: HTTPRequest, bytes: [UInt8], pool: SQLitePool, input: Page)",
        "Sources/OptimisticLockHTTP/OptimisticHTTP.swift": "core (request: HTTPRequest, pool: SQLitePool, input: Page)",
        "Sources/OptimisticLockHummingbird/OptimisticLockErrorMiddleware.swift": "hummingbird (pool: SQLitePool)",
        "Sources/OptimisticLockHummingbird/Response+Versioned.swift":
            "hummingbird (page: Page, request: Request, context: BasicRequestContext) -> Response",
        "Sources/OptimisticLockPostgres/PostgresPool.swift": "core (id: Int64)",
        "Sources/OptimisticLockServiceLifecycle/PoolService.swift": "hummingbird (router: Router<BasicRequestContext>)",
        "Sources/OptimisticLockTelemetry/Telemetry.swift": "core (url: String)",
        "Sources/OptimisticLockVapor/OptimisticLockErrorMiddleware.swift": "vapor (app: Application, pool: SQLitePool)",
        "Sources/OptimisticLockVapor/Response+Versioned.swift": "vapor (note: Note) -> Response",
    ]

    /// A block and how it compiles.
    struct Snippet {
        var location: String
        var unit: String
        var parameters: String
        var returnType: String?
        var lines: [String]
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("Every Swift example in the docs is in a file that compiles, as the docs say it now")
    func snippetsAreCurrent() throws {
        let snippets = try Self.snippets()
        #expect(snippets.count >= 30, "\(snippets.count) snippets found")
        var stale: [String] = []
        for (name, unit) in Self.units.sorted(by: { $0.key < $1.key }) {
            let text = Self.render(unit, snippets.filter { $0.unit == name })
            let url = Self.root.appendingPathComponent(unit.path)
            if ProcessInfo.processInfo.environment["OPTIMISTIC_LOCK_UPDATE_SNIPPETS"] == "1" {
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
            } else if (try? String(contentsOf: url, encoding: .utf8)) != text {
                stale.append(unit.path)
            }
        }
        #expect(
            stale.isEmpty,
            "\(stale) no longer match the docs: run OPTIMISTIC_LOCK_UPDATE_SNIPPETS=1 swift test --filter DocSnippet")
    }

    /// Every block, from the README, the DocC articles and the Swift sources, in that order.
    static func snippets() throws -> [Snippet] {
        var markdown = ["README.md"]
        let docc = "Sources/OptimisticLock/OptimisticLock.docc"
        markdown += try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(docc).path)
            .filter { $0.hasSuffix(".md") }.sorted().map { "\(docc)/\($0)" }
        var snippets = try markdown.flatMap(markdownSnippets)
        let sources = FileManager.default.enumerator(atPath: root.appendingPathComponent("Sources").path)!
            .compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }.sorted().map { "Sources/\($0)" }
        snippets += try sources.flatMap(sourceSnippets)
        return snippets
    }

    /// A Markdown file's examples: the line before each says how to compile it.
    static func markdownSnippets(_ path: String) throws -> [Snippet] {
        try snippets(in: path, prefix: "") { lineBefore, _, line in
            if lineBefore.hasPrefix("<!-- not compiled:") { return nil }
            guard lineBefore.hasPrefix("<!-- snippet "), lineBefore.hasSuffix("-->") else {
                Issue.record("\(path):\(line): say how to compile this block on the line before it: <!-- snippet ... -->")
                return nil
            }
            return String(lineBefore.dropFirst("<!-- snippet ".count).dropLast(3))
        }
    }

    /// A Swift file's Quick Help examples, compiled as `sourceContexts` says.
    static func sourceSnippets(_ path: String) throws -> [Snippet] {
        try snippets(in: path, prefix: "///") { _, number, line in
            let key = number == 1 ? path : "\(path)#\(number)"
            guard let context = sourceContexts[key] else {
                Issue.record("\(path):\(line): add how to compile this example to DocSnippetTests.sourceContexts[\"\(key)\"]")
                return nil
            }
            return context
        }
    }

    /// The ```swift blocks of a file (lines after `prefix`), each with the context `context` gives
    /// from the line before it, its number among the file's compiled examples and its line; nil
    /// leaves it out.
    static func snippets(
        in path: String, prefix: String, context: (_ lineBefore: String, _ number: Int, _ line: Int) -> String?
    ) throws -> [Snippet] {
        let lines = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let fence = (prefix.isEmpty ? "" : prefix + " ") + "```swift"
        var snippets: [Snippet] = []
        var index = 0
        while index < lines.count {
            defer { index += 1 }
            guard lines[index].trimmingCharacters(in: .whitespaces) == fence else { continue }
            let body = block(lines, from: index + 1, prefix: prefix)
            defer { index += body.count + 1 }
            let lineBefore = index > 0 ? lines[index - 1].trimmingCharacters(in: .whitespaces) : ""
            guard let context = context(lineBefore, snippets.count + 1, index + 1) else { continue }
            // Named by its place among the file's examples, not its line: prose edits above it do not
            // make the generated file stale.
            snippets.append(try snippet("\(path), example \(snippets.count + 1)", context, body))
        }
        return snippets
    }

    /// The lines of a block up to its closing fence, without the comment prefix.
    static func block(_ lines: [String], from start: Int, prefix: String) -> [String] {
        var body: [String] = []
        for line in lines[start...] {
            var text = line.drop { $0 == " " }
            guard text.hasPrefix(prefix) else { break }
            text = text.dropFirst(prefix.count)
            if !prefix.isEmpty, text.hasPrefix(" ") { text = text.dropFirst() }
            if text.trimmingCharacters(in: .whitespaces) == "```" { break }
            body.append(prefix.isEmpty ? line : String(text))
        }
        return body
    }

    /// A snippet from its context: `unit (parameters)` and optionally `-> Type`.
    static func snippet(_ location: String, _ context: String, _ lines: [String]) throws -> Snippet {
        guard let open = context.firstIndex(of: "("), let close = context.lastIndex(of: ")") else {
            throw ContextError(location: location, context: context)
        }
        let unit = context[..<open].trimmingCharacters(in: .whitespaces)
        guard units[unit] != nil else { throw ContextError(location: location, context: context) }
        let rest = context[context.index(after: close)...].trimmingCharacters(in: .whitespaces)
        let returnType = rest.hasPrefix("->") ? rest.dropFirst(2).trimmingCharacters(in: .whitespaces) : nil
        return Snippet(
            location: location, unit: unit, parameters: String(context[context.index(after: open)..<close]),
            returnType: returnType, lines: lines)
    }

    struct ContextError: Error, CustomStringConvertible {
        var location: String
        var context: String
        var description: String { "\(location): \"\(context)\" is not `unit (parameters)` with a unit of \(units.keys)" }
    }

    /// The file of a unit: its imports, then one function per snippet.
    static func render(_ unit: Unit, _ snippets: [Snippet]) -> String {
        var out = [
            "// Generated by DocSnippetTests from the examples in the README, the DocC articles and the Quick Help",
            "// of Sources/: do not edit (OPTIMISTIC_LOCK_UPDATE_SNIPPETS=1 swift test --filter DocSnippet).",
            "// Compiling this file is the test.",
        ]
        out += unit.imports.map { "import \($0)" }
        for (number, snippet) in snippets.enumerated() {
            let returns = snippet.returnType.map { " -> \($0)" } ?? ""
            out.append("")
            out.append("// \(snippet.location)")
            let parameters = splitParameters(snippet.parameters)
            let signature = parameters.map { $0.hasPrefix("var ") ? String($0.dropFirst(4)) : $0 }
            out.append("func snippet\(number + 1)(\(signature.joined(separator: ", "))) async throws\(returns) {")
            // `var` parameters as variables (the example mutates them), and the example in a scope
            // of its own (it may declare a name a parameter has).
            for parameter in parameters where parameter.hasPrefix("var ") {
                let name = parameter.dropFirst(4).prefix { $0 != ":" }.trimmingCharacters(in: .whitespaces)
                out.append("    var \(name) = \(name)")
            }
            out.append("    do {")
            for line in snippet.lines {
                // A snippet's imports are the unit's (a user's own module, such as `Models`, is this one).
                if line.hasPrefix("import ") { continue }
                out.append(line.isEmpty ? "" : "        " + elided(line))
            }
            out.append("    }")
            out.append("}")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The parameters of `a: A, var b: B<C, D>, c: (x: X, y: Y)`.
    static func splitParameters(_ parameters: String) -> [String] {
        var split: [String] = []
        var depth = 0
        var current = ""
        for character in parameters + "," {
            switch character {
            case "(", "<", "[": depth += 1
            case ")", ">", "]": depth -= 1
            case "," where depth == 0:
                let parameter = current.trimmingCharacters(in: .whitespaces)
                if !parameter.isEmpty { split.append(parameter) }
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        return split
    }

    /// `...` outside string literals as `fatalError()`.
    static func elided(_ line: String) -> String {
        var out = ""
        var inString = false
        var index = line.startIndex
        while index < line.endIndex {
            if line[index] == "\"", index == line.startIndex || line[line.index(before: index)] != "\\" { inString.toggle() }
            if !inString, line[index...].hasPrefix("..."),
                index == line.startIndex || line[line.index(before: index)] == " "
            {
                out += "fatalError()"
                index = line.index(index, offsetBy: 3)
                continue
            }
            out.append(line[index])
            index = line.index(after: index)
        }
        return out
    }
}
