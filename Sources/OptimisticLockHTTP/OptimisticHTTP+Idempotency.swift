import HTTPTypes
import OptimisticLock

extension OptimisticHTTP {
    /// Runs a write at most once per `Idempotency-Key` (the IETF httpapi draft): the key, a
    /// fingerprint of the request (method, path, SHA-256 of the body) and the response are stored
    /// in the write's own transaction (`DatabaseConnection.idempotent`), so a client that retries
    /// after a lost answer — or after a 500 "outcome unknown" — gets the stored response, marked
    /// `Idempotent-Replayed: true`, and the write never runs twice. A request without the header
    /// simply runs in one transaction. A retry must send the same bytes: the fingerprint is of the
    /// body as sent, so a client encodes its body once and resends it (JSON with another key
    /// order is another request, 422).
    ///
    /// ```swift
    /// // POST /api/pages   (Idempotency-Key: "0b8a2c9e-...")
    /// let created = try await OptimisticHTTP.idempotentWrite(request: request, body: bytes, pool: pool) { db in
    ///     var page = Page(slug: input.slug, title: input.title)
    ///     try page.insert(db)
    ///     return try .json(page, status: .created, headerFields: [.location: "/api/pages/\(page.id!)"])
    /// }
    /// // Answer created.response.status, .headerFields and .body.
    /// ```
    ///
    /// - Parameters:
    ///   - request: the request, whose `Idempotency-Key`, method and path are used.
    ///   - body: the request's body bytes, for the fingerprint.
    ///   - scope: whose key it is (a user or API client): keys of different scopes never meet.
    ///   - pool: where the write runs (`pool.write`).
    ///   - expiresAfter: how long a stored response is kept (24 hours by default).
    ///   - write: the write, in one transaction; it returns the response to send and store.
    /// - Throws: `HTTPProblem`: 400 for a malformed or repeated `Idempotency-Key`, 422 for a key
    ///   used before with another request, 409 while the key's first request still runs, and the
    ///   statuses of `problem(for:source:)` for the library's errors the write throws; any other
    ///   error (`CancellationError`, the framework's, the app's) passes through as it is.
    public static func idempotentWrite<Pool: DatabasePool>(
        request: HTTPRequest, body: some Sequence<UInt8>, scope: String = "", pool: Pool,
        expiresAfter: Duration = .seconds(86_400),
        _ write: @Sendable (Pool.Connection) throws -> IdempotentResponse
    ) async throws -> IdempotentResult<IdempotentResponse> {
        let key = try idempotencyKey(request)
        var digest = SHA256()
        digest.update(body)
        let fingerprint = "\(request.method.rawValue) \(request.path ?? "")\nsha256:\(digest.hexDigest())"
        do {
            var result = try await pool.write { db in
                guard let key else { return IdempotentResult(response: try write(db), isReplay: false) }
                return try db.idempotent(key: key, scope: scope, fingerprint: fingerprint, expiresAfter: expiresAfter) {
                    try write(db)
                }
            }
            if result.isReplay {
                result.response.fields.append(.init(name: HTTPField.Name.idempotentReplayed.rawName, value: "true"))
            }
            return result
        } catch {
            throw answer(error, source: nil)
        }
    }

    /// The request's `Idempotency-Key`: a structured-field string (quoted) or, as many clients
    /// send it, the bare value; nil when there is none.
    static func idempotencyKey(_ request: HTTPRequest) throws(HTTPProblem) -> String? {
        let values = request.headerFields[values: .idempotencyKey]
        guard let first = values.first else { return nil }
        guard values.count == 1 else {
            throw HTTPProblem(status: .badRequest, title: "Bad Request", detail: "send one Idempotency-Key, not several")
        }
        let value = first.trimmingSpaces
        guard value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") else { return value }
        var key = ""
        var escaped = false
        for character in value.dropFirst().dropLast() {
            if escaped {
                guard character == "\"" || character == "\\" else {
                    throw HTTPProblem(status: .badRequest, title: "Bad Request", detail: "the Idempotency-Key is malformed")
                }
                key.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                // An unescaped quote inside a string: `"a", "b"` is a list, not one key.
                throw HTTPProblem(status: .badRequest, title: "Bad Request", detail: "the Idempotency-Key is malformed")
            } else {
                key.append(character)
            }
        }
        guard !escaped else {
            throw HTTPProblem(status: .badRequest, title: "Bad Request", detail: "the Idempotency-Key is malformed")
        }
        return key
    }

    /// The problem for an idempotency key that was refused.
    static func problem(for refusal: IdempotencyError) -> HTTPProblem {
        switch refusal.kind {
        case .keyReused:
            return HTTPProblem(
                status: .unprocessableContent, type: HTTPProblem.idempotencyKeyReusedType, title: "Unprocessable Content",
                detail: refusal.message)
        case .inProgress:
            return HTTPProblem(
                status: .conflict, type: HTTPProblem.idempotencyKeyInProgressType, title: "Conflict", detail: refusal.message)
        default:
            return HTTPProblem(status: .badRequest, title: "Bad Request", detail: refusal.message)
        }
    }
}
