// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "swift-optimistic-lock",
    // The runtime uses the standard library's Synchronization module (Mutex, Atomic) for its pools.
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11), .visionOS(.v2)],
    products: [
        .library(name: "OptimisticLock", targets: ["OptimisticLock"]),
        .library(name: "OptimisticLockPostgres", targets: ["OptimisticLockPostgres"]),
        .library(name: "OptimisticLockHTTP", targets: ["OptimisticLockHTTP"]),
        .library(name: "OptimisticLockServiceLifecycle", targets: ["OptimisticLockServiceLifecycle"]),
        .library(name: "OptimisticLockTelemetry", targets: ["OptimisticLockTelemetry"]),
        // Hummingbird 2 integration; empty unless the dependency enables the "Hummingbird" trait.
        .library(name: "OptimisticLockHummingbird", targets: ["OptimisticLockHummingbird"]),
        // Vapor 4 integration; empty unless the dependency enables the "Vapor" trait.
        .library(name: "OptimisticLockVapor", targets: ["OptimisticLockVapor"]),
        .library(name: "_OptimisticLockCompiler", targets: ["_OptimisticLockCompiler"]),
        .executable(name: "optimistic-lock", targets: ["optimistic-lock"]),
        .plugin(name: "OptimisticLockPlugin", targets: ["OptimisticLockPlugin"]),
        .plugin(name: "GenerateModelsPlugin", targets: ["GenerateModelsPlugin"]),
    ],
    // Framework integrations are behind traits: a package that does not enable one never resolves,
    // fetches or builds the framework.
    traits: [
        .trait(
            name: "Hummingbird",
            description: "OptimisticLockHummingbird: HTTP problems as Hummingbird responses, an error middleware, ETag helpers"
        ),
        .trait(
            name: "Vapor",
            description: "OptimisticLockVapor: HTTP problems as Vapor responses, an error middleware, ETag helpers"
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // swift-log 1.8 and swift-distributed-tracing 1.3 are the first with InMemoryLogging and
        // InMemoryTracing, which the tests use.
        .package(url: "https://github.com/apple/swift-log", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.3.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/vapor/vapor", from: "4.100.0"),
        // Documentation only (`swift package generate-documentation`): a plugin, nothing users link.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // MARK: Runtime
        // The SQL of the statements models run, spelled in one place for the compiler and the runtime.
        .target(name: "OptimisticLockSQL"),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(
            name: "OptimisticLock",
            dependencies: ["CSQLite", "OptimisticLockSQL"]
        ),

        // PostgreSQL: a separate product, so SQLite-only users never link libpq.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "OptimisticLockPostgres",
            dependencies: ["OptimisticLock", "OptimisticLockSQL", "CLibPQ"]
        ),

        // ETags, If-Match and statuses over apple/swift-http-types: a separate product, so users who
        // do not want it never link it.
        .target(
            name: "OptimisticLockHTTP",
            dependencies: ["OptimisticLock", .product(name: "HTTPTypes", package: "swift-http-types")]
        ),

        // A pool as a swift-service-lifecycle Service (closed at graceful shutdown): a separate
        // product, so the runtime never depends on it.
        .target(
            name: "OptimisticLockServiceLifecycle",
            dependencies: ["OptimisticLock", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),

        // Hummingbird 2: compiled only with the "Hummingbird" trait (its sources are `#if Hummingbird`).
        .target(
            name: "OptimisticLockHummingbird",
            dependencies: [
                "OptimisticLock", "OptimisticLockHTTP",
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["Hummingbird"])),
            ]
        ),

        // Vapor 4: compiled only with the "Vapor" trait (its sources are `#if Vapor`).
        .target(
            name: "OptimisticLockVapor",
            dependencies: [
                "OptimisticLock", "OptimisticLockHTTP",
                .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
            ]
        ),

        // Logs, metrics and traces of the pools and connections (swift-log, swift-metrics,
        // swift-distributed-tracing, OpenTelemetry's names): a separate product, so the runtime
        // depends on none of them.
        .target(
            name: "OptimisticLockTelemetry",
            dependencies: [
                "OptimisticLock",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),

        // MARK: Schema compiler and CLI
        .target(name: "_OptimisticLockCompiler", dependencies: ["OptimisticLockSQL"]),
        // generate, check, sql: shared by the CLI and the plugins' tool.
        .target(
            name: "OptimisticLockCommands",
            dependencies: [
                "_OptimisticLockCompiler", "OptimisticLockSQL",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The CLI: the schema commands, and migrate/diff, which talk to SQLite or PostgreSQL.
        .executableTarget(
            name: "optimistic-lock",
            dependencies: [
                "OptimisticLockCommands", "OptimisticLock", "OptimisticLockPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The plugins' tool: the schema commands only, so building it never needs libpq.
        .executableTarget(
            name: "optimistic-lock-generate",
            dependencies: [
                "OptimisticLockCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Plugins and demo
        .plugin(
            name: "OptimisticLockPlugin",
            capability: .buildTool(),
            dependencies: ["optimistic-lock-generate"]
        ),
        .plugin(
            name: "GenerateModelsPlugin",
            capability: .command(
                intent: .custom(
                    verb: "generate-models",
                    description: "Write the Swift generated from .schema files into each target's Generated/ folder"),
                permissions: [.writeToPackageDirectory(reason: "writes the generated models into the target's Generated/ folder")]
            ),
            dependencies: ["optimistic-lock-generate"]
        ),
        // The demo compiles Schemas/ (linked into its folder) through the build-tool plugin, as a user's target would.
        .executableTarget(
            name: "optimistic-lock-demo",
            dependencies: ["OptimisticLock"],
            plugins: ["OptimisticLockPlugin"]
        ),

        // MARK: Tests
        // The Swift generated from Schemas/, checked in as golden files: compiling this target is what
        // keeps the golden files from rotting, and the runtime tests run against it.
        .target(
            name: "TestModels",
            dependencies: ["OptimisticLock"],
            path: "Tests/TestModels"
        ),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // The Swift examples of the README, the DocC articles and the Quick Help, extracted by
        // DocSnippetTests: compiling this target is the test that they still compile. (Warnings are
        // off here only: an example may leave a value unused.)
        .target(
            name: "DocSnippets",
            dependencies: [
                "OptimisticLock", "OptimisticLockPostgres", "OptimisticLockHTTP", "OptimisticLockTelemetry",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/DocSnippets",
            swiftSettings: [.unsafeFlags(["-suppress-warnings"])],
            plugins: ["OptimisticLockPlugin"]
        ),
        .testTarget(
            name: "OptimisticLockCompilerTests",
            dependencies: ["_OptimisticLockCompiler", "OptimisticLockSQL", "TestSupport", "optimistic-lock"],
            exclude: ["Fixtures"]
        ),
        .executableTarget(
            name: "contention-worker",
            dependencies: ["OptimisticLock", "OptimisticLockPostgres", "TestModels"],
            path: "Tests/ContentionWorker"
        ),
        .testTarget(
            name: "OptimisticLockTests",
            dependencies: [
                "OptimisticLock", "OptimisticLockPostgres", "OptimisticLockHTTP", "OptimisticLockServiceLifecycle",
                "OptimisticLockTelemetry", "TestModels", "TestSupport", "contention-worker", "optimistic-lock", "DocSnippets",
                "_OptimisticLockCompiler", "OptimisticLockSQL",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
