/// A position in PostgreSQL's write-ahead log (an LSN), written as PostgreSQL writes it
/// (`16/B374D848`): how far a commit reached on the primary, or how far a replica has replayed.
///
/// A pool with read replicas knows the position of its last commit (`PostgresPool.lastWritePosition`)
/// and reads only from replicas that have replayed it. The position is also a token a caller can
/// carry — in a cookie, a header, a message — so that another process reads its own writes:
/// `pool.read(after: position) { ... }`. It encodes (`Codable`) and prints as the text above.
public struct WALPosition: Sendable, Hashable, Comparable, Codable, LosslessStringConvertible {
    /// The position as a number.
    public let value: UInt64

    /// A position.
    public init(_ value: UInt64) {
        self.value = value
    }

    /// Reads `16/B374D848`; nil for anything else.
    public init?(_ description: String) {
        let parts = description.split(separator: "/", omittingEmptySubsequences: false)
        func isHex(_ part: Substring) -> Bool {
            (1...8).contains(part.utf8.count)
                && part.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }
        }
        guard parts.count == 2, isHex(parts[0]), isHex(parts[1]),
            let high = UInt64(parts[0], radix: 16), let low = UInt64(parts[1], radix: 16)
        else { return nil }
        value = high << 32 | low
    }

    /// `16/B374D848`.
    public var description: String {
        String(value >> 32, radix: 16, uppercase: true) + "/" + String(value & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }

    /// Orders positions.
    public static func < (lhs: WALPosition, rhs: WALPosition) -> Bool { lhs.value < rhs.value }

    /// Decodes the text form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let position = WALPosition(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a WAL position: \(text)")
        }
        self = position
    }

    /// Encodes the text form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
