/// An HTTP entity tag (RFC 9110 §8.8.3). A record's tag is its version, quoted: `"4503599627370123"`.
/// Strong tags only ever match strong tags; a weak one (`W/"..."`) never names a version.
public struct EntityTag: Sendable, Hashable, CustomStringConvertible {
    /// What is between the quotes.
    public let opaque: String
    /// True for a weak tag (`W/"..."`).
    public let isWeak: Bool

    /// A tag.
    public init(opaque: String, isWeak: Bool = false) {
        self.opaque = opaque
        self.isWeak = isWeak
    }

    /// The strong tag of a record at `version`.
    public init(version: Int64) {
        self.init(opaque: String(version))
    }

    /// The version a strong tag of a record names, or nil (weak, or not one of ours).
    public var version: Int64? {
        guard !isWeak, let value = Int64(opaque), value > 0, String(value) == opaque else { return nil }
        return value
    }

    /// The header form: `"opaque"` or `W/"opaque"`.
    public var description: String {
        (isWeak ? "W/" : "") + "\"" + opaque + "\""
    }

    /// The tags of an `If-Match` or `If-None-Match` value (`*` is handled by `ETagCondition`), or nil
    /// when the list is malformed.
    public static func list(_ value: Substring) -> [EntityTag]? {
        var tags: [EntityTag] = []
        var rest = value[...]
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" || $0 == "," }
            if rest.isEmpty { return tags }
            var weak = false
            if rest.hasPrefix("W/") {
                weak = true
                rest = rest.dropFirst(2)
            }
            guard rest.first == "\"" else { return nil }
            rest = rest.dropFirst()
            guard let end = rest.firstIndex(of: "\"") else { return nil }
            let opaque = rest[..<end]
            // etagc = %x21 / %x23-7E / obs-text: no spaces, no quotes, no control characters.
            guard opaque.unicodeScalars.allSatisfy({ $0.value == 0x21 || ($0.value >= 0x23 && $0.value != 0x7F) }) else {
                return nil
            }
            tags.append(EntityTag(opaque: String(opaque), isWeak: weak))
            rest = rest[rest.index(after: end)...]
            let separator = rest.drop { $0 == " " || $0 == "\t" }
            guard separator.isEmpty || separator.first == "," else { return nil }
            rest = separator
        }
    }
}

/// The condition of an `If-Match` or `If-None-Match` header: `*` (any current representation) or a
/// list of tags.
public enum ETagCondition: Sendable, Hashable {
    /// `*`.
    case any
    /// A list of tags.
    case tags([EntityTag])

    /// The condition the header values spell (several header lines are one list); nil when absent.
    /// - Throws: `HTTPProblem` 400 for a malformed value.
    public static func parse(_ values: [String], header: String) throws(HTTPProblem) -> ETagCondition? {
        guard !values.isEmpty else { return nil }
        var tags: [EntityTag] = []
        for value in values {
            let trimmed = value.trimmingSpaces
            if trimmed == "*" {
                // `*` stands alone: beside tags (on other header lines) it is malformed.
                guard values.count == 1 else {
                    throw HTTPProblem(
                        status: .badRequest, title: "Malformed \(header)",
                        detail: "\(header) is either * or a list of entity tags, not both")
                }
                return .any
            }
            guard let list = EntityTag.list(trimmed[...]) else {
                throw HTTPProblem(
                    status: .badRequest, title: "Malformed \(header)",
                    detail: "\(header) must be * or a list of quoted entity tags, e.g. \"4503599627370123\"")
            }
            tags += list
        }
        return .tags(tags)
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
