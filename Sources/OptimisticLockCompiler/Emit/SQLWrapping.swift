/// Breaks long SQL lines at spaces between tokens — never inside a quoted identifier or a string
/// literal, whose spaces belong to a name or a value — so that generated code stays within the
/// writer's width. Whitespace between tokens means the same in SQL whatever it is.
///
/// Lines are scanned as UTF-8 (quotes, spaces and newlines are ASCII, so no multi-byte character
/// can be mistaken for one); widths are counted in characters.
enum SQLWrapping {
    /// The SQL with every line longer than `width` broken, continuation lines indented by four more
    /// spaces; ends in a newline.
    static func wrap(_ sql: String, width: Int) -> String {
        var out: [String] = []
        // A quoted value may hold a line break (a default "a\nb"): a line that starts or ends inside
        // quotes is part of a value and is copied as it is.
        var quote: UInt8?
        for line in sql.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let startsQuoted = quote != nil
            for byte in line {
                if let open = quote {
                    if byte == open { quote = nil }
                } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                    quote = byte
                }
            }
            out += startsQuoted || quote != nil ? [String(Substring(line))] : wrapLine(Substring(line), width: width)
        }
        while out.last == "" { out.removeLast() }
        return out.joined(separator: "\n") + "\n"
    }

    private static func wrapLine(_ line: Substring, width: Int) -> [String] {
        // A line's characters are at most its bytes: most lines need no counting at all.
        guard line.utf8.count > width, line.characterCount > width else { return [String(line)] }
        let bytes = line.utf8
        let indentationEnd = bytes.firstIndex { $0 != UInt8(ascii: " ") } ?? bytes.endIndex
        let indentation = String(line[..<indentationEnd])
        var words: [Substring] = []
        var start: Substring.Index?
        var quote: UInt8?
        var index = indentationEnd
        while index < bytes.endIndex {
            let byte = bytes[index]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                quote = byte
            } else if byte == UInt8(ascii: " ") {
                if let wordStart = start { words.append(line[wordStart..<index]) }
                start = nil
                bytes.formIndex(after: &index)
                continue
            }
            if start == nil { start = index }
            bytes.formIndex(after: &index)
        }
        if let wordStart = start { words.append(line[wordStart...]) }
        // Lengths are counted as the line grows: `String.count` walks the whole string each time.
        var lines: [String] = []
        var current = indentation
        var length = indentation.utf8.count
        var hasWord = false
        for word in words {
            let wordLength = word.characterCount
            if !hasWord {
                current += word
                length += wordLength
                hasWord = true
            } else if length + 1 + wordLength <= width {
                current += " "
                current += word
                length += 1 + wordLength
            } else {
                lines.append(current)
                current = indentation + "    " + word
                length = indentation.utf8.count + 4 + wordLength
            }
        }
        lines.append(current)
        return lines
    }
}
