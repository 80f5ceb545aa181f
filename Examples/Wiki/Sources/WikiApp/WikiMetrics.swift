import Prometheus

/// The wiki's metrics in Prometheus' format.
public enum WikiMetrics {
    /// A factory recording into `registry`, whose database timers have buckets from 100 µs (a
    /// statement on SQLite takes tens of microseconds; the default buckets begin at 5 ms).
    public static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        let buckets: [Duration] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        factory.durationHistogramBuckets["db.client.operation.duration"] = buckets
        factory.durationHistogramBuckets["db.client.connection.wait_time"] = buckets
        return factory
    }
}
