/// `Decimal` defaults: the canonical text a `Decimal` prints (what SQLite stores and the DDL
/// declares) and an exact Swift spelling. The compiler uses the standard library only, so this
/// works on the literal's digits.
enum DecimalLiteral {
    /// `text` (`[-]digits[.digits]`) without leading zeros, trailing fraction zeros or a negative
    /// zero; nil for an exponent or more than 18 digits (a `Decimal` default is a price or a rate,
    /// and 18 digits fit the `Int64` significand the Swift spelling uses).
    static func canonical(_ text: String) -> String? {
        var rest = Substring(text)
        let negative = rest.first == "-"
        if negative || rest.first == "+" { rest = rest.dropFirst() }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let integerPart = parts.first, parts.count <= 2 else { return nil }
        let fractionPart = parts.count == 2 ? parts[1] : ""
        let isDigits = { (part: Substring) in part.allSatisfy { $0 >= "0" && $0 <= "9" } }
        guard isDigits(integerPart), isDigits(fractionPart), !(integerPart.isEmpty && fractionPart.isEmpty) else {
            return nil
        }
        let integer = integerPart.drop { $0 == "0" }
        var fraction = fractionPart
        while fraction.last == "0" { fraction.removeLast() }
        guard integer.count + fraction.count <= 18 else { return nil }
        if integer.isEmpty && fraction.isEmpty { return "0" }
        let magnitude = (integer.isEmpty ? "0" : String(integer)) + (fraction.isEmpty ? "" : "." + fraction)
        return (negative ? "-" : "") + magnitude
    }

    /// The Swift expression of a canonical decimal: an integer literal (exact for a `Decimal`), or
    /// `Decimal(sign:exponent:significand:)`, never a floating-point literal, which would pass
    /// through a `Double` and round (`0.1`).
    static func swift(_ canonical: String) -> String {
        guard let point = canonical.firstIndex(of: ".") else { return canonical }
        let negative = canonical.hasPrefix("-")
        let fraction = canonical[canonical.index(after: point)...]
        let integer = canonical[..<point].drop { $0 == "-" }
        let digits = (integer == "0" ? "" : String(integer)) + fraction
        let significand = String(digits.drop { $0 == "0" })
        return "Decimal(sign: .\(negative ? "minus" : "plus"), exponent: -\(fraction.count), significand: \(significand))"
    }
}
