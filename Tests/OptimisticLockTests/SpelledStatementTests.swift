import Foundation
import OptimisticLock
import OptimisticLockPostgres
import TestModels
import Testing
import _OptimisticLockCompiler

/// A note whose statements the runtime spells from its table description (issue 22's shape: the
/// generated code will describe the model and nothing else), written by hand here.
struct SpelledNote: VersionedModel, Equatable {
    var id: Int64?
    var version: Int64 = 0
    var title: String
    var body: String?

    enum Column: String, CaseIterable, Sendable {
        case id, version, title, body
    }

    typealias Key = Int64
    static var tableName: String { "spelled_note" }
    static var keyColumn: Column { .id }
    static var versionColumn: Column { .version }
    var primaryKey: Int64? { id }

    static let table = TableDescription(
        name: "spelled_note",
        columns: [
            ColumnDescription(name: "id", type: .integer64), ColumnDescription(name: "version", type: .integer64),
            ColumnDescription(name: "title", type: .text, isUnique: true),
            ColumnDescription(name: "body", type: .text, isOptional: true),
        ],
        key: "id", keyIsAssignedByDatabase: true, version: "version", indexes: [["body"]])
    static let statements = ModelStatements(table: table)

    init(title: String, body: String? = nil) {
        self.title = title
        self.body = body
    }

    mutating func didInsert(rowID: Int64) { id = rowID }

    init(row: borrowing some PreparedStatement) throws {
        id = try row.int64(at: 0)
        version = try row.version(at: 1)
        title = try row.text(at: 2)
        body = try row.read(String?.self, at: 3)
    }

    func bindValues(to statement: some PreparedStatement) -> Int32 {
        bind(.title, to: statement, at: 1)
        bind(.body, to: statement, at: 2)
        return 2
    }

    func bind(_ column: Column, to statement: some PreparedStatement, at index: Int32) {
        switch column {
        case .id: if let id { statement.bind(int64: id, at: index) } else { statement.bindNull(at: index) }
        case .version: statement.bind(int64: version, at: index)
        case .title: statement.bind(text: title, at: index)
        case .body: if let body { statement.bind(text: body, at: index) } else { statement.bindNull(at: index) }
        }
    }
}

@Suite("Statements spelled at run time")
struct SpelledStatementTests {
    @Test(
        "A model whose SQL the runtime spells from its description: create, insert, find, update, conflict, delete",
        arguments: Backend.available)
    func modelLifecycle(_ backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        try SpelledNote.createTable(db)
        try SpelledNote.createTable(db)  // IF NOT EXISTS
        var note = SpelledNote(title: "Plan", body: nil)
        try note.insert(db)
        #expect(note.id != nil && note.version != 0)
        #expect(try SpelledNote.find(db, id: note.id!) == note)
        var stale = note
        note.body = "first"
        try note.update(db)
        stale.body = "lost?"
        let conflict = #expect(throws: ConcurrentUpdate.self) { try stale.update(db) }
        #expect(conflict?.actualVersion == note.version)
        #expect(try SpelledNote.fetchAll(db) == [note])
        var other = SpelledNote(title: "Plan")
        let taken = #expect(throws: DatabaseError.self) { try other.insert(db) }
        #expect(taken?.kind == .constraint(.unique))
        #expect(try SpelledNote.count(db) == 1)
        try note.delete(db)
        #expect(try SpelledNote.count(db) == 0)
    }

    @Test(
        "A spelled statement is prepared once per connection; one spelled alike elsewhere is its own",
        arguments: Backend.available)
    func identity(_ backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        let one = SQLStatement.spelled(sqlite: "SELECT 1", postgres: "SELECT 1")
        let copy = one
        let first = try db.prepare(one)
        first.reset()
        let again = try db.prepare(copy)
        again.reset()
        #expect(first === again, "copies share one identity")
        // A static statement is found again by its literal's address, wherever its value was made.
        let literal = try db.prepare(SQLStatement(sqlite: "SELECT 2", postgres: "SELECT 2"))
        literal.reset()
        let literalAgain = try db.prepare(SQLStatement(sqlite: "SELECT 2", postgres: "SELECT 2"))
        literalAgain.reset()
        #expect(literal === literalAgain, "a static statement is prepared once")
        let alike = try db.prepare(SQLStatement.spelled(sqlite: "SELECT 1", postgres: "SELECT 1"))
        alike.reset()
        #expect(alike !== first, "another statement, though spelled alike")
    }

