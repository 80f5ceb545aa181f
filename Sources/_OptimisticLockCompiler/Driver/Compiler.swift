import OptimisticLockSQL
/// The result of compiling a set of schema files together.
public struct Compilation: Sendable {
    /// The files, in the order given.
    public let files: [SourceFile]
    /// Everything reported.
    public let diagnostics: DiagnosticEngine
    /// The checked schema; only complete when `diagnostics.hasErrors` is false.
    public let schema: Schema

    /// True when there were errors (warnings do not count).
    public var hasErrors: Bool { diagnostics.hasErrors }

    /// The rendered diagnostics, sorted, one per line.
    public var renderedDiagnostics: String { diagnostics.render(files: files) }

    /// Swift source for file `index`, or nil when there were errors.
    public func swiftSource(forFile index: Int, access: AccessLevel = .public) -> String? {
        guard !hasErrors else { return nil }
        let name = files[index].path.split(separator: "/").last.map(String.init) ?? files[index].path
        return SwiftEmitter(schema: schema, access: access).emit(file: index, fileName: name)
    }

    /// The Swift of `OptimisticLockSchema.swift` (the target's models and its `DatabaseSchema`), or
    /// nil when there were errors.
    public func schemaSource(access: AccessLevel = .public) -> String? {
        guard !hasErrors else { return nil }
        return SwiftEmitter(schema: schema, access: access).emitSchema()
    }

    /// Every model's table description, referenced tables first (what `migrate` compares the
    /// database with), or nil when there were errors.
    public var tableDescriptions: [TableDescription]? {
        guard !hasErrors else { return nil }
        return schema.modelsInDependencyOrder.map { $0.tableDescription(in: schema) }
    }

    /// The DDL of every model, or nil when there were errors.
    public func ddl(dialect: SQLDialect) -> String? {
        guard !hasErrors else { return nil }
        return SchemaDDL.render(schema, dialect: dialect)
    }
}

/// Runs the pipeline: UTF-8 check, lexing and parsing of every file, then checking them together.
public enum Compiler {
    /// Compiles the files as one schema (names resolve across all of them).
    public static func compile(_ files: [SourceFile]) -> Compilation {
        compileMeasured(files).compilation
    }

    /// Compiles like `compile`, and also returns how long parsing (with the UTF-8 check) and checking took.
    public static func compileMeasured(_ files: [SourceFile]) -> (compilation: Compilation, parse: Duration, check: Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        var diagnostics = DiagnosticEngine()
        var syntax: [FileSyntax] = []
        for (index, file) in files.enumerated() {
            if let offset = firstInvalidUTF8(file.bytes) {
                let byte = String(file.bytes[offset], radix: 16, uppercase: true)
                diagnostics.error(
                    "file is not valid UTF-8: invalid byte 0x\(byte); save it as UTF-8",
                    at: SourceRange(file: index, start: offset, end: offset + 1))
                continue
            }
            syntax.append(Parser.parse(file, file: index, diagnostics: &diagnostics))
        }
        let parsed = clock.now
        var checker = Checker(files: syntax, diagnostics: diagnostics)
        let schema = checker.check()
        let compilation = Compilation(files: files, diagnostics: checker.diagnostics, schema: schema)
        return (compilation, parsed - start, clock.now - parsed)
    }

    /// The offset of the first byte that is not part of valid UTF-8, or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                offset += UTF8.width(scalar)
            case .emptyInput:
                return nil
            case .error:
                return offset
            }
        }
    }
}
