/// A column's declared default, neutral of dialect (NULL, an optional column's default, is no
/// default at all).
public enum ColumnDefault: Sendable, Hashable {
    /// An integer.
    case integer(Int64)
    /// A floating-point literal as written in the schema (already checked to be one).
    case real(String)
    /// Text (also an enum's case name).
    case text(String)
    /// A Boolean.
    case boolean(Bool)

    /// The SQL literal in `dialect`: text quoted with embedded quotes doubled; a Boolean as SQLite's
    /// `1`/`0` or PostgreSQL's `TRUE`/`FALSE`.
    public func sql(_ dialect: SQLDialect) -> String {
        switch self {
        case .integer(let number): String(number)
        case .real(let text): text
        case .text(let text): "'" + text.doublingQuotes + "'"
        case .boolean(let flag):
            switch dialect {
            case .sqlite: flag ? "1" : "0"
            case .postgres: flag ? "TRUE" : "FALSE"
            }
        }
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
