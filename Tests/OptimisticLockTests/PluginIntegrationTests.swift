import Foundation
import TestSupport
import Testing

/// A separate package that depends on this one by path and applies the plugin, built and run exactly
/// as a user would. Slow (it builds this package again in its own build folder): set
/// OPTIMISTIC_LOCK_SKIP_INTEGRATION=1 to skip it locally; CI always runs it.
@Suite(
    "Plugin integration", .serialized,
    .enabled(
        if: ProcessInfo.processInfo.environment["OPTIMISTIC_LOCK_SKIP_INTEGRATION"] != "1",
        "skipped: OPTIMISTIC_LOCK_SKIP_INTEGRATION=1"))
struct PluginIntegrationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Copies the fixture package to a temporary folder, pointing its dependency at this checkout through
    /// a link named `swift-optimistic-lock` (a path dependency is known by its folder's name).
    func makePackage() throws -> URL {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("ol-integration-\(UUID().uuidString)")
        let folder = base.appendingPathComponent("app")
        let link = base.appendingPathComponent("swift-optimistic-lock")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: Self.root)
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("Tests/IntegrationPackage"), to: folder)
        let template = folder.appendingPathComponent("Package.swift.template")
        let manifest = try String(contentsOf: template, encoding: .utf8).replacingOccurrences(of: "@ROOT@", with: link.path)
        try manifest.write(to: folder.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: template)
        return folder
    }

    func swift(_ arguments: [String], in folder: URL) throws -> BuiltExecutable.Result {
        try BuiltExecutable.run("/usr/bin/env", ["swift"] + arguments, in: folder)
    }

    @Test("A user's package builds through the plugin, runs on SQLite, and a schema error fails the build at its line")
    func userPackage() throws {
        let package = try makePackage()
        defer { try? FileManager.default.removeItem(at: package.deletingLastPathComponent()) }

        let build = try swift(["build"], in: package)
        #expect(build.status == 0, "\(build.stdout)\n\(build.stderr)")
        #expect(build.stdout.contains("Generating Swift from 2 schema files"))
        #expect(build.stdout.contains("Generating Swift from 1 schema file"), "the models-only target was compiled too")

        // A plain user enables no framework trait: Hummingbird and Vapor are never resolved, fetched or built.
        let checkouts =
            (try? FileManager.default.contentsOfDirectory(atPath: package.appendingPathComponent(".build/checkouts").path)) ?? []
        #expect(
            checkouts.contains("swift-log") && !checkouts.contains("hummingbird") && !checkouts.contains("vapor"), "\(checkouts)")
        let resolved = (try? String(contentsOf: package.appendingPathComponent("Package.resolved"), encoding: .utf8)) ?? ""
        #expect(!resolved.contains("hummingbird") && !resolved.contains("vapor"), "\(resolved)")

        let run = try BuiltExecutable.run(package.appendingPathComponent(".build/debug/App").path, [])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "stock 7 conflict expected->actual lines 1\npool stock 80\ncatalog Acme\n")

        // Nothing changed: the generator does not run again. (The second build of a new package relinks
        // SwiftPM's host copy of the tool once, which reruns it; from the third build on nothing runs.)
        _ = try swift(["build"], in: package)
        let again = try swift(["build"], in: package)
        #expect(again.status == 0)
        #expect(!again.stdout.contains("Generating Swift"), "\(again.stdout)")

        // optimistic-lock.json asked for internal declarations.
        let generated = try String(
            contentsOf: package.appendingPathComponent(
                ".build/plugins/outputs/app/App/destination/OptimisticLockPlugin/Generated/Shop.swift"), encoding: .utf8)
        #expect(generated.contains("\nstruct Item: Codable"))

        // The command plugin writes the same code into the source tree, for review in git; it reads
        // the target's optimistic-lock.json too (no --access given: internal comes from the file).
        let command = try swift(
            ["package", "--allow-writing-to-package-directory", "generate-models", "--target", "App"], in: package)
        #expect(command.status == 0, "\(command.stdout)\n\(command.stderr)")
        // App applies the build plugin too: told that the two would declare every type twice.
        #expect(
            (command.stdout + command.stderr).contains("target App also applies the build plugin OptimisticLockPlugin"),
            "\(command.stdout)\n\(command.stderr)")
        let written = package.appendingPathComponent("Sources/App/Generated")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: written.path).sorted()
                == ["OptimisticLockSchema.swift", "Orders.swift", "Shop.swift"])
        #expect(try String(contentsOf: written.appendingPathComponent("Shop.swift"), encoding: .utf8) == generated)
        try FileManager.default.removeItem(at: written)

        // --access applies to every target, not only the first one with schemas.
        let everyTarget = try swift(
            ["package", "--allow-writing-to-package-directory", "generate-models", "--access", "package"], in: package)
        #expect(everyTarget.status == 0, "\(everyTarget.stdout)\n\(everyTarget.stderr)")
        let catalog = package.appendingPathComponent("Sources/Catalog/Generated")
        #expect(
            try String(contentsOf: catalog.appendingPathComponent("Catalog.swift"), encoding: .utf8)
                .contains("package struct Brand"))
        #expect(
            try String(contentsOf: written.appendingPathComponent("Shop.swift"), encoding: .utf8)
                .contains("package struct Item"))
        try FileManager.default.removeItem(at: written)
        try FileManager.default.removeItem(at: catalog)

        // A misspelt option, or one without its value, is an error: nothing is generated with defaults.
        for arguments in [["--target", "App", "--acess", "internal"], ["--target", "App", "--access"]] {
            let typo = try swift(["package", "--allow-writing-to-package-directory", "generate-models"] + arguments, in: package)
            #expect(typo.status != 0, "\(arguments)")
            #expect(!FileManager.default.fileExists(atPath: written.path), "\(arguments)")
        }

        // Two schemas with one output name (one in a sub-folder): the plugin says which, before
        // SwiftPM's "multiple producers".
        let twin = package.appendingPathComponent("Sources/Catalog/More/Catalog.schema")
        try FileManager.default.createDirectory(at: twin.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "model Other {\n    id: Int64 @id\n    version: Version\n}\n".write(to: twin, atomically: true, encoding: .utf8)
        let twins = try swift(["build"], in: package)
        #expect(twins.status != 0)
        #expect(
            (twins.stdout + twins.stderr).contains("its output Catalog.swift would overwrite"), "\(twins.stdout)\n\(twins.stderr)"
        )
        try FileManager.default.removeItem(at: twin.deletingLastPathComponent())

        // A hand-written file named like a schema's output: a clear error, not "multiple producers".
        let clash = package.appendingPathComponent("Sources/Catalog/Catalog.swift")
        try "// clashes\n".write(to: clash, atomically: true, encoding: .utf8)
        let clashed = try swift(["build"], in: package)
        #expect(clashed.status != 0)
        #expect(
            (clashed.stdout + clashed.stderr).contains(
                "'Catalog.swift' is the name of a file generated from the target's schemas"),
            "\(clashed.stdout)\n\(clashed.stderr)")
        try FileManager.default.removeItem(at: clash)

        // A broken schema: the build fails with a located error at the schema's line.
        let broken = package.appendingPathComponent("Sources/App/Broken.schema")
        try "model Broken {\n    id: Int64 @id\n    title: Strng\n}\n".write(to: broken, atomically: true, encoding: .utf8)
        let failed = try swift(["build"], in: package)
        #expect(failed.status != 0)
        let output = failed.stdout + failed.stderr
        #expect(output.contains("\(broken.path):3:12: error: unknown type 'Strng'"), "\(output)")
        #expect(output.contains("\(broken.path):1:7: error: model 'Broken' has no version field"), "\(output)")
    }
}
