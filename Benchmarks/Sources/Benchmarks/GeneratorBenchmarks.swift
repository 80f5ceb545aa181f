import Foundation
import _OptimisticLockCompiler

/// The schema compiler on large schemas, and the Swift compiler on what it emits.
struct GeneratorBenchmarks {
    let report: Report

    /// The package root (Benchmarks/Sources/Benchmarks/ is three levels below it).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `models` models in files of 100, with an enum per 10 models and references between neighbours.
    static func schema(models: Int) -> [SourceFile] {
        var files: [SourceFile] = []
        var text = ""
        for index in 0..<models {
            if index % 10 == 0 {
                text += "/// Status set \(index / 10).\nenum Status\(index / 10) { draft, active, archived, deleted }\n\n"
            }
            text += "/// Model number \(index).\n"
            if index % 7 == 0 { text += "@index(name, createdAt)\n" }
            text += "model Model\(index) {\n"
            text += "    id: Int64 @id\n    version: Version\n    name: String\n    code: String @unique\n"
            text += "    count: Int32 = 0\n    price: Double?\n    active: Bool = true\n    createdAt: Date\n"
            text += "    payload: Data?\n    status: Status\(index / 10) = .draft\n"
            if index > 0 { text += "    parentID: Int64? @references(Model\(index - 1)) @index\n" }
            text += "}\n\n"
            if index % 100 == 99 || index == models - 1 {
                files.append(SourceFile(path: "Schema\(files.count).schema", text: text))
                text = ""
            }
        }
        return files
    }

    private func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    func compile(models: Int = 1000) throws {
        report.section("Generator: \(models)-model schema (release build)")
        let files = Self.schema(models: models)
        var best: (parse: Double, check: Double, swift: Double, sql: Double)?
        for _ in 0..<5 {
            let (compilation, parse, check) = Compiler.compileMeasured(files)
            guard !compilation.hasErrors else { throw BenchmarkFailure(message: compilation.renderedDiagnostics) }
            var bytes = 0
            let swift = Measure.time {
                for index in files.indices { bytes += compilation.swiftSource(forFile: index)?.utf8.count ?? 0 }
            }
            let sql = Measure.time {
                bytes +=
                    (compilation.ddl(dialect: .sqlite)?.utf8.count ?? 0) + (compilation.ddl(dialect: .postgres)?.utf8.count ?? 0)
            }
            let run = (milliseconds(parse), milliseconds(check), swift * 1000, sql * 1000)
            if best == nil || run.0 + run.1 + run.2 + run.3 < best!.0 + best!.1 + best!.2 + best!.3 { best = run }
        }
        let b = best!
        report.note(
            String(
                format: "parse %.1f ms, check %.1f ms, emit Swift %.1f ms, emit SQL %.1f ms: total %.1f ms (best of 5)",
                b.parse, b.check, b.swift, b.sql, b.parse + b.check + b.swift + b.sql))
        report.ratio("generator.total-ms-per-1000-models", (b.parse + b.check + b.swift + b.sql) * 1000 / Double(models))
    }

    /// `swiftc -typecheck` of the generated code for growing model counts: the time must grow linearly.
    func typecheck(counts: [Int] = [250, 500, 1000]) throws {
        report.section("swiftc -typecheck of the generated code")
        let executable = URL(
            fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? CommandLine.arguments[0])
        let modules = executable.deletingLastPathComponent().appendingPathComponent("Modules")
        var times: [Int: Double] = [:]
        for count in counts {
            let folder = BenchDatabase.folder.appendingPathComponent("typecheck-\(count)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let compilation = Compiler.compile(Self.schema(models: count))
            var paths: [String] = []
            for index in compilation.files.indices {
                let path = folder.appendingPathComponent("Generated\(index).swift").path
                try compilation.swiftSource(forFile: index)!.write(toFile: path, atomically: true, encoding: .utf8)
                paths.append(path)
            }
            let arguments =
                [
                    "swiftc", "-typecheck", "-swift-version", "6", "-module-name", "Generated",
                    "-I", modules.path, "-I", Self.root.appendingPathComponent("Sources/CSQLite").path,
                ] + paths
            // The best of three runs: a busy machine only ever makes a run slower.
            var seconds = Double.infinity
            for _ in 0..<3 {
                var status: Int32 = 0
                let run = try Measure.time {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                    process.arguments = arguments
                    try process.run()
                    process.waitUntilExit()
                    status = process.terminationStatus
                }
                guard status == 0 else { throw BenchmarkFailure(message: "swiftc -typecheck failed for \(count) models") }
                seconds = min(seconds, run)
            }
            times[count] = seconds
            report.note(
                String(
                    format: "%5d models: %6.2f s, %.2f ms per model (best of 3)", count, seconds,
                    seconds * 1000 / Double(count)))
        }
        if let small = counts.dropLast().last, let large = counts.last, let a = times[small], let b = times[large] {
            report.ratio("typecheck.\(large)/\(small)", b / a)
            report.ratio("typecheck.ms-per-model.\(large)", b * 1000 / Double(large))
        }
    }
}
