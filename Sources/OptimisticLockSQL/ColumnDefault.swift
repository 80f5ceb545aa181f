/// A column's declared default, neutral of dialect (NULL, an optional column's default, is no
/// default at all).
public enum ColumnDefault: Sendable, Hashable {
    /// An integer.
    case integer(Int64)
    /// A floating-point literal as written in the schema (`-1.5`, `2e10`). Text that is not one is
    /// spelled as a quoted string, never as SQL: a description cannot inject a statement.
    case real(String)
    /// Text (also an enum's case name).
    case text(String)
    /// A Boolean.
    case boolean(Bool)
    /// An exact decimal in canonical form (`-12.5`: no exponent, no leading or trailing zeros), as
    /// a `Decimal` prints it: SQLite stores it as that text, PostgreSQL as a `numeric`. Text that is
    /// not one is spelled as a quoted string, never as SQL.
    case decimal(String)

    /// The SQL literal in `dialect`: text quoted with embedded quotes doubled; a Boolean as SQLite's
    /// `1`/`0` or PostgreSQL's `TRUE`/`FALSE`.
    public func sql(_ dialect: SQLDialect) -> String {
        switch self {
        case .integer(let number): String(number)
        case .real(let text): Self.isNumber(text) ? text : "'" + text.doublingQuotes + "'"
        case .text(let text): "'" + text.doublingQuotes + "'"
        case .decimal(let text):
            switch dialect {
            case .sqlite: "'" + text.doublingQuotes + "'"
            case .postgres: Self.isNumber(text) ? text : "'" + text.doublingQuotes + "'"
            }
        case .boolean(let flag):
            switch dialect {
            case .sqlite: flag ? "1" : "0"
            case .postgres: flag ? "TRUE" : "FALSE"
            }
        }
    }
}

extension ColumnDefault {
    /// True for `[-+]digits[.digits][e[-+]digits]` (at least one digit before or after the point).
    static func isNumber(_ text: String) -> Bool {
        var bytes = text.utf8[...]
        func digits() -> Int {
            let count = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
            bytes = bytes.dropFirst(count)
            return count
        }
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        var mantissa = digits()
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            mantissa += digits()
        }
        guard mantissa > 0 else { return false }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }
}

extension String {
    /// Every `'` doubled (standard library only, no Foundation); the common case, no quote, is `self`.
    var doublingQuotes: String {
        guard utf8.contains(UInt8(ascii: "'")) else { return self }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 8)
        for unit in utf8 {
            out.append(unit)
            if unit == UInt8(ascii: "'") { out.append(unit) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
