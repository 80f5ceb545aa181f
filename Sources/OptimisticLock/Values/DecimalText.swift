#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The one text form of a `Decimal` the library stores and reads: `[-]digits[.digits]`, no exponent,
/// no leading zeros, no trailing fraction zeros, no negative zero — what `Decimal.description` prints.
/// SQLite keeps a `Decimal` field as this text (so equal values are equal text); PostgreSQL's
/// `numeric` travels in binary and is checked through the same parser.
public enum DecimalText {
    /// The canonical text of `value`; nil for NaN, which no database column should hold.
    public static func text(_ value: Decimal) -> String? {
        value.isNaN ? nil : value.description
    }

    /// The decimal `text` spells exactly: `[-|+]digits[.digits]` (no exponent, no spaces, leading
    /// and trailing zeros allowed); nil for anything else, and for a value a `Decimal` cannot hold
    /// exactly (more significant digits than its 128-bit significand holds, or out of its exponent range), never a rounded one.
    public static func parse(_ text: some StringProtocol) -> Decimal? {
        var bytes = Substring(text).utf8[...]
        let negative = bytes.first == UInt8(ascii: "-")
        if negative || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        var digits: [UInt8] = []
        var fractionDigits = 0
        var sawPoint = false
        var sawDigitBeforePoint = false
        for byte in bytes {
            if byte == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits.append(byte - UInt8(ascii: "0"))
                if sawPoint { fractionDigits += 1 } else { sawDigitBeforePoint = true }
            } else {
                return nil
            }
        }
        guard sawDigitBeforePoint, !sawPoint || fractionDigits > 0 else { return nil }
        var exponent = -fractionDigits
        while digits.last == 0 && digits.count > 1 {
            digits.removeLast()
            exponent += 1
        }
        let significant = digits.drop { $0 == 0 }
        if significant.isEmpty { return Decimal(0) }
        // A Decimal's significand holds up to 2^128 - 1 (39 digits); the check after building it
        // refuses whatever it could only round.
        guard significant.count <= 39, exponent >= -128, exponent <= 127 else { return nil }
        var significand = Decimal(0)
        for digit in significant { significand = significand * 10 + Decimal(Int(digit)) }
        let value = Decimal(sign: negative ? .minus : .plus, exponent: exponent, significand: significand)
        let exact = String(decoding: significant.map { $0 + UInt8(ascii: "0") }, as: UTF8.self)
        guard significand.description == exact, value.exponent == exponent else { return nil }
        return value
    }
}
