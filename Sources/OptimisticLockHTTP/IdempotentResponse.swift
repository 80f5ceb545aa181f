import HTTPTypes

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An HTTP response as a write produced it: what is stored with the request's idempotency key, in
/// the write's transaction, and what a retry of the request gets back instead of running again.
public struct IdempotentResponse: Codable, Sendable, Hashable {
    /// One header field.
    public struct Field: Codable, Sendable, Hashable {
        /// The name.
        public var name: String
        /// The value.
        public var value: String
    }

    /// The status code.
    public var statusCode: Int
    /// The header fields, in order.
    public var fields: [Field]
    /// The body.
    public var body: [UInt8]

    /// A response.
    public init(status: HTTPResponse.Status, headerFields: HTTPFields = [:], body: [UInt8] = []) {
        statusCode = status.code
        fields = headerFields.map { Field(name: $0.name.rawName, value: $0.value) }
        self.body = body
    }

    /// A JSON response: `value` encoded by `encoder`, `Content-Type: application/json`.
    public static func json(
        _ value: some Encodable, status: HTTPResponse.Status = .ok, headerFields: HTTPFields = [:],
        encoder: JSONEncoder = JSONEncoder()
    ) throws -> IdempotentResponse {
        var fields = headerFields
        fields[.contentType] = "application/json"
        return IdempotentResponse(status: status, headerFields: fields, body: Array(try encoder.encode(value)))
    }

    /// The status.
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }

    /// The header fields (names that are not valid field names are left out).
    public var headerFields: HTTPFields {
        var out = HTTPFields()
        for field in fields {
            if let name = HTTPField.Name(field.name) { out.append(HTTPField(name: name, value: field.value)) }
        }
        return out
    }
}

extension HTTPField.Name {
    /// `Idempotency-Key` (IETF httpapi draft): the key a client sends with a request it may retry.
    public static var idempotencyKey: Self { Self("Idempotency-Key")! }
    /// `Idempotent-Replayed: true`: this response is the stored one of an earlier attempt.
    public static var idempotentReplayed: Self { Self("Idempotent-Replayed")! }
}
