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
    public static func normalized(_ script: String) -> String {
        var out = ""
        var quote: Character?
        var pendingSpace = false
        var characters = Array(script)[...]
        while let character = characters.first {
            characters = characters.dropFirst()
            if let open = quote {
                out.append(character)
                if character == open { quote = nil }
                continue
            }
            if character == "-" && characters.first == "-" {
                while let next = characters.first, next != "\n" { characters = characters.dropFirst() }
                pendingSpace = true
                continue
            }
            if character.isWhitespace {
                pendingSpace = true
                continue
            }
            if pendingSpace && !out.isEmpty { out.append(" ") }
            pendingSpace = false
            out.append(character)
            if character == "'" || character == "\"" { quote = character }
        }
        return out
    }
}
