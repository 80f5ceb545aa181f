import OptimisticLockSQL
import Testing

@testable import _OptimisticLockCompiler

/// Unit tests of the lexer and the parser.
@Suite("Syntax")
struct SyntaxTests {
    func tokens(_ text: String) -> ([Token], DiagnosticEngine) {
        var diagnostics = DiagnosticEngine()
        let tokens = Lexer.tokenize(SourceFile(path: "t.schema", text: text), file: 0, diagnostics: &diagnostics)
        return (tokens, diagnostics)
    }

    func parse(_ text: String) -> (FileSyntax, DiagnosticEngine) {
        var diagnostics = DiagnosticEngine()
        let file = Parser.parse(SourceFile(path: "t.schema", text: text), file: 0, diagnostics: &diagnostics)
        return (file, diagnostics)
    }

    @Test("Tokens, literals and line starts")
    func lexesEverything() {
        let (tokens, diagnostics) = tokens("model A { x: Int64? = -12 @column(\"a\\\"b\") }\n.y 1.5e3 2_000")
        #expect(!diagnostics.hasErrors)
        #expect(
            tokens.map(\.kind) == [
                .identifier, .identifier, .leftBrace, .identifier, .colon, .identifier, .question, .equals, .minus,
                .integer, .at, .identifier, .leftParen, .string, .rightParen, .rightBrace, .dot, .identifier, .float,
                .integer, .endOfFile,
            ])
        #expect(tokens[13].stringValue == "a\"b")
        #expect(tokens[16].startsLine)
        #expect(!tokens[17].startsLine)
        #expect(tokens[19].text == "2_000")
    }

    @Test("Comments: line, nested block, and doc comments attached to the next token")
    func comments() {
        let (tokens, diagnostics) = tokens("// plain\n/* a /* nested */ b */\n/// Doc one\n///Doc two\nmodel //// not doc\n")
        #expect(!diagnostics.hasErrors)
        #expect(tokens[0].text == "model")
        #expect(tokens[0].doc == ["Doc one", "Doc two"])
        #expect(tokens[1].kind == .endOfFile)
        #expect(tokens[1].doc.isEmpty)
    }

    @Test("Unterminated string and comment are reported at their start")
    func unterminated() {
        let (_, stringDiagnostics) = tokens("  \"abc\nmodel")
        #expect(stringDiagnostics.diagnostics.map(\.message) == ["unterminated string literal"])
        #expect(stringDiagnostics.diagnostics.first?.range.start == 2)
        let (_, commentDiagnostics) = tokens("x /* /* */")
        #expect(commentDiagnostics.diagnostics.map(\.message) == ["unterminated '/*' comment"])
        #expect(commentDiagnostics.diagnostics.first?.range.start == 2)
    }

    @Test("Line and column of an offset, columns counted in UTF-8 bytes")
    func locations() {
        let file = SourceFile(path: "t", text: "ab\nçd\n\nx")
        #expect(file.location(of: 0) == (1, 1))
        #expect(file.location(of: 3) == (2, 1))
        #expect(file.location(of: 5) == (2, 3))
        #expect(file.location(of: 8) == (4, 1))
    }

    @Test("A model with attributes, optional types, defaults and docs")
    func parsesModel() throws {
        let (file, diagnostics) = parse(
            """
            /// Posts.
            @table("posts") @index(a, b)
            model Post {
                /// The key.
                id: UUID @id
                title: String? = nil @column("t") @unique
            }
            enum E { a, b
                c }
            """)
        #expect(!diagnostics.hasErrors)
        #expect(file.declarations.count == 2)
        guard case .model(let model) = file.declarations[0] else {
            Issue.record("expected a model")
            return
        }
        #expect(model.name.text == "Post")
        #expect(model.doc == ["Posts."])
        #expect(model.attributes.map(\.name.text) == ["table", "index"])
        #expect(model.attributes[1].arguments?.map(\.value) == [.identifier("a"), .identifier("b")])
        #expect(model.fields.map(\.name.text) == ["id", "title"])
        #expect(model.fields[0].doc == ["The key."])
        #expect(model.fields[1].isOptional)
        #expect(model.fields[1].defaultValue?.value == .nil)
        #expect(model.fields[1].attributes.map(\.name.text) == ["column", "unique"])
        guard case .enum(let enumeration) = file.declarations[1] else {
            Issue.record("expected an enum")
            return
        }
        #expect(enumeration.cases.map(\.name.text) == ["a", "b", "c"])
    }

    @Test("The parser recovers: one error per broken line, later declarations still parsed")
    func recovers() {
        let (file, diagnostics) = parse(
            """
            model A {
                x Int64
                y: = 3
                z: String
            }
            garbage here
            model B {
                id: Int64 @id
            }
            """)
        #expect(diagnostics.diagnostics.count == 3)
        #expect(file.declarations.count == 2)
        if case .model(let a) = file.declarations[0] {
            #expect(a.fields.map(\.name.text) == ["x", "z"])
        }
    }

    @Test("snake_case SQL names")
    func snakeCase() {
        #expect(Names.snakeCase("BlogPost") == "blog_post")
        #expect(Names.snakeCase("authorID") == "author_id")
        #expect(Names.snakeCase("HTTPServer") == "http_server")
        #expect(Names.snakeCase("createdAt") == "created_at")
        #expect(Names.snakeCase("v2Name") == "v2_name")
        #expect(Names.snakeCase("already_snake") == "already_snake")
        #expect(Names.snakeCase("ID") == "id")
    }

    @Test("Did-you-mean suggestions")
    func suggestions() {
        #expect(Suggestions.closest(to: "Strng", in: ["String", "Int64"]) == "String")
        #expect(Suggestions.closest(to: "strnig", in: ["String"]) == "String")
        #expect(Suggestions.closest(to: "Zebra", in: ["String", "Int64"]) == nil)
    }

    @Test("Swift string literals escape quotes, backslashes and control characters")
    func stringLiterals() {
        #expect(SwiftLiteral.string("a\"b\\c\n\0") == #""a\"b\\c\n\0""#)
    }
}

@Suite("SQL scripts")
struct SQLScriptTests {
    @Test("Statements split at semicolons outside quotes and comments")
    func split() {
        let script = """
            CREATE TABLE "order; DROP TABLE ""author""; --" ("a" TEXT DEFAULT 'x;y');
            -- a comment; with a semicolon
            CREATE INDEX "i" ON "t" ("a");

            """
        #expect(
            SQLScript.statements(script) == [
                #"CREATE TABLE "order; DROP TABLE ""author""; --" ("a" TEXT DEFAULT 'x;y')"#,
                "-- a comment; with a semicolon\nCREATE INDEX \"i\" ON \"t\" (\"a\")",
            ])
    }

    @Test("Normalizing collapses white space outside quotes only, even when a quote is followed by a combining mark")
    func normalized() {
        #expect(SQLScript.normalized("CREATE  TABLE\n\t\"t\" -- note\n ( x )") == #"CREATE TABLE "t" ( x )"#)
        // `'` + U+0301 is one Character: scanned by Character, the quote was missed.
        let one = SQLScript.normalized("DEFAULT '\u{301} a b'")
        let other = SQLScript.normalized("DEFAULT '\u{301} a    b'")
        #expect(one != other, "two defaults that differ in spaces inside the quotes differ")
        #expect(other == "DEFAULT '\u{301} a    b'")
    }
}
