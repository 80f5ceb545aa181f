/// Decodes PostgreSQL's binary `numeric` (base-10000 digits) into its decimal text, for dynamic
/// queries such as `SELECT sum(stock)`; nil for bytes that are not a numeric.
enum NumericText {
    static func decode(_ raw: UnsafeRawBufferPointer) -> String? {
        guard raw.count >= 8 else { return nil }
        func word(_ offset: Int) -> Int { Int(Int16(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int16.self))) }
        let count = word(0)
        let weight = word(2)
        let sign = UInt16(truncatingIfNeeded: word(4))
        let scale = word(6)
        switch sign {
        case 0xC000: return "NaN"
        case 0xD000: return "Infinity"
        case 0xF000: return "-Infinity"
        case 0x0000, 0x4000: break
        default: return nil
        }
        guard count >= 0, scale >= 0, raw.count >= 8 + 2 * count else { return nil }
        let digits = (0..<count).map { word(8 + 2 * $0) }
        var integerPart = ""
        if weight >= 0 {
            for position in 0...weight {
                let digit = position < digits.count ? digits[position] : 0
                let text = String(digit)
                integerPart += position == 0 ? text : String(repeating: "0", count: 4 - text.count) + text
            }
        } else {
            integerPart = "0"
        }
        var fraction = ""
        var position = weight + 1
        while fraction.count < scale {
            let digit = position >= 0 && position < digits.count ? digits[position] : 0
            let text = String(digit)
            fraction += String(repeating: "0", count: 4 - text.count) + text
            position += 1
        }
        fraction = String(fraction.prefix(scale))
        let magnitude = scale > 0 ? integerPart + "." + fraction : integerPart
        return (sign == 0x4000 ? "-" : "") + magnitude
    }
}
