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
    /// `ABORT`, `ROLLBACK` (but not `ROLLBACK TO` a savepoint) or `PREPARE TRANSACTION`, after any
    /// white space and comments. A connection refuses such SQL inside a `transaction { }`, whose
    /// closure commits by returning and rolls back by throwing.
    public static func endsTransaction(_ script: String) -> Bool {
        statements(script).contains { statement in
            let words = leadingWords(statement, count: 3)
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

    /// The first `count` words of a statement, uppercased, after white space and comments.
    static func leadingWords(_ statement: String, count: Int) -> [String] {
        var words: [String] = []
        let bytes = Array(statement.utf8)
        var index = 0
        var word: [UInt8] = []
        func isLetter(_ byte: UInt8) -> Bool {
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_")
        }
        while index < bytes.count && words.count < count {
            let byte = bytes[index]
            if isLetter(byte) {
                word.append(byte >= 0x61 ? byte - 0x20 : byte)
                index += 1
                continue
            }
            if !word.isEmpty {
                words.append(String(decoding: word, as: UTF8.self))
                word.removeAll()
            }
            if byte == UInt8(ascii: "-"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "-") {
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
            } else if byte == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "*") {
                index += 2
                while index + 1 < bytes.count && !(bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/")) {
                    index += 1
                }
                index += 2
            } else if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) {
                index += 1
            } else {
                break
            }
        }
        if !word.isEmpty && words.count < count { words.append(String(decoding: word, as: UTF8.self)) }
        return words
    }
}
