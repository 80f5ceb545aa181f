// swift-tools-version:6.1
// Benchmarks: generated code against the raw sqlite3 C API and GRDB, measured in one process.
// A separate package so that users of swift-optimistic-lock never build GRDB.
import PackageDescription

/// A path dependency is known by its folder's name, which is whatever the checkout is called.
let root = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "swift-optimistic-lock")

let package = Package(
    name: "Benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.3.0"),
    ],
    targets: [
        .executableTarget(
            name: "Benchmarks",
            dependencies: [
                .product(name: "OptimisticLock", package: root),
                .product(name: "OptimisticLockPostgres", package: root),
                .product(name: "_OptimisticLockCompiler", package: root),
                .product(name: "OptimisticLockTelemetry", package: root),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            plugins: [.plugin(name: "OptimisticLockPlugin", package: root)]
        )
    ],
    swiftLanguageModes: [.v6]
)
