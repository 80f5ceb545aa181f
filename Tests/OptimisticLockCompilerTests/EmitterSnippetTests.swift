import Foundation
import OptimisticLockSQL
import TestSupport
import Testing
import _OptimisticLockCompiler

/// One emitter feature per test: a tiny schema in, the few lines it must produce out, so that an
/// emitter change fails the tests about the feature it changed (the whole-file goldens fail too,
/// with a diff). The snippets are matched line by line, whitespace at the ends ignored.
@Suite("Emitter snippets")
struct EmitterSnippetTests {
    /// The Swift emitted for `schema` (one file), failing the test on diagnostics.
    static func emit(_ schema: String, access: AccessLevel = .public) throws -> String {
        let compilation = Compiler.compile([SourceFile(path: "Snippet.schema", text: schema)])
        try #require(!compilation.hasErrors, "\(compilation.renderedDiagnostics)")
        return try #require(compilation.swiftSource(forFile: 0, access: access))
    }

    /// The table description the emitter writes for `model`, from which the runtime spells its SQL.
    static func table(_ schema: String, _ model: String) throws -> TableDescription {
        let compilation = Compiler.compile([SourceFile(path: "Snippet.schema", text: schema)])
        let found = try #require(compilation.schema.model(named: model), "\(compilation.renderedDiagnostics)")
        return found.tableDescription(in: compilation.schema)
    }

