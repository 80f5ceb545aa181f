import Foundation

/// Wall-clock measurement: warm-up, then rounds in which every contender runs once (in a rotating
/// order); medians for the
/// table, medians of per-round ratios for the ratios.
struct Measure {
    let repetitions: Int

    /// Seconds taken by `body`.
    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The samples of one contender, in round order.
    /// Seconds an async body takes.
    static func timeAsync(_ body: () async throws -> Void) async rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try await body()
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    struct Samples {
        /// Seconds per run, round by round.
        let runs: [Double]
        /// The median run.
        var median: Double { runs.sorted()[runs.count / 2] }
        /// The fastest run.
        var best: Double { runs.min() ?? 0 }
    }

    /// Runs every contender once to warm up, then `repetitions` rounds of all of them in turn.
    /// Each contender's `prepare` runs before each of its runs, outside the timing.
    func run(_ contenders: [Contender]) throws -> [String: Samples] {
        var samples: [String: [Double]] = [:]
        for contender in contenders {
            let state = try contender.prepare()
            _ = try Measure.time { try contender.run(state) }
            BenchDatabase.removeFiles()
        }
        for round in 0..<repetitions {
            // Rotate who goes first, so that no contender always follows the same neighbour.
            let order = contenders.indices.map { contenders[($0 + round) % contenders.count] }
            for contender in order {
                let state = try contender.prepare()
                samples[contender.name, default: []].append(try Measure.time { try contender.run(state) })
                BenchDatabase.removeFiles()
            }
        }
        if ProcessInfo.processInfo.environment["BENCH_SAMPLES"] == "1" {
            for (name, values) in samples.sorted(by: { $0.key < $1.key }) {
                print("  samples \(name): " + values.map { String(format: "%.1f", $0 * 1000) }.joined(separator: " "))
            }
        }
        return samples.mapValues { Samples(runs: $0) }
    }
}

/// One way of doing the benchmarked work.
struct Contender {
    let name: String
    /// Builds what a run needs (a fresh database, loaded records), untimed.
    let prepare: () throws -> AnyObject
    /// The timed work.
    let run: (AnyObject) throws -> Void
}

/// Collects result lines: a readable table and `ratio <name> <value>` lines.
final class Report {
    private var ratios: [(String, Double)] = []

    func section(_ title: String) {
        print("\n== \(title)")
    }

    func row(_ name: String, _ samples: Measure.Samples, operations: Int) {
        let perOp = samples.median / Double(operations) * 1e9
        print(
            "  \(name.padding(toLength: 28, withPad: " ", startingAt: 0)) median \(String(format: "%9.2f ms", samples.median * 1000))  \(String(format: "%8.0f ns/op", perOp))   best \(String(format: "%9.2f ms", samples.best * 1000))"
        )
    }

    /// The median of the per-round ratios of two contenders. They run back to back in every round,
    /// so a slow phase of a shared machine slows both sides of a pair and cancels out.
    func ratio(_ name: String, _ numerator: Measure.Samples?, _ denominator: Measure.Samples?) {
        guard let numerator, let denominator, numerator.runs.count == denominator.runs.count,
            !numerator.runs.isEmpty
        else { return }
        let ratios = zip(numerator.runs, denominator.runs).map { $0 / $1 }.sorted()
        ratio(name, ratios[ratios.count / 2])
    }

    func note(_ text: String) {
        print("  " + text)
    }

    func ratio(_ name: String, _ value: Double) {
        ratios.append((name, value))
        print("  ratio \(name) \(String(format: "%.3f", value))")
    }

    func printRatios() {
        print("\n== Ratios")
        for (name, value) in ratios {
            print("ratio \(name) \(String(format: "%.3f", value))")
        }
    }
}

/// A box for state handed from `prepare` to `run`.
final class Box<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}