    @Test(
        "Statements made and dropped one after another never find each other's prepared statement", arguments: Backend.available)
    func transientStatements(_ backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connect()
        // Were the storage of a dropped statement freed while its prepared statement stayed cached,
        // a new one could take its address and run the old SQL. Spelled storage is never freed.
        // 1,100 of them: past the 512 the cache keeps, it starts over (spelled statements belong in
        // `static let`s), and a static statement is still found after that.
        for number in 0..<1_100 {
            let statement = try db.prepare(SQLStatement.spelled(sqlite: "SELECT \(number)", postgres: "SELECT \(number)"))
            #expect(try statement.step())
            let value = try statement.int64(at: 0)
            statement.reset()
            #expect(value == Int64(number))
            if value != Int64(number) { break }
        }
        let literal = try db.prepare(SQLStatement(sqlite: "SELECT 'still here'", postgres: "SELECT 'still here'"))
        #expect(try literal.step())
        #expect(try literal.text(at: 0) == "still here")
        literal.reset()
    }

    @Test("Every generated table description is the compiler's, hostile names and defaults included")
    func generatedDescriptions() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var files: [SourceFile] = []
        for folder in ["Schemas", "Tests/Schemas"] {
            let url = root.appendingPathComponent(folder)
            let names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".schema") }
            for name in names.sorted() {
                let text = try String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)
                files.append(SourceFile(path: "\(folder)/\(name)", text: text))
            }
        }
        let compilation = Compiler.compile(files)
        #expect(compilation.renderedDiagnostics == "")
        // What the emitter wrote as Swift literals, compiled, against what the compiler described.
        let generated = Dictionary(uniqueKeysWithValues: OptimisticLockSchema.models.map { ($0.tableName, $0.table) })
        #expect(generated.count == compilation.schema.models.count)
        for model in compilation.schema.models {
            #expect(generated[model.tableName] == model.tableDescription(in: compilation.schema), "\(model.name)")
        }
    }

    @Test("A description no table can follow is refused by migrate and createTable, saying why", arguments: Backend.available)
    func invalidDescriptions(backend: Backend) throws {
        let broken = TableDescription(
            name: "broken",
            columns: [
                ColumnDescription(name: "id", type: .text), ColumnDescription(name: "title", type: .text),
                ColumnDescription(name: "title", type: .text),
            ],
            key: "identifier", keyIsAssignedByDatabase: true, version: "version", indexes: [["missing"]])
        #expect(
            broken.problems == [
                #"column "title" of "broken" is described twice"#, #"the key "identifier" is not a column of "broken""#,
                #"the version column "version" is not a column of "broken""#,
                #"the indexed column "missing" is not a column of "broken""#,
            ])
        #expect(SpelledNote.table.problems.isEmpty && Sample.table.problems.isEmpty && Hostile.table.problems.isEmpty)
        let textKey = TableDescription(
            name: "t", columns: [ColumnDescription(name: "id", type: .text)], key: "id", keyIsAssignedByDatabase: true,
            version: nil)
        #expect(textKey.problems == [#"the key "id" of "t" is assigned by the database but is not an integer"#])
        let database = TestDatabase(backend)
        let db = try database.connect()
        let error = #expect(throws: DatabaseError.self) { try db.migrate(DatabaseSchema(tables: [.init(broken)])) }
        #expect(error?.kind == .misuse)
        #expect(error?.message.contains(#"the key "identifier" is not a column"#) == true)
        #expect(throws: DatabaseError.self, "nothing was created") {
            try db.query("SELECT 1 FROM \(db.dialect.quote("broken"))", [])
        }
    }
}
