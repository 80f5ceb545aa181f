import Foundation
import InMemoryTracing
import Logging
import ServiceLifecycle
import Tracing

/// Traces written to the log, one indented tree per request, for a wiki run without a trace
/// collector (`WIKI_TRACES=1`). The spans are recorded by an `InMemoryTracer` that the process
/// bootstraps; this service takes the finished ones twice a second and logs each trace once its
/// root (the request's span) has ended. A production server would bootstrap an OpenTelemetry
/// exporter instead; the spans are the same.
public struct TraceLog: Service {
    /// The tracer the process bootstrapped, whose finished spans this logs.
    public let tracer: InMemoryTracer
    private let logger: Logger
    private let interval: Duration

    /// At most this many spans wait for their root; past it the oldest traces are dropped (a root
    /// that never ends must not grow the process without bound).
    static let maximumWaitingSpans = 10_000

    /// A service logging the traces `tracer` records to `logger` at `info`.
    public init(tracer: InMemoryTracer, logger: Logger, interval: Duration = .milliseconds(500)) {
        self.tracer = tracer
        self.logger = logger
        self.interval = interval
    }

    /// A tracer for `InstrumentationSystem.bootstrap`: random ids, and nothing kept but spans.
    public static func makeTracer() -> InMemoryTracer {
        InMemoryTracer(
            idGenerator: .init(
                nextTraceID: { String(UInt64.random(in: 1...UInt64.max), radix: 16) },
                nextSpanID: { String(UInt64.random(in: 1...UInt64.max), radix: 16) }),
            recordInjections: false, recordExtractions: false)
    }

    /// Logs traces until the service group shuts down, then logs what is left.
    public func run() async throws {
        var waiting = Waiting()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: interval)
            for trace in waiting.add(tracer.popFinishedSpans()) {
                logger.info("trace\n\(Self.render(trace).joined(separator: "\n"))")
            }
        }
    }

    /// The lines of one trace: each span under its parent, children in the order they began, with
    /// its duration and attributes.
    public static func render(_ spans: [FinishedInMemorySpan]) -> [String] {
        let ids = Set(spans.map(\.spanID))
        let children = Dictionary(grouping: spans) { span in span.parentSpanID.flatMap { ids.contains($0) ? $0 : nil } }
        var lines: [String] = []
        func add(_ parent: String?, depth: Int) {
            let sorted = (children[parent] ?? []).sorted {
                $0.startInstant.nanosecondsSinceEpoch < $1.startInstant.nanosecondsSinceEpoch
            }
            for span in sorted {
                lines.append(String(repeating: "  ", count: depth) + line(span))
                add(span.spanID, depth: depth + 1)
            }
        }
        add(nil, depth: 0)
        return lines
    }

    /// `NAME  1.234 ms  key=value ...` (attributes sorted by key; events last).
    static func line(_ span: FinishedInMemorySpan) -> String {
        let nanoseconds = span.endInstant.nanosecondsSinceEpoch &- span.startInstant.nanosecondsSinceEpoch
        var attributes: [String] = []
        // swift-format-ignore: ReplaceForEachWithForLoop
        // (SpanAttributes is not a Sequence.)
        span.attributes.forEach { key, value in attributes.append("\(key)=\(describe(value))") }
        var text = "\(span.operationName)  \(String(format: "%.3f", Double(nanoseconds) / 1e6)) ms"
        if !attributes.isEmpty { text += "  " + attributes.sorted().joined(separator: " ") }
        if !span.events.isEmpty { text += "  events: " + span.events.map(\.name).joined(separator: ", ") }
        return text
    }

    /// A value as it reads in a log line (strings quoted).
    static func describe(_ value: SpanAttribute) -> String {
        switch value {
        case .string(let string): "\"\(string)\""
        case .int64(let number): String(number)
        case .int32(let number): String(number)
        case .double(let number): String(number)
        case .bool(let flag): String(flag)
        default: "\(value)"
        }
    }

    /// Finished spans whose trace's root has not ended yet.
    struct Waiting {
        private var spans: [String: [FinishedInMemorySpan]] = [:]
        private var order: [String] = []
        private(set) var count = 0

        /// Adds `finished`, and returns the traces now complete (their root ended).
        mutating func add(_ finished: [FinishedInMemorySpan]) -> [[FinishedInMemorySpan]] {
            var complete: [String] = []
            for span in finished {
                if spans[span.traceID] == nil { order.append(span.traceID) }
                spans[span.traceID, default: []].append(span)
                count += 1
                if span.parentSpanID == nil { complete.append(span.traceID) }
            }
            let traces = complete.compactMap { id -> [FinishedInMemorySpan]? in
                guard let trace = spans.removeValue(forKey: id) else { return nil }
                count -= trace.count
                return trace
            }
            order.removeAll { spans[$0] == nil }
            while count > TraceLog.maximumWaitingSpans, let oldest = order.first {
                order.removeFirst()
                count -= spans.removeValue(forKey: oldest)?.count ?? 0
            }
            return traces
        }
    }
}
