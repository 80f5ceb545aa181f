/// Splits SQL scripts into statements at the semicolons that end them: not those inside quoted
/// identifiers (`"a;b"`), string literals (`'a;b'`) or comments — a table may well be named
/// `order; DROP TABLE x; --`.
public enum SQLScript {
    /// The statements of `script`, trimmed, without empty ones.
    public static func statements(_ script: String) -> [String] {
        var statements: [String] = []
        var current: [UInt8] = []
        let bytes = Array(script.utf8)
        var index = 0
        func finish() {
            let text = String(decoding: current, as: UTF8.self)
            let trimmed = text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed()
            if !trimmed.isEmpty { statements.append(String(trimmed)) }
            current.removeAll()
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                current.append(byte)
                index += 1
                while index < bytes.count {
                    current.append(bytes[index])
                    if bytes[index] == byte {
                        if index + 1 < bytes.count && bytes[index + 1] == byte {
                            current.append(byte)
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    index += 1
                }
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") {
                    current.append(bytes[index])
                    index += 1
                }
            case UInt8(ascii: ";"):
                finish()
                index += 1
            default:
                current.append(byte)
                index += 1
            }
        }
        finish()
        return statements
    }

    /// The script with whitespace outside quotes collapsed to single spaces and trimmed, and no
    /// comments: two spellings of the same statements give the same text.
    ///
    /// Scanned as UTF-8 bytes, not characters: a quote followed by a combining mark is one
    /// `Character`, and would hide the quote (and let spaces inside the value be collapsed).
    public static func normalized(_ script: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(script.utf8.count)
        var quote: UInt8?
        var pendingSpace = false
        let bytes = Array(script.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if let open = quote {
                out.append(byte)
                if byte == open { quote = nil }
                continue
            }
            if byte == UInt8(ascii: "-"), index < bytes.count, bytes[index] == UInt8(ascii: "-") {
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                pendingSpace = true
                continue
            }
            // SQL's white space: space, tab, LF, VT, FF, CR.
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) {
                pendingSpace = true
                continue
            }
            if pendingSpace && !out.isEmpty { out.append(0x20) }
            pendingSpace = false
            out.append(byte)
            if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") { quote = byte }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True when a statement of `script` ends the transaction it runs in: `COMMIT`, `END`,
    /// `ABORT`, `ROLLBACK` (but not `ROLLBACK TO` a savepoint, in any spelling) or `PREPARE
    /// TRANSACTION`, also with `AND CHAIN`. PostgreSQL's lexical rules decide where statements
    /// begin: quoted identifiers, standard and `E'...'` strings, dollar-quoted strings, nested
    /// block comments, and `BEGIN ATOMIC ... END` bodies of `CREATE FUNCTION`. A PostgreSQL
    /// connection refuses such SQL inside a `transaction { }`, whose closure commits by returning
    /// (SQLite asks SQLite's own parser instead, through its authorizer).
    public static func endsTransaction(_ script: String) -> Bool {
        PostgresLexer.statementStarts(script).contains { words in
            switch words.first {
            case "COMMIT", "END", "ABORT":
                return true
            case "ROLLBACK":
                let rest = words.dropFirst().drop { $0 == "TRANSACTION" || $0 == "WORK" }
                return rest.first != "TO"
            case "PREPARE":
                return words.dropFirst().first == "TRANSACTION"
            default:
                return false
            }
        }
    }
}

/// The little of PostgreSQL's lexer that finds where statements begin: the first words of every
/// statement of a script, uppercased.
enum PostgresLexer {
    /// The first four words of each statement of `script`.
    static func statementStarts(_ script: String) -> [[String]] {
        let bytes = Array(script.utf8)
        var starts: [[String]] = []
        var words: [String] = []
        /// Every word of the statement so far counts for `BEGIN ATOMIC` blocks; the first four
        /// are its start.
        var wordCount = 0
        var createsRoutine = false
        var blockDepth = 0
        var previousWord = ""
        var index = 0
        func finishStatement() {
            if !words.isEmpty { starts.append(words) }
            words = []
            wordCount = 0
            createsRoutine = false
            blockDepth = 0
            previousWord = ""
        }
        func isIdentifierByte(_ byte: UInt8) -> Bool {
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$") || byte >= 0x80
        }
        /// Skips a quoted run that started at `index` (the opening quote), with `quote` doubled as
        /// its escape and, when `backslashes`, backslash escapes too.
        func skipQuoted(_ quote: UInt8, backslashes: Bool) {
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                if backslashes && byte == UInt8(ascii: "\\") {
                    index += 2
                    continue
                }
                index += 1
                if byte == quote {
                    if index < bytes.count && bytes[index] == quote {
                        index += 1
                        continue
                    }
                    return
                }
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "'"):
                // E'...' (a word "E" just before) takes backslash escapes.
                let escaped =
                    index > 0 && (bytes[index - 1] == UInt8(ascii: "E") || bytes[index - 1] == UInt8(ascii: "e"))
                    && (index < 2 || !isIdentifierByte(bytes[index - 2]))
                skipQuoted(byte, backslashes: escaped)
            case UInt8(ascii: "\""):
                skipQuoted(byte, backslashes: false)
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                var depth = 0
                while index < bytes.count {
                    if index + 1 < bytes.count && bytes[index] == UInt8(ascii: "/") && bytes[index + 1] == UInt8(ascii: "*") {
                        depth += 1
                        index += 2
                    } else if index + 1 < bytes.count && bytes[index] == UInt8(ascii: "*")
                        && bytes[index + 1] == UInt8(ascii: "/")
                    {
                        depth -= 1
                        index += 2
                        if depth == 0 { break }
                    } else {
                        index += 1
                    }
                }
            case UInt8(ascii: "$") where index == 0 || !isIdentifierByte(bytes[index - 1]):
                // A dollar quote: $$ or $tag$ (a tag does not start with a digit: $1 is a parameter).
                var end = index + 1
                while end < bytes.count && isIdentifierByte(bytes[end]) && bytes[end] != UInt8(ascii: "$") { end += 1 }
                let tagIsValid =
                    end < bytes.count && bytes[end] == UInt8(ascii: "$")
                    && (end == index + 1 || !(bytes[index + 1] >= 0x30 && bytes[index + 1] <= 0x39))
                guard tagIsValid else {
                    index += 1
                    continue
                }
                let tag = Array(bytes[index...end])
                index = end + 1
                while index < bytes.count {
                    if bytes[index] == UInt8(ascii: "$") && index + tag.count <= bytes.count
                        && Array(bytes[index..<(index + tag.count)]) == tag
                    {
                        index += tag.count
                        break
                    }
                    index += 1
                }
            case UInt8(ascii: ";") where blockDepth == 0:
                finishStatement()
                index += 1
            default:
                guard (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_") else {
                    index += 1
                    continue
                }
                let start = index
                while index < bytes.count && isIdentifierByte(bytes[index]) { index += 1 }
                let word = String(decoding: bytes[start..<index], as: UTF8.self).uppercased()
                if wordCount < 4 { words.append(word) }
                wordCount += 1
                if wordCount == 1 && word == "CREATE" { createsRoutine = true }
                // CREATE FUNCTION ... BEGIN ATOMIC ... END: semicolons inside do not end the
                // statement (CASE ... END nests within).
                if createsRoutine {
                    if word == "ATOMIC" && previousWord == "BEGIN" {
                        blockDepth += 1
                    } else if word == "CASE" && blockDepth > 0 {
                        blockDepth += 1
                    } else if word == "END" && blockDepth > 0 {
                        blockDepth -= 1
                    }
                }
                previousWord = word
            }
        }
        finishStatement()
        return starts
    }
}
