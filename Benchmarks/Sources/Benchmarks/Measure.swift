import Foundation

/// Wall-clock measurement: warm-up, then repetitions alternating between contenders; medians.
struct Measure {
    let repetitions: Int

    /// Seconds taken by `body`.
    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Runs every contender once to warm up, then `repetitions` rounds of all of them in turn.
    /// Each contender's `prepare` runs before each of its runs, outside the timing.
    func medians(_ contenders: [Contender]) throws -> [String: Double] {
        var samples: [String: [Double]] = [:]
        for contender in contenders {
            let state = try contender.prepare()
            _ = try Measure.time { try contender.run(state) }
            BenchDatabase.removeFiles()
        }
        for _ in 0..<repetitions {
            for contender in contenders {
                let state = try contender.prepare()
                samples[contender.name, default: []].append(try Measure.time { try contender.run(state) })
                BenchDatabase.removeFiles()
            }
        }
        return samples.mapValues { values in
            let sorted = values.sorted()
            return sorted[sorted.count / 2]
        }
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

    func row(_ name: String, seconds: Double, operations: Int) {
        let perOp = seconds / Double(operations) * 1e9
        print("  \(name.padding(toLength: 28, withPad: " ", startingAt: 0)) \(String(format: "%9.2f ms", seconds * 1000))  \(String(format: "%8.0f ns/op", perOp))")
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
