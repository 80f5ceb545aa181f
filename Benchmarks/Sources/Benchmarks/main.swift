// Benchmarks: swift run -c release --package-path Benchmarks Benchmarks [update|fetch|insert|contention|generator|typecheck ...]
// With no argument every section runs. PostgreSQL contention runs when OPTIMISTIC_LOCK_POSTGRES_URL is set.
import Foundation

let sections =
    CommandLine.arguments.dropFirst().isEmpty
    ? ["update", "fetch", "finder", "insert", "contention", "pool", "pg", "topology", "generator", "typecheck"]
    : Array(CommandLine.arguments.dropFirst())
let report = Report()
let measure = Measure(repetitions: 9)
let sqlite = SQLiteBenchmarks(report: report, measure: measure)
let generator = GeneratorBenchmarks(report: report)
let contention = ContentionBenchmarks(report: report)
let pools = PoolBenchmarks(report: report, measure: measure)
let postgresURL = ProcessInfo.processInfo.environment["OPTIMISTIC_LOCK_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

print(
    "swift-optimistic-lock benchmarks: 9 runs after a warm-up, contenders alternating; medians, and medians of per-round ratios")
do {
    for section in sections {
        switch section {
        case "update": try sqlite.update()
        case "fetch": try sqlite.fetch()
        case "finder": try sqlite.finder()
        case "insert": try sqlite.insert()
        case "contention":
            try contention.sqlite()
            if let url = ProcessInfo.processInfo.environment["OPTIMISTIC_LOCK_POSTGRES_URL"], !url.isEmpty {
                try contention.postgres(url: url)
            } else {
                report.note("PostgreSQL contention skipped: OPTIMISTIC_LOCK_POSTGRES_URL is not set")
            }
        case "pool":
            try await pools.sqliteRoundTrip()
            if let postgresURL {
                try await pools.postgresThroughput(url: postgresURL)
            } else {
                report.note("PostgreSQL pool benchmark skipped: OPTIMISTIC_LOCK_POSTGRES_URL is not set")
            }
            try await pools.contention(url: postgresURL)
        case "pg":
            if let postgresURL {
                try pools.postgresStatementPath(url: postgresURL)
            } else {
                report.note("PostgreSQL statement benchmark skipped: OPTIMISTIC_LOCK_POSTGRES_URL is not set")
            }
        case "topology":
            if let postgresURL {
                let replica = ProcessInfo.processInfo.environment["OPTIMISTIC_LOCK_POSTGRES_REPLICA_URL"].flatMap {
                    $0.isEmpty ? nil : $0
                }
                try await TopologyBenchmarks(report: report).run(url: postgresURL, replicaURL: replica)
            } else {
                report.note("topology benchmark skipped: OPTIMISTIC_LOCK_POSTGRES_URL is not set")
            }
        case "profile-pg":
            // For valgrind --tool=callgrind, on one connection: pg-update-generated, pg-update-unnamed
            // (the same through unnamed statements, as behind a pooler), pg-update-raw. (pg-pool-named
            // and pg-pool-unnamed go through a pool, whose threads valgrind 3.19 does not survive here.)
            guard let postgresURL else { exit(2) }
            if let kind = CommandLine.arguments.dropFirst(2).first, kind.hasPrefix("pg-pool-") {
                try await TopologyBenchmarks.profile(url: postgresURL, unnamed: kind == "pg-pool-unnamed")
                exit(0)
            }
            let scoped = try PoolBenchmarks.postgresTable(url: postgresURL, rows: 100)
            switch CommandLine.arguments.dropFirst(2).first {
            case "pg-update-raw":
                try RawPostgres(url: scoped).run(updates: 20_000, ids: (1...100).map(Int64.init))
            case "pg-update-unnamed":
                try PoolBenchmarks.generatedPostgresLoop(url: scoped, updates: 20_000, transactionPooling: true)
            default:
                try PoolBenchmarks.generatedPostgresLoop(url: scoped, updates: 20_000)
            }
            exit(0)
        case "generator": try generator.compile()
        case "typecheck": try generator.typecheck()
        case "profile":
            // One contender alone, for valgrind --tool=callgrind: profile insert-generated, update-raw, ...
            try sqlite.profile(CommandLine.arguments.dropFirst(2).first ?? "")
            exit(0)
        default:
            print(
                "unknown section \(section); sections: update fetch finder insert contention pool pg topology generator typecheck"
            )
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
