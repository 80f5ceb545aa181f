/// The parameters a PostgreSQL statement takes, read from its text the way the server's lexer reads
/// it: the highest `$n` outside string literals (`'...'`, `E'...'`, dollar-quoted `$tag$...$tag$`),
/// quoted identifiers, comments (`--`, nested `/* */`), and identifiers (where `$` is a letter).
///
/// The server cannot tell: a statement prepared with more parameter types than its text uses
/// accepts the extra values and ignores them.
enum PostgresParameters {
    static func count(in sql: String) -> Int {
        let bytes = Array(sql.utf8)
        var highest = 0
        var index = 0
        func isIdentifierByte(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F || byte == 0x24 || byte >= 0x80
        }
        func isIdentifierStart(_ byte: UInt8) -> Bool {
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte >= 0x80
        }
        /// The index after a quoted run closed by `quote` (a doubled quote stays inside).
        func skipQuoted(from start: Int, quote: UInt8, backslashEscapes: Bool) -> Int {
            var position = start
            while position < bytes.count {
                let byte = bytes[position]
                if backslashEscapes && byte == 0x5C {
                    position += 2
                    continue
                }
                if byte == quote {
                    if position + 1 < bytes.count && bytes[position + 1] == quote {
                        position += 2
                        continue
                    }
                    return position + 1
                }
                position += 1
            }
            return position
        }
        while index < bytes.count {
            let byte = bytes[index]
            let previous: UInt8? = index > 0 ? bytes[index - 1] : nil
            switch byte {
            case UInt8(ascii: "'"):
                let escaped = previous.map { $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "e") } ?? false
                index = skipQuoted(from: index + 1, quote: byte, backslashEscapes: escaped)
            case UInt8(ascii: "\""):
                index = skipQuoted(from: index + 1, quote: byte, backslashEscapes: false)
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                var depth = 1
                index += 2
                while index < bytes.count && depth > 0 {
                    if bytes[index] == UInt8(ascii: "/") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*") {
                        depth += 1
                        index += 2
                    } else if bytes[index] == UInt8(ascii: "*") && index + 1 < bytes.count
                        && bytes[index + 1] == UInt8(ascii: "/")
                    {
                        depth -= 1
                        index += 2
                    } else {
                        index += 1
                    }
                }
            case UInt8(ascii: "$") where previous.map(isIdentifierByte) != true:
                var end = index + 1
                if end < bytes.count && bytes[end] >= 0x30 && bytes[end] <= 0x39 {
                    // A parameter: $ and digits.
                    var number = 0
                    while end < bytes.count && bytes[end] >= 0x30 && bytes[end] <= 0x39 {
                        number = min(number * 10 + Int(bytes[end] - 0x30), 1_000_000)
                        end += 1
                    }
                    highest = max(highest, number)
                    index = end
                } else {
                    // A dollar quote: $$ or $tag$, up to the same delimiter.
                    if end < bytes.count && isIdentifierStart(bytes[end]) {
                        while end < bytes.count && isIdentifierByte(bytes[end]) && bytes[end] != 0x24 { end += 1 }
                    }
                    guard end < bytes.count && bytes[end] == 0x24 else {
                        index += 1
                        continue
                    }
                    let delimiter = Array(bytes[index...end])
                    var search = end + 1
                    var closed = bytes.count
                    while search + delimiter.count <= bytes.count {
                        if bytes[search] == 0x24 && Array(bytes[search..<(search + delimiter.count)]) == delimiter {
                            closed = search + delimiter.count
                            break
                        }
                        search += 1
                    }
                    index = closed
                }
            default:
                if isIdentifierStart(byte) {
                    while index < bytes.count && isIdentifierByte(bytes[index]) { index += 1 }
                } else {
                    index += 1
                }
            }
        }
        return highest
    }
}
