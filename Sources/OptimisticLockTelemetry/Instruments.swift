import CoreMetrics
import OptimisticLock

/// The metrics `Telemetry` records, made once per label and dimensions by its factory and kept:
/// a factory may do work for each metric it makes, and statements come by the thousand.
final class Instruments: @unchecked Sendable {
    private struct Key: Hashable {
        let label: String
        let dimensions: [String]
    }

    private let factory: any MetricsFactory
    private let timers = ThreadLock<[Key: CoreMetrics.Timer]>([:])
    private let counters = ThreadLock<[Key: Counter]>([:])
    private let meters = ThreadLock<[Key: Meter]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> Key {
        Key(label: label, dimensions: dimensions.flatMap { [$0.0, $0.1] })
    }

    func timer(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Timer {
        let key = Self.key(label, dimensions)
        return timers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = CoreMetrics.Timer(label: label, dimensions: dimensions, factory: factory)
            timers[key] = timer
            return timer
        }
    }

    func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        let key = Self.key(label, dimensions)
        return counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(label: label, dimensions: dimensions, factory: factory)
            counters[key] = counter
            return counter
        }
    }

    func meter(_ label: String, _ dimensions: [(String, String)]) -> Meter {
        let key = Self.key(label, dimensions)
        return meters.withLock { meters in
            if let meter = meters[key] { return meter }
            let meter = Meter(label: label, dimensions: dimensions, factory: factory)
            meters[key] = meter
            return meter
        }
    }
}
