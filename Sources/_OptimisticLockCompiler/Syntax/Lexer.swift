/// Splits a schema file's bytes into tokens. Reports unterminated literals and comments and stray
/// characters, and always makes progress, so any input ends in `.endOfFile`.
struct Lexer {
    private let bytes: [UInt8]
    private let file: Int
    private var position = 0
    private var sawNewline = true
    private var pendingDoc: [String] = []
    private var tokenStart = 0
    private var tokenStartsLine = true
    private var tokenDoc: [String] = []

    init(source: SourceFile, file: Int) {
        self.bytes = source.bytes
        self.file = file
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            position = 3  // a UTF-8 byte order mark
        }
    }

    /// Lexes the whole file.
    static func tokenize(_ source: SourceFile, file: Int, diagnostics: inout DiagnosticEngine) -> [Token] {
        var lexer = Lexer(source: source, file: file)
        var tokens: [Token] = []
        while true {
            let token = lexer.next(&diagnostics)
            tokens.append(token)
            if token.kind == .endOfFile { return tokens }
        }
    }

    private func range(_ start: Int, _ end: Int) -> SourceRange {
        SourceRange(file: file, start: start, end: end)
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        let index = position + offset
        return index < bytes.count ? bytes[index] : nil
    }

    private static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte == 0x5F || byte >= 0x80
    }

    private static func isIdentifierContinue(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || isDigit(byte)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// LF or CR: the bytes a line may end with (CRLF is two of them).
    static func isLineBreak(_ byte: UInt8) -> Bool { byte == 0x0A || byte == 0x0D }

    private func text(_ start: Int, _ end: Int) -> String {
        String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// Skips white space and comments; collects `///` doc comment lines.
    private mutating func skipTrivia(_ diagnostics: inout DiagnosticEngine) {
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                // A line ends at LF, CRLF or a lone CR, as in Swift: a comment ends there too, so
                // nothing after a CR can be copied into a generated `///` line as code.
                sawNewline = true
                position += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                position += 1
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "/"):
                let start = position
                while let b = peek(), !Self.isLineBreak(b) { position += 1 }
                let line = bytes[start..<position]
                if line.count >= 3, line[line.startIndex + 2] == UInt8(ascii: "/"),
                    line.count == 3 || line[line.startIndex + 3] != UInt8(ascii: "/")
                {
                    // A doc comment is copied into the generated Swift, which refuses NUL and other
                    // control characters in its source.
                    if let bad = line.firstIndex(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
                        diagnostics.error(
                            "a '///' comment cannot contain control characters (it is copied into the generated Swift)",
                            at: range(bad, bad + 1))
                    }
                    var content = text(start + 3, position)
                    if content.hasPrefix(" ") { content.removeFirst() }
                    pendingDoc.append(content)
                } else {
                    pendingDoc.removeAll()
                }
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "*"):
                let start = position
                position += 2
                var depth = 1
                while depth > 0 {
                    guard let b = peek() else {
                        diagnostics.error("unterminated '/*' comment", at: range(start, start + 2))
                        return
                    }
                    if b == UInt8(ascii: "*"), peek(1) == UInt8(ascii: "/") {
                        depth -= 1
                        position += 2
                    } else if b == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "*") {
                        depth += 1
                        position += 2
                    } else {
                        if Self.isLineBreak(b) { sawNewline = true }
                        position += 1
                    }
                }
                pendingDoc.removeAll()
            default:
                return
            }
        }
    }

    /// The next token.
    mutating func next(_ diagnostics: inout DiagnosticEngine) -> Token {
        skipTrivia(&diagnostics)
        let start = position
        tokenStart = start
        tokenStartsLine = sawNewline
        sawNewline = false
        tokenDoc = pendingDoc
        pendingDoc.removeAll()
        guard let byte = peek() else {
            return make(.endOfFile, start)
        }
        if Self.isIdentifierStart(byte) {
            while let b = peek(), Self.isIdentifierContinue(b) { position += 1 }
            return make(.identifier, position)
        }
        if Self.isDigit(byte) {
            return lexNumber(start)
        }
        if byte == UInt8(ascii: "\"") {
            return lexString(start, &diagnostics)
        }
        position += 1
        switch byte {
        case UInt8(ascii: "@"): return make(.at, position)
        case UInt8(ascii: ":"): return make(.colon, position)
        case UInt8(ascii: "?"): return make(.question, position)
        case UInt8(ascii: "="): return make(.equals, position)
        case UInt8(ascii: "{"): return make(.leftBrace, position)
        case UInt8(ascii: "}"): return make(.rightBrace, position)
        case UInt8(ascii: "("): return make(.leftParen, position)
        case UInt8(ascii: ")"): return make(.rightParen, position)
        case UInt8(ascii: ","): return make(.comma, position)
        case UInt8(ascii: "."): return make(.dot, position)
        case UInt8(ascii: "-"): return make(.minus, position)
        default:
            let shown =
                byte >= 0x20 && byte < 0x7F
                ? "'\(Character(Unicode.Scalar(byte)))'"
                : "byte 0x\(String(byte, radix: 16, uppercase: true))"
            diagnostics.error("unexpected character \(shown)", at: range(start, position))
            return make(.invalid, position)
        }
    }

    /// The token from `tokenStart` to `end`.
    private func make(_ kind: TokenKind, _ end: Int, _ value: String = "") -> Token {
        Token(
            kind: kind, text: text(tokenStart, end), stringValue: value, range: range(tokenStart, end),
            startsLine: tokenStartsLine, doc: tokenDoc)
    }

    private mutating func lexNumber(_ start: Int) -> Token {
        var kind = TokenKind.integer
        while let b = peek(), Self.isDigit(b) || b == UInt8(ascii: "_") { position += 1 }
        if peek() == UInt8(ascii: "."), let next = peek(1), Self.isDigit(next) {
            kind = .float
            position += 1
            while let b = peek(), Self.isDigit(b) || b == UInt8(ascii: "_") { position += 1 }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            var lookahead = 1
            if let sign = peek(1), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { lookahead = 2 }
            if let digit = peek(lookahead), Self.isDigit(digit) {
                kind = .float
                position += lookahead
                while let b = peek(), Self.isDigit(b) { position += 1 }
            }
        }
        if let b = peek(), Self.isIdentifierStart(b) {
            // `2fast`: a number run into letters. One invalid token; the parser says what it expected.
            while let b = peek(), Self.isIdentifierContinue(b) { position += 1 }
            kind = .invalid
        }
        return make(kind, position, "")
    }

    private mutating func lexString(_ start: Int, _ diagnostics: inout DiagnosticEngine) -> Token {
        position += 1
        var value: [UInt8] = []
        while true {
            guard let b = peek(), !Self.isLineBreak(b) else {
                diagnostics.error("unterminated string literal", at: range(start, start + 1))
                return make(.invalid, position, "")
            }
            position += 1
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") {
                let escapeStart = position - 1
                guard let e = peek(), !Self.isLineBreak(e) else { continue }
                position += 1
                switch e {
                case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): value.append(UInt8(ascii: "\t"))
                case UInt8(ascii: "r"): value.append(UInt8(ascii: "\r"))
                case UInt8(ascii: "0"): value.append(0)
                case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): value.append(e)
                default:
                    diagnostics.error(
                        "invalid escape sequence in string literal; use \\n, \\t, \\r, \\0, \\\\, \\\" or \\'",
                        at: range(escapeStart, position))
                }
            } else {
                value.append(b)
            }
        }
        return make(.string, position, String(decoding: value, as: UTF8.self))
    }
}
