import HTTPTypes

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What a request failed with, as an HTTP status and an RFC 9457 `application/problem+json` body:
/// for a stale version, the version the client sent and the one the record has now, with its ETag,
/// so the client can show the difference and try again. The error it was made from, which is never
/// sent, is `underlyingError`: log it.
public struct HTTPProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// The status.
    public var status: HTTPResponse.Status
    /// A URI naming the kind of problem (`about:blank` when the status says it all).
    public var type: String
    /// A short summary.
    public var title: String
    /// What happened in this request.
    public var detail: String
    /// The version the request was checked against.
    public var expectedVersion: Int64?
    /// The record's version now (nil when it does not exist or was not read).
    public var currentVersion: Int64?
    /// The error this problem answers for, for the app's log: never part of the response (a
    /// database's message may quote stored values). Not compared by `==`.
    public var underlyingError: (any Error)?

    /// A problem.
    public init(
        status: HTTPResponse.Status, type: String = "about:blank", title: String, detail: String,
        expectedVersion: Int64? = nil, currentVersion: Int64? = nil
    ) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.expectedVersion = expectedVersion
        self.currentVersion = currentVersion
    }

    /// The `type` of a write checked against a version that is no longer current (412 for
    /// `If-Match`, 409 for a version in the body).
    public static let staleVersionType = "urn:optimistic-lock:stale-version"
    /// The `type` of a write that sent no version where one is required (428).
    public static let versionRequiredType = "urn:optimistic-lock:version-required"
    /// The `type` of a write to a record no row has: deleted since it was read, or never there (404).
    public static let deletedType = "urn:optimistic-lock:deleted"

    /// The `type` of a write whose outcome is unknown: it was sent to the database and no answer
    /// came (500, no `Retry-After`), or only part of it was saved. Read before trying again, or
    /// repeat the request with the same `Idempotency-Key`.
    public static let outcomeUnknownType = "urn:optimistic-lock:outcome-unknown"

    /// The `type` of a request whose `Idempotency-Key` was used before for a different request (422).
    public static let idempotencyKeyReusedType = "urn:optimistic-lock:idempotency-key-reused"
    /// The `type` of a request whose `Idempotency-Key`'s first request still runs (409): try again
    /// later, and get its response.
    public static let idempotencyKeyInProgressType = "urn:optimistic-lock:idempotency-key-in-progress"

    /// The record's current ETag, when its version is known.
    public var currentETag: EntityTag? { currentVersion.map(EntityTag.init(version:)) }

    /// `Content-Type: application/problem+json` and, when the current version is known, `ETag`; a
    /// `Retry-After` for failures worth retrying.
    public var headerFields: HTTPFields {
        var fields = HTTPFields()
        fields[.contentType] = "application/problem+json"
        if let currentETag { fields[.eTag] = currentETag.description }
        if status == .serviceUnavailable { fields[.retryAfter] = "1" }
        return fields
    }

    /// The RFC 9457 body: `type`, `title`, `status`, `detail`, and `expectedVersion`,
    /// `currentVersion`, `currentETag` when known.
    public var body: [UInt8] {
        var object: [(String, String)] = [
            ("type", Self.json(type)), ("title", Self.json(title)), ("status", String(status.code)),
            ("detail", Self.json(detail)),
        ]
        if let expectedVersion { object.append(("expectedVersion", String(expectedVersion))) }
        if let currentVersion { object.append(("currentVersion", String(currentVersion))) }
        if let currentETag { object.append(("currentETag", Self.json(currentETag.description))) }
        return Array(("{" + object.map { "\(Self.json($0.0)):\($0.1)" }.joined(separator: ",") + "}").utf8)
    }

    /// The status, title and detail.
    public var description: String { "\(status.code) \(title): \(detail)" }

    /// Equal when everything sent is equal (`underlyingError` is not sent, and not compared).
    public static func == (lhs: HTTPProblem, rhs: HTTPProblem) -> Bool {
        lhs.status == rhs.status && lhs.type == rhs.type && lhs.title == rhs.title && lhs.detail == rhs.detail
            && lhs.expectedVersion == rhs.expectedVersion && lhs.currentVersion == rhs.currentVersion
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(status)
        hasher.combine(type)
        hasher.combine(title)
        hasher.combine(detail)
        hasher.combine(expectedVersion)
        hasher.combine(currentVersion)
    }

    /// A JSON string literal.
    static func json(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
