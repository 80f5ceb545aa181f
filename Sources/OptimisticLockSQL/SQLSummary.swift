/// What a statement does and to which table, read from its SQL for observers and logs: the first
/// keyword (`UPDATE`) and the table an `INSERT INTO`, `UPDATE`, `DELETE FROM` or the first `FROM`
/// names (`post`, unquoted). Best effort: SQL it cannot read gives nil, never an error.
public struct SQLSummary: Sendable, Hashable {
    /// `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `WITH`, `CREATE`, ...
    public let operation: String?
    /// The table, when one is named where expected.
    public let collection: String?

    /// The summary of `sql`.
    public init(_ sql: String) {
        var tokens: [(text: String, quoted: Bool)] = []
        let bytes = Array(sql.utf8.prefix(4_096))
        var index = 0
        while index < bytes.count && tokens.count < 64 {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                var name: [UInt8] = []
                index += 1
                while index < bytes.count {
                    if bytes[index] == UInt8(ascii: "\"") {
                        if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\"") {
                            name.append(byte)
                            index += 2
                            continue
                        }
                        break
                    }
                    name.append(bytes[index])
                    index += 1
                }
                index += 1
                tokens.append((String(decoding: name, as: UTF8.self), true))
            } else if byte == UInt8(ascii: "'") {
                index += 1
                while index < bytes.count && bytes[index] != UInt8(ascii: "'") { index += 1 }
                index += 1
                tokens.append(("'", true))
            } else if (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_") {
                let start = index
                while index < bytes.count,
                    (bytes[index] >= 0x41 && bytes[index] <= 0x5A) || (bytes[index] >= 0x61 && bytes[index] <= 0x7A)
                        || (bytes[index] >= 0x30 && bytes[index] <= 0x39) || bytes[index] == UInt8(ascii: "_")
                {
                    index += 1
                }
                tokens.append((String(decoding: bytes[start..<index], as: UTF8.self), false))
            } else {
                if byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") || byte == UInt8(ascii: ";") {
                    tokens.append((String(UnicodeScalar(byte)), true))
                }
                index += 1
            }
        }
        func keyword(_ token: (text: String, quoted: Bool)) -> String? {
            token.quoted ? nil : token.text.uppercased()
        }
        /// The name after position `at`: quoted as is, unquoted in lower case (PostgreSQL folds it).
        func name(at position: Int) -> String? {
            guard position < tokens.count else { return nil }
            let token = tokens[position]
            if token.quoted { return ["'", "(", ")", ";"].contains(token.text) ? nil : token.text }
            return token.text.lowercased()
        }
        let first = tokens.first.flatMap(keyword)
        operation = first
        var collection: String?
        switch first {
        case "INSERT", "DELETE":
            if let into = tokens.firstIndex(where: { keyword($0) == (first == "INSERT" ? "INTO" : "FROM") }) {
                collection = name(at: into + 1)
            }
        case "UPDATE":
            collection = name(at: tokens.count > 1 && keyword(tokens[1]) == "ONLY" ? 2 : 1)
        case "SELECT":
            // The first FROM outside parentheses.
            var depth = 0
            for (position, token) in tokens.enumerated() {
                if token.quoted && token.text == "(" { depth += 1 }
                if token.quoted && token.text == ")" { depth -= 1 }
                if depth == 0 && keyword(token) == "FROM" {
                    collection = name(at: position + 1)
                    break
                }
            }
        default:
            collection = nil
        }
        self.collection = collection
    }
}
