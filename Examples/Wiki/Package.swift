// swift-tools-version:6.2
// The example wiki: a Hummingbird 2 app whose edit forms and JSON API are protected by optimistic
// locking. A separate package, so that users of swift-optimistic-lock never build Hummingbird.
import PackageDescription

/// A path dependency is known by its folder's name, which is whatever the checkout is called.
let root = String(Context.packageDirectory.split(separator: "/").dropLast(2).last ?? "swift-optimistic-lock")

let package = Package(
    name: "Wiki",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../..", traits: ["Hummingbird"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.30.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.3.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
    ],
    targets: [
        // The models: a target of .schema files (and one Swift file, Exports.swift).
        .target(
            name: "WikiModels",
            dependencies: [.product(name: "OptimisticLock", package: root)],
            plugins: [.plugin(name: "OptimisticLockPlugin", package: root)]
        ),
        // The routes, generic over the pool (SQLite or PostgreSQL).
        .target(
            name: "WikiApp",
            dependencies: [
                "WikiModels",
                .product(name: "OptimisticLockHTTP", package: root),
                .product(name: "OptimisticLockHummingbird", package: root),
                .product(name: "OptimisticLockPostgres", package: root),
                .product(name: "OptimisticLockServiceLifecycle", package: root),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "Wiki",
            dependencies: [
                "WikiApp",
                .product(name: "OptimisticLockTelemetry", package: root),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // A client of the JSON API, and the concurrent editors the load script and the tests run.
        .target(
            name: "WikiClient",
            dependencies: [.product(name: "AsyncHTTPClient", package: "async-http-client")]
        ),
        // A load script: 16 concurrent editors of one page through the JSON API.
        .executableTarget(
            name: "WikiLoad",
            dependencies: ["WikiApp", "WikiClient", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
        // The Hummingbird examples of the root package's docs, extracted by its DocSnippetTests:
        // compiling this target is the test that they still compile (warnings off: an example may
        // leave a value unused).
        .target(
            name: "WikiDocSnippets",
            dependencies: [
                "WikiModels",
                .product(name: "OptimisticLockHummingbird", package: root),
                .product(name: "OptimisticLockServiceLifecycle", package: root),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Tests/DocSnippets",
            swiftSettings: [.unsafeFlags(["-suppress-warnings"])]
        ),
        .testTarget(
            name: "WikiTests",
            dependencies: [
                "WikiApp",
                "WikiDocSnippets",
                "WikiClient",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "OptimisticLockTelemetry", package: root),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
