import CoreMetrics
import OptimisticLock
import Tracing

/// The metrics `Telemetry` records, made once per label and dimensions by its factory and kept:
/// a factory may do work for each metric it makes, and statements come by the thousand.
final class Instruments: @unchecked Sendable {
    fileprivate struct Key: Hashable {
        let label: String
        let dimensions: [String]
    }

    private let factory: any MetricsFactory
    /// Metrics made, and how many series each label has (the limit is per label, so that one
    /// metric's many tables never push another's few pools into `_OTHER`).
    private struct Series<Handler> {
        var handlers: [Key: Handler] = [:]
        var counts: [String: Int] = [:]

        /// The handler for `label` and `dimensions`, made by `make` with the dimensions it is to
        /// have (theirs, or `_OTHER` past the label's limit).
        mutating func handler(
            _ label: String, _ dimensions: [(String, String)], _ make: ([(String, String)]) -> Handler
        ) -> Handler {
            let key = Instruments.key(label, dimensions)
            if let handler = handlers[key] { return handler }
            let dimensions = counts[label, default: 0] < Instruments.cacheLimit ? dimensions : Instruments.overflow(dimensions)
            let kept = Instruments.key(label, dimensions)
            if let handler = handlers[kept] { return handler }
            let handler = make(dimensions)
            handlers[kept] = handler
            counts[label, default: 0] += 1
            return handler
        }
    }

    private let timers = ThreadLock(Series<CoreMetrics.Timer>())
    private let counters = ThreadLock(Series<Counter>())
    private let meters = ThreadLock(Series<Meter>())

    private let shapes = ThreadLock<[ShapeKey: Shape]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// What a statement's span and duration timer are, by what the statement does.
    struct Shape: Sendable {
        /// The span's name: `UPDATE post`, `TRANSACTION`.
        let name: String
        /// `db.client.operation.duration` for statements of this shape; nil for a transaction.
        let duration: CoreMetrics.Timer?
    }

    private struct ShapeKey: Hashable {
        let system: String
        let operation: String?
        let collection: String?
        let isTransaction: Bool
    }

    private struct AttributesKey: Hashable {
        let sql: String?
        let system: String
        let namespace: String?
        let serverAddress: String?
        let serverPort: Int?
    }

    private let attributes = ThreadLock<[AttributesKey: SpanAttributes]>([:])

    /// Caches hold at most this many entries: SQL built on the fly (an `IN` list of every length)
    /// is described afresh each time rather than kept forever.
    static let cacheLimit = 2_000

    /// A statement span's attributes, made once per SQL and database (a span copies them, which
    /// costs a reference count, where setting them one by one builds a dictionary each time).
    func attributes(of operation: DatabaseOperation) -> SpanAttributes {
        let key = AttributesKey(
            sql: operation.sql, system: operation.system, namespace: operation.namespace,
            serverAddress: operation.serverAddress, serverPort: operation.serverPort)
        if let cached = attributes.withLock({ $0[key] }) { return cached }
        var made = SpanAttributes()
        made["db.system.name"] = operation.system
        if let value = operation.collectionName { made["db.collection.name"] = value }
        if let value = operation.operationName { made["db.operation.name"] = value }
        if let value = operation.sql { made["db.query.text"] = value }
        if let value = operation.namespace { made["db.namespace"] = value }
        if let value = operation.serverAddress { made["server.address"] = value }
        if let value = operation.serverPort { made["server.port"] = value }
        attributes.withLock { if $0.count < Self.cacheLimit { $0[key] = made } }
        return made
    }

    /// The shape of an operation, made once per system, operation and table: every statement
    /// asks, so this must cost a dictionary lookup and nothing more.
    func shape(of operation: DatabaseOperation) -> Shape {
        let key = ShapeKey(
            system: operation.system, operation: operation.operationName, collection: operation.collectionName,
            isTransaction: operation.isTransaction)
        if let shape = shapes.withLock({ $0[key] }) { return shape }
        let shape: Shape
        if operation.isTransaction {
            shape = Shape(name: "TRANSACTION", duration: nil)
        } else {
            let name = [operation.operationName, operation.collectionName].compactMap { $0 }.joined(separator: " ")
            shape = Shape(
                name: name.isEmpty ? "statement" : name,
                duration: timer(
                    "db.client.operation.duration",
                    [
                        ("db.system.name", operation.system), ("db.operation.name", operation.operationName ?? ""),
                        ("db.collection.name", operation.collectionName ?? ""),
                    ]))
        }
        shapes.withLock { if $0.count < Self.cacheLimit { $0[key] = shape } }
        return shape
    }

    /// The dimensions of every series past the cache's limit: the same names (a metric keeps one
    /// set of them), every value `_OTHER`. A process that makes SQL with ever new table names gets
    /// one more series, not one per name.
    static func overflow(_ dimensions: [(String, String)]) -> [(String, String)] {
        dimensions.map { ($0.0, "_OTHER") }
    }

    fileprivate static func key(_ label: String, _ dimensions: [(String, String)]) -> Key {
        Key(label: label, dimensions: dimensions.flatMap { [$0.0, $0.1] })
    }

    func timer(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Timer {
        timers.withLock { series in
            series.handler(label, dimensions) { CoreMetrics.Timer(label: label, dimensions: $0, factory: factory) }
        }
    }

    func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        counters.withLock { series in
            series.handler(label, dimensions) { Counter(label: label, dimensions: $0, factory: factory) }
        }
    }

    func meter(_ label: String, _ dimensions: [(String, String)]) -> Meter {
        meters.withLock { series in
            series.handler(label, dimensions) { Meter(label: label, dimensions: $0, factory: factory) }
        }
    }
}
