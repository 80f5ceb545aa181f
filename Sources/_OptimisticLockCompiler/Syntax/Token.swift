/// The kinds of token in the schema language.
enum TokenKind: Equatable, Sendable {
    case identifier
    case integer
    case float
    case string
    case at
    case colon
    case question
    case equals
    case leftBrace
    case rightBrace
    case leftParen
    case rightParen
    case comma
    case dot
    case minus
    /// Bytes that form no valid token (a number run into letters, say); already reported or reported by the parser.
    case invalid
    case endOfFile
}

/// One token, with its place in the file and the doc comment lines that stood right before it.
struct Token: Sendable {
    var kind: TokenKind
    /// The token's bytes as written (for a string literal, including the quotes).
    var text: String
    /// The decoded value of a string literal.
    var stringValue: String
    var range: SourceRange
    /// True when a line break separates this token from the previous one (or it is the first token).
    var startsLine: Bool
    /// `///` comment lines directly before this token, without the slashes.
    var doc: [String]

    /// A readable description for "found ..." messages.
    var display: String {
        switch kind {
        case .endOfFile: "end of file"
        case .string: "string literal"
        default: "'\(text)'"
        }
    }
}