    static func normalized(_ text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Expects the snippet's lines to appear consecutively in `source`.
    static func expect(_ source: String, contains snippet: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = normalized(source)
        let wanted = normalized(snippet)
        let found = lines.indices.contains { start in
            start + wanted.count <= lines.count && Array(lines[start..<(start + wanted.count)]) == wanted
        }
        if !found {
            Issue.record("the emitted code lacks:\n\(snippet)\n--- in ---\n\(source)", sourceLocation: sourceLocation)
        }
    }

    static let base = "id: Int64 @id\n    version: Version\n"

    @Test("An optional field: its property, its binding (NULL for nil) and its reader")
    func optionalField() throws {
        let source = try Self.emit("model Note {\n    \(Self.base)    title: String?\n}")
        Self.expect(source, contains: "public var title: String?")
        Self.expect(source, contains: "statement.bindValue(self.title, at: 1)")
        Self.expect(source, contains: "self.title = try row.read(String?.self, at: 2)")
        Self.expect(source, contains: #"ColumnDescription(name: "title", type: .text, isOptional: true),"#)
    }

    @Test(
        "Every field type binds and reads through its DatabaseStorable conformance: one spelling",
        arguments: [
            ("Int64", ".integer64"), ("Int32", ".integer32"), ("Int", ".integer64"), ("Double", ".double"),
            ("Bool", ".boolean"), ("String", ".text"), ("Data", ".bytes"), ("Date", ".timestamp"),
            ("UUID", ".uuid"), ("Decimal", ".decimal"),
        ])
    func fieldTypes(type: String, columnType: String) throws {
        let source = try Self.emit("model Thing {\n    \(Self.base)    value: \(type)\n}")
        Self.expect(source, contains: "public var value: \(type)")
        Self.expect(source, contains: "statement.bindValue(self.value, at: 1)")
        Self.expect(source, contains: "case .value: statement.bindValue(self.value, at: index)")
        Self.expect(source, contains: "self.value = try row.read(\(type).self, at: 2)")
        Self.expect(source, contains: #"ColumnDescription(name: "value", type: \#(columnType)),"#)
    }

    @Test("A Decimal default is exact in Swift (never through a Double) and canonical in the DDL")
    func decimalDefaults() throws {
        let schema = """
            model Price {
                \(Self.base)    a: Decimal = 0.10
                b: Decimal = -3
                c: Decimal = 007.050
                d: Decimal = 123_456.000_001
            }
            """
        let source = try Self.emit(schema)
        Self.expect(source, contains: "a: Decimal = Decimal(sign: .plus, exponent: -1, significand: 1),")
        Self.expect(source, contains: "b: Decimal = -3,")
        Self.expect(source, contains: "c: Decimal = Decimal(sign: .plus, exponent: -2, significand: 705),")
        Self.expect(source, contains: "d: Decimal = Decimal(sign: .plus, exponent: -6, significand: 123456000001)")
        let table = try Self.table(schema, "Price")
        let sqlite = table.sql(.createTable, .sqlite)
        #expect(sqlite.contains(#""a" DECIMAL TEXT NOT NULL DEFAULT '0.1'"#), "\(sqlite)")
        #expect(sqlite.contains(#""c" DECIMAL TEXT NOT NULL DEFAULT '7.05'"#), "\(sqlite)")
        let postgres = table.sql(.createTable, .postgres)
        #expect(postgres.contains(#""b" numeric NOT NULL DEFAULT -3"#), "\(postgres)")
        #expect(postgres.contains(#""d" numeric NOT NULL DEFAULT 123456.000001"#), "\(postgres)")
    }

    @Test("A Decimal default with an exponent or more than 18 digits is an error at its column")
    func decimalDefaultErrors() {
        for literal in ["1e5", "1234567890.123456789", "true", "\"1.5\""] {
            let schema = "model Price {\n    \(Self.base)    a: Decimal = \(literal)\n}"
            let compilation = Compiler.compile([SourceFile(path: "Snippet.schema", text: schema)])
            #expect(compilation.hasErrors, "\(literal)")
            #expect(compilation.renderedDiagnostics.contains("Snippet.schema:4:18: error:"), "\(compilation.renderedDiagnostics)")
        }
    }

    @Test("An enum: stored as its case name, read with a check, a DatabaseEnum")
    func enumField() throws {
        let source = try Self.emit("enum Mood { calm, busy }\nmodel Day {\n    \(Self.base)    mood: Mood = .calm\n}")
        Self.expect(source, contains: "public enum Mood: String, Codable, CaseIterable, Hashable, Sendable, DatabaseEnum {")
        Self.expect(source, contains: "statement.bindValue(self.mood, at: 1)")
        Self.expect(source, contains: "self.mood = try row.read(Mood.self, at: 2)")
        Self.expect(source, contains: "public init(id: Int64? = nil, mood: Mood = .calm) {")
    }

    @Test("@column names the SQL column; the Column case keeps the Swift name")
    func columnAttribute() throws {
        let schema = "model Tag {\n    \(Self.base)    label: String @column(\"tag_label\")\n}"
        let source = try Self.emit(schema)
        Self.expect(source, contains: "case label = \"tag_label\"")
        Self.expect(source, contains: #"ColumnDescription(name: "tag_label", type: .text),"#)
        #expect(
            try Self.table(schema, "Tag").sql(.update, .sqlite)
                == #"UPDATE "tag" SET "tag_label" = ?, "version" = ? WHERE "id" = ? AND "version" = ?"#)
    }

    @Test("A database-assigned key receives the row id; a caller-assigned one does not")
    func keys() throws {
        let assigned = try Self.emit("model A {\n    \(Self.base)}")
        Self.expect(assigned, contains: "public var primaryKey: Int64? { self.id }")
        Self.expect(assigned, contains: "public mutating func didInsert(rowID: Int64) {\nself.id = rowID\n}")
        let chosen = try Self.emit("model B {\n    code: String @id\n    version: Version\n}")
        Self.expect(chosen, contains: "public var id: String { code }")
        Self.expect(chosen, contains: "public var primaryKey: String? { self.code }")
        #expect(!chosen.contains("didInsert"))
    }

    @Test("A version field with another name gets a `version` accessor")
    func versionName() throws {
        let source = try Self.emit("model Doc {\n    id: Int64 @id\n    revision: Version\n}")
        Self.expect(source, contains: "public var version: Int64 {\nget { revision }\nset { revision = newValue }\n}")
        Self.expect(source, contains: "public static var versionColumn: Column { .revision }")
    }

    @Test("@unversioned: an UnversionedModel with an upsert and no version")
    func unversioned() throws {
        let schema = "@unversioned\nmodel Log {\n    id: Int64 @id\n    x: String\n}"
        let source = try Self.emit(schema)
        Self.expect(source, contains: "extension Log: UnversionedModel {")
        Self.expect(source, contains: #"key: "id", keyIsAssignedByDatabase: true, version: nil)"#)
        let table = try Self.table(schema, "Log")
        #expect(table.has(.upsert) && !table.has(.currentVersion))
        #expect(
            table.sql(.upsert, .postgres)
                == #"INSERT INTO "log" ("x", "id") VALUES ($1, $2) ON CONFLICT ("id") DO UPDATE SET "x" = excluded."x""#)
        #expect(!source.contains("versionColumn"))
    }

    @Test("@unique: a finder returning one record")
    func uniqueFinder() throws {
        let source = try Self.emit("model User {\n    \(Self.base)    email: String @unique\n}")
        Self.expect(
            source, contains: "public static func find(_ db: some DatabaseConnection, email value0: String) throws -> User? {")
        Self.expect(source, contains: #"private static let findByEmail = SQLStatement.select(table, where: ["email"])"#)
        Self.expect(source, contains: "try fetchOneWhere(db, findByEmail, value0)")
    }

    @Test("@index(a, b): a finder and a count per prefix")
    func indexFinders() throws {
        let source = try Self.emit("@index(city, street)\nmodel Shop {\n    \(Self.base)    city: String\n    street: String\n}")
        Self.expect(
            source, contains: "public static func fetchAll(_ db: some DatabaseConnection, city value0: String) throws -> [Shop] {"
        )
        Self.expect(source, contains: "try fetchAllWhere(db, selectByCityStreet, value0, value1)")
        Self.expect(source, contains: "try countWhere(db, countByCity, value0)")
        Self.expect(
            source, contains: #"private static let countByCityStreet = SQLStatement.count(table, where: ["city", "street"])"#)
    }

    @Test("@references: both accessors, a finder, and an index in the DDL")
    func references() throws {
        let schema = "model Team {\n    \(Self.base)}\nmodel Player {\n    \(Self.base)    teamID: Int64 @references(Team)\n}"
        let source = try Self.emit(schema)
        Self.expect(
            source,
            contains: "public func team(_ db: some DatabaseConnection) throws -> Team? {\ntry Team.find(db, id: self.teamID)\n}")
        Self.expect(
            source,
            contains: """
                extension Team {
                /// The `Player` records whose `teamID` references this record, in primary-key order.
                public func players(_ db: some DatabaseConnection) throws -> [Player] {
                guard let key = self.id else { return [] }
                return try Player.fetchAll(db, teamID: key)
                }
                }
                """)
        Self.expect(
            source,
            contains: """
                ColumnDescription(
                name: "team_id",
                type: .integer64,
                references: ColumnReference(table: "team", column: "id")
                ),
                """)
        Self.expect(source, contains: #"key: "id", keyIsAssignedByDatabase: true, version: "version", indexes: [["team_id"]])"#)
        #expect(
            try Self.table(schema, "Player").createTable(.sqlite)
                .contains(#"CREATE INDEX IF NOT EXISTS "player_team_id_idx" ON "player" ("team_id");"#))
    }

    @Test("internal access drops the modifier everywhere")
    func internalAccess() throws {
        let source = try Self.emit("model A {\n    \(Self.base)    name: String @unique\n}", access: .internal)
        #expect(!source.contains("public "))
        Self.expect(source, contains: "static func find(_ db: some DatabaseConnection, name value0: String) throws -> A? {")
    }

    @Test("Control characters in a default are escapes in the generated Swift and themselves in the SQL: a CR stays a CR")
    func controlCharactersInDefault() throws {
        let schema = "model Note {\n    \(Self.base)    sep: String = \"a\\rb\\r\\nc\"\n}"
        let source = try Self.emit(schema)
        Self.expect(source, contains: #"public init(id: Int64? = nil, sep: String = "a\rb\r\nc") {"#)
        Self.expect(source, contains: #"ColumnDescription(name: "sep", type: .text, defaultValue: .text("a\rb\r\nc")),"#)
        #expect(!source.utf8.contains(13), "no raw CR in the generated file")
        #expect(try Self.table(schema, "Note").createTable(.sqlite).contains("\"sep\" TEXT NOT NULL DEFAULT 'a\rb\r\nc'"))
    }

    @Test("A default with a line break and a long line after it is one escaped literal, whole in the SQL")
    func multiLineDefault() throws {
        let words = (0..<30).map { "word\($0)" }.joined(separator: " ")
        let schema = "model Note {\n    \(Self.base)    body: String = \"first\\n\(words)\"\n}"
        let source = try Self.emit(schema)
        #expect(source.contains("defaultValue: .text(\"first\\n\(words)\")"), "\(source)")
        #expect(try Self.table(schema, "Note").createTable(.postgres).contains("DEFAULT 'first\n\(words)'"))
    }

    @Test("An optional enum's default is spelled with the enum's name: `.none` is not Optional's nil")
    func optionalEnumDefault() throws {
        let source = try Self.emit(
            "enum Level { none, low }\nmodel Setting {\n    \(Self.base)    level: Level? = .none\n    must: Level = .low\n}")
        Self.expect(source, contains: "public init(id: Int64? = nil, level: Level? = Level.none, must: Level = .low) {")
    }

    @Test("A finder over a field named like its parameter (`value0`) names it once")
    func finderParameterName() throws {
        let source = try Self.emit("model Note {\n    \(Self.base)    value0: Int64 @index\n    other: Int64 @index\n}")
        Self.expect(
            source, contains: "public static func fetchAll(_ db: some DatabaseConnection, value0: Int64) throws -> [Note] {")
        #expect(!source.contains("value0 value0"))
    }
}

@Suite("Unified diff")
struct UnifiedDiffTests {
    @Test("Only the changed lines, with three lines of context, in unified format")
    func diff() {
        let expected = (1...20).map { "line \($0)" }.joined(separator: "\n")
        var lines = (1...20).map { "line \($0)" }
        lines[9] = "line ten"
        lines.insert("new line", at: 15)
        let actual = lines.joined(separator: "\n")
        #expect(
            UnifiedDiff.between(expected: expected, actual: actual) == """
                --- expected
                +++ actual
                @@ -7,12 +7,13 @@
                 line 7
                 line 8
                 line 9
                -line 10
                +line ten
                 line 11
                 line 12
                 line 13
                 line 14
                 line 15
                +new line
                 line 16
                 line 17
                 line 18
                """)
        #expect(UnifiedDiff.between(expected: expected, actual: expected) == "")
    }
}
