/// Breaks long SQL lines at spaces between tokens — never inside a quoted identifier or a string
/// literal, whose spaces belong to a name or a value — so that generated code stays within the
/// writer's width. Whitespace between tokens means the same in SQL whatever it is.
enum SQLWrapping {
    /// The SQL with every line longer than `width` broken, continuation lines indented by four more
    /// spaces; ends in a newline.
    static func wrap(_ sql: String, width: Int) -> String {
        var out: [String] = []
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            out += wrapLine(String(line), width: width)
        }
        while out.last == "" { out.removeLast() }
        return out.joined(separator: "\n") + "\n"
    }

    private static func wrapLine(_ line: String, width: Int) -> [String] {
        guard line.count > width else { return [line] }
        let indentation = String(line.prefix { $0 == " " })
        var words: [String] = []
        var current = ""
        var quote: Character?
        for character in line.dropFirst(indentation.count) {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == " " {
                if !current.isEmpty { words.append(current) }
                current = ""
                continue
            }
            current.append(character)
        }
        if !current.isEmpty { words.append(current) }
        var lines: [String] = []
        var line = indentation
        for word in words {
            if line.trimmingPrefixSpaces.isEmpty {
                line += word
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = indentation + "    " + word
            }
        }
        lines.append(line)
        return lines
    }
}

extension String {
    fileprivate var trimmingPrefixSpaces: Substring { drop { $0 == " " } }
}
