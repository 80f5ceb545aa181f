/// Builds indented source text line by line (4 spaces per level).
struct CodeWriter {
    /// The longest line the writer aims for; declarations longer than this break their parameters.
    static let width = 120

    private(set) var text = ""
    private var level = 0

    /// The columns the current indentation takes.
    var indentation: Int { level * 4 }

    /// Appends one line at the current indentation (an empty string gives an empty line).
    mutating func line(_ content: String = "") {
        if !content.isEmpty {
            for _ in 0..<level { text.append("    ") }
            text.append(content)
        }
        text.append("\n")
    }

    /// Appends every newline-terminated line of `lines` at the current indentation after `prefix`
    /// (an empty line stays empty; text after the last newline is not written).
    mutating func lines(_ lines: String, prefix: String) {
        let lead = String(repeating: " ", count: level * 4) + prefix
        var rest = lines[...]
        while let newline = rest.utf8.firstIndex(of: UInt8(ascii: "\n")) {
            let content = rest[..<newline]
            if !content.isEmpty {
                text.append(lead)
                text.append(contentsOf: content)
            }
            text.append("\n")
            rest = rest[rest.utf8.index(after: newline)...]
        }
    }

    /// Appends `///` lines.
    mutating func doc(_ lines: [String]) {
        for content in lines {
            line(content.isEmpty ? "///" : "/// " + content)
        }
    }

    /// Appends `header {`, the body one level deeper, then `}`.
    mutating func block(_ header: String, _ body: (inout CodeWriter) -> Void) {
        line(header + " {")
        level += 1
        body(&self)
        level -= 1
        line("}")
    }

    /// Appends `head(parameters)tail {`, the body one level deeper, then `}`; when that first line
    /// would be longer than `width`, each parameter goes on a line of its own.
    mutating func block(_ head: String, parameters: [String], _ tail: String, _ body: (inout CodeWriter) -> Void) {
        let oneLine = head + "(" + parameters.joined(separator: ", ") + ")" + tail
        if indentation + oneLine.count + 2 <= Self.width || parameters.isEmpty {
            block(oneLine, body)
            return
        }
        line(head + "(")
        level += 1
        for (offset, parameter) in parameters.enumerated() {
            line(parameter + (offset == parameters.count - 1 ? "" : ","))
        }
        level -= 1
        block(")" + tail, body)
    }

    /// Appends `header {`, the first body, `} else {`, the second body, `}`.
    mutating func ifElse(_ header: String, _ then: (inout CodeWriter) -> Void, else otherwise: (inout CodeWriter) -> Void) {
        line(header + " {")
        level += 1
        then(&self)
        level -= 1
        line("} else {")
        level += 1
        otherwise(&self)
        level -= 1
        line("}")
    }
}

/// Swift literal spelling.
enum SwiftLiteral {
    /// A string literal with the escapes Swift needs.
    static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\0": out += "\\0"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
