// Benchmarks: swift run -c release --package-path Benchmarks Benchmarks [update|fetch|insert|contention|generator|typecheck ...]
// With no argument every section runs. PostgreSQL contention runs when OPTIMISTIC_LOCK_POSTGRES_URL is set.
import Foundation

let sections = CommandLine.arguments.dropFirst().isEmpty
    ? ["update", "fetch", "insert", "contention", "generator", "typecheck"]
    : Array(CommandLine.arguments.dropFirst())
let report = Report()
let measure = Measure(repetitions: 9)
let sqlite = SQLiteBenchmarks(report: report, measure: measure)
let generator = GeneratorBenchmarks(report: report)
let contention = ContentionBenchmarks(report: report)

print("swift-optimistic-lock benchmarks: 9 runs after a warm-up, contenders alternating; medians, and medians of per-round ratios")
do {
    for section in sections {
        switch section {
        case "update": try sqlite.update()
        case "fetch": try sqlite.fetch()
        case "insert": try sqlite.insert()
        case "contention":
            try contention.sqlite()
            if let url = ProcessInfo.processInfo.environment["OPTIMISTIC_LOCK_POSTGRES_URL"], !url.isEmpty {
                try contention.postgres(url: url)
            } else {
                report.note("PostgreSQL contention skipped: OPTIMISTIC_LOCK_POSTGRES_URL is not set")
            }
        case "generator": try generator.compile()
        case "typecheck": try generator.typecheck()
        case "profile":
            // One contender alone, for valgrind --tool=callgrind: profile insert-generated, update-raw, ...
            try sqlite.profile(CommandLine.arguments.dropFirst(2).first ?? "")
            exit(0)
        default:
            print("unknown section \(section); sections: update fetch insert contention generator typecheck")
            exit(2)
        }
    }
    report.printRatios()
    BenchDatabase.removeAll()
} catch {
    print("benchmark failed: \(error)")
    BenchDatabase.removeAll()
    exit(1)
}
