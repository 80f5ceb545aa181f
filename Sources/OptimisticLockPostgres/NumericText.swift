/// PostgreSQL's binary `numeric` (base-10000 digits) to and from decimal text: `Decimal` fields, and
/// dynamic queries such as `SELECT sum(stock)`.
enum NumericText {
    /// The binary `numeric` of `[-]digits[.digits]` text (`DecimalText`'s canonical form): a header
    /// (digit count, weight of the first digit, sign, display scale) and the base-10000 digits,
    /// grouped from the decimal point; nil for text of another form.
    static func encode(_ text: String) -> [UInt8]? {
        var rest = Substring(text)
        let negative = rest.first == "-"
        if negative { rest = rest.dropFirst() }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integer = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        guard !integer.isEmpty, (integer + fraction).allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
        let scale = fraction.count
        let left = String(repeating: "0", count: (4 - integer.count % 4) % 4) + integer
        let right = fraction + String(repeating: "0", count: (4 - fraction.count % 4) % 4)
        let all = Array((left + right).utf8)
        var groups = stride(from: 0, to: all.count, by: 4).map { start in
            all[start..<start + 4].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }
        var weight = left.count / 4 - 1
        while groups.first == 0 {
            groups.removeFirst()
            weight -= 1
        }
        while groups.last == 0 { groups.removeLast() }
        if groups.isEmpty { weight = 0 }
        guard groups.count <= Int(Int16.max), weight >= Int(Int16.min), weight <= Int(Int16.max) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + 2 * groups.count)
        func append(_ word: Int) {
            let value = UInt16(truncatingIfNeeded: word)
            bytes.append(UInt8(value >> 8))
            bytes.append(UInt8(value & 0xFF))
        }
        append(groups.count)
        append(weight)
        append(negative && !groups.isEmpty ? 0x4000 : 0)
        append(scale)
        for group in groups { append(group) }
        return bytes
    }

    static func decode(_ raw: UnsafeRawBufferPointer) -> String? {
        guard raw.count >= 8 else { return nil }
        // The digit count and the display scale are unsigned 16-bit fields (a value may have more
        // than 32,767 digits); the weight is signed.
        func word(_ offset: Int) -> Int { Int(UInt16(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))) }
        let count = word(0)
        let weight = Int(Int16(truncatingIfNeeded: word(2)))
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
        guard digits.allSatisfy({ $0 <= 9999 }) else { return nil }  // base-10000 digits; anything else is not a numeric
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
