/// What a statement does and to which table, read from its SQL for observers and logs: the first
/// keyword (`UPDATE`) and the table an `INSERT INTO`, `UPDATE`, `DELETE FROM` or the first `FROM`
/// names (`post`, unquoted; `blog.post` is `post`). Comments and string literals (`'...'`,
/// `E'...'`, `$tag$...$tag$`) are skipped, never read as names; a first word that is not an SQL
/// command gives no operation (both become metric dimensions, so text the SQL merely contains must
/// never become one). Best effort: SQL it cannot read gives nil, never an error.
public struct SQLSummary: Sendable, Hashable {
    /// `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `WITH`, `CREATE`, ...
    public let operation: String?
    /// The table, when one is named where expected.
    public let collection: String?

    /// The first words of the statements SQLite and PostgreSQL know.
    static let commands: Set<String> = [
        "ABORT", "ALTER", "ANALYZE", "ATTACH", "BEGIN", "CALL", "CHECKPOINT", "CLOSE", "CLUSTER", "COMMENT", "COMMIT",
        "COPY", "CREATE", "DEALLOCATE", "DECLARE", "DELETE", "DETACH", "DISCARD", "DO", "DROP", "END", "EXECUTE",
        "EXPLAIN", "FETCH", "GRANT", "IMPORT", "INSERT", "LISTEN", "LOAD", "LOCK", "MERGE", "MOVE", "NOTIFY", "PRAGMA",
        "PREPARE", "REASSIGN", "REFRESH", "REINDEX", "RELEASE", "REPLACE", "RESET", "REVOKE", "ROLLBACK", "SAVEPOINT",
        "SECURITY", "SELECT", "SET", "SHOW", "START", "TABLE", "TRUNCATE", "UNLISTEN", "UPDATE", "VACUUM", "VALUES",
        "WITH",
    ]

    private enum Token {
        /// An unquoted word, as written.
        case word(String)
        /// A quoted name, unquoted.
        case name(String)
        /// A string literal (its content is never kept).
        case literal
        /// `(`, `)`, `;` or `.`.
        case symbol(UInt8)
    }

    /// The summary of `sql`.
    public init(_ sql: String) {
        let tokens = Self.tokens(Array(sql.utf8.prefix(4_096)))
        func keyword(_ position: Int) -> String? {
            guard position < tokens.count, case .word(let text) = tokens[position] else { return nil }
            return text.uppercased()
        }
        /// The name at `position`: quoted as is, unquoted in lower case (PostgreSQL folds it); the
        /// last part of a dotted name (`schema.table`).
        func name(at position: Int) -> String? {
            var position = position
            var found: String?
            while position < tokens.count {
                switch tokens[position] {
                case .word(let text): found = text.lowercased()
                case .name(let text): found = text
                default: return nil
                }
                guard position + 2 < tokens.count, case .symbol(UInt8(ascii: ".")) = tokens[position + 1] else { break }
                position += 2
            }
            return found
        }
        let first = keyword(0).flatMap { Self.commands.contains($0) ? $0 : nil }
        operation = first
        var collection: String?
        switch first {
        case "INSERT", "DELETE", "REPLACE":
            let marker = first == "DELETE" ? "FROM" : "INTO"
            if let into = tokens.indices.first(where: { keyword($0) == marker }) {
                collection = name(at: keyword(into + 1) == "ONLY" ? into + 2 : into + 1)
            }
        case "UPDATE":
            collection = name(at: keyword(1) == "ONLY" ? 2 : 1)
        case "SELECT":
            // The first FROM outside parentheses.
            var depth = 0
            for position in tokens.indices {
                if case .symbol(UInt8(ascii: "(")) = tokens[position] { depth += 1 }
                if case .symbol(UInt8(ascii: ")")) = tokens[position] { depth -= 1 }
                if depth == 0 && keyword(position) == "FROM" {
                    collection = name(at: position + 1)
                    break
                }
            }
        default:
            collection = nil
        }
        self.collection = collection
    }

