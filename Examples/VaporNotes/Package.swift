// swift-tools-version:6.2
// Notes: a small Vapor 4 JSON API whose notes are protected by optimistic locking (list, create,
// read with ETag, edit with If-Match, delete). A separate package, so that users of
// swift-optimistic-lock never build Vapor.
import PackageDescription

/// A path dependency is known by its folder's name, which is whatever the checkout is called.
let root = String(Context.packageDirectory.split(separator: "/").dropLast(2).last ?? "swift-optimistic-lock")

let package = Package(
    name: "VaporNotes",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../..", traits: ["Vapor"]),
        // 4.111 is the first with VaporTesting (Swift Testing), which the tests use.
        .package(url: "https://github.com/vapor/vapor", from: "4.111.0"),
        // 1.8 is the first with InMemoryLogging, which the tests use.
        .package(url: "https://github.com/apple/swift-log", from: "1.8.0"),
    ],
    targets: [
        // The models: a target of .schema files (and one Swift file, Exports.swift).
        .target(
            name: "NotesModels",
            dependencies: [.product(name: "OptimisticLock", package: root)],
            plugins: [.plugin(name: "OptimisticLockPlugin", package: root)]
        ),
        // The routes, generic over the pool (SQLite or PostgreSQL).
        .target(
            name: "NotesApp",
            dependencies: [
                "NotesModels",
                .product(name: "OptimisticLockHTTP", package: root),
                .product(name: "OptimisticLockVapor", package: root),
                .product(name: "Vapor", package: "vapor"),
            ]
        ),
        .executableTarget(
            name: "VaporNotes",
            dependencies: [
                "NotesApp",
                .product(name: "OptimisticLockPostgres", package: root),
                .product(name: "Vapor", package: "vapor"),
            ]
        ),
        // The Vapor examples of the root package's docs, extracted by its DocSnippetTests: compiling
        // this target is the test that they still compile (warnings off: an example may leave a
        // value unused).
        .target(
            name: "NotesDocSnippets",
            dependencies: [
                "NotesModels",
                .product(name: "OptimisticLockVapor", package: root),
                .product(name: "Vapor", package: "vapor"),
            ],
            path: "Tests/DocSnippets",
            swiftSettings: [.unsafeFlags(["-suppress-warnings"])]
        ),
        .testTarget(
            name: "VaporNotesTests",
            dependencies: [
                "NotesApp",
                "NotesDocSnippets",
                .product(name: "OptimisticLockPostgres", package: root),
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