    private static func isWordStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_")
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        isWordStart(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "$")
    }

    /// The tokens of `bytes` up to the 64th word, name or literal (symbols are not counted:
    /// `p.title` is as far as `title`), comments and whitespace dropped.
    private static func tokens(_ bytes: [UInt8]) -> [Token] {
        var tokens: [Token] = []
        var symbols = 0
        var index = 0
        let count = bytes.count
        func at(_ offset: Int) -> UInt8? { index + offset < count ? bytes[index + offset] : nil }
        /// Skips a literal that began at `index` with `quote`; backslashes escape when `escapes`.
        func skipQuoted(_ quote: UInt8, escapes: Bool) {
            index += 1
            while index < count {
                if escapes && bytes[index] == UInt8(ascii: "\\") {
                    index += 2
                    continue
                }
                if bytes[index] == quote {
                    if at(1) == quote {  // a doubled quote is the quote itself
                        index += 2
                        continue
                    }
                    index += 1
                    return
                }
                index += 1
            }
        }
        while index < count && tokens.count - symbols < 64 {
            let byte = bytes[index]
            if byte == UInt8(ascii: "-") && at(1) == UInt8(ascii: "-") {
                while index < count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
            } else if byte == UInt8(ascii: "/") && at(1) == UInt8(ascii: "*") {
                // PostgreSQL nests block comments; SQLite does not, and nested ones are rare there.
                var depth = 0
                while index < count {
                    if bytes[index] == UInt8(ascii: "/") && at(1) == UInt8(ascii: "*") {
                        depth += 1
                        index += 2
                    } else if bytes[index] == UInt8(ascii: "*") && at(1) == UInt8(ascii: "/") {
                        depth -= 1
                        index += 2
                        if depth == 0 { break }
                    } else {
                        index += 1
                    }
                }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "`") || byte == UInt8(ascii: "[") {
                let close = byte == UInt8(ascii: "[") ? UInt8(ascii: "]") : byte
                let start = index + 1
                skipQuoted(close, escapes: false)
                let end = max(start, index - 1)
                let raw = String(decoding: bytes[start..<min(end, count)], as: UTF8.self)
                let doubled = String(decoding: [close, close], as: UTF8.self)
                tokens.append(.name(raw.replacing(doubled, with: String(decoding: [close], as: UTF8.self))))
            } else if byte == UInt8(ascii: "'") {
                skipQuoted(byte, escapes: false)
                tokens.append(.literal)
            } else if (byte == UInt8(ascii: "E") || byte == UInt8(ascii: "e")) && at(1) == UInt8(ascii: "'") {
                index += 1
                skipQuoted(UInt8(ascii: "'"), escapes: true)
                tokens.append(.literal)
            } else if byte == UInt8(ascii: "$") {
                // $1 is a parameter; $$...$$ and $tag$...$tag$ are literals.
                var end = index + 1
                while end < count && isWordByte(bytes[end]) && bytes[end] != UInt8(ascii: "$") { end += 1 }
                let isDigits = bytes[(index + 1)..<end].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
                if end < count && bytes[end] == UInt8(ascii: "$") && (end == index + 1 || !isDigits) {
                    let tag = Array(bytes[index...end])
                    index = end + 1
                    while index < count && !(bytes[index] == UInt8(ascii: "$") && bytes[index...].starts(with: tag)) {
                        index += 1
                    }
                    index = min(count, index + tag.count)
                    tokens.append(.literal)
                } else {
                    index = end
                }
            } else if isWordStart(byte) {
                let start = index
                while index < count && isWordByte(bytes[index]) { index += 1 }
                tokens.append(.word(String(decoding: bytes[start..<index], as: UTF8.self)))
            } else {
                if byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") || byte == UInt8(ascii: ";")
                    || byte == UInt8(ascii: ".")
                {
                    tokens.append(.symbol(byte))
                    symbols += 1
                }
                index += 1
            }
        }
        return tokens
    }
}
