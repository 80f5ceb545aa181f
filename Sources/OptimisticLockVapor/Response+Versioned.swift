#if Vapor
    import OptimisticLockHTTP
    import Vapor

    extension Response {
        /// A record encoded as JSON by the application's content configuration (ISO 8601 dates by
        /// default, so that `request.content.decode` reads it back), with its version as the strong
        /// `ETag` (and `Location`, for a create): what a GET, a PUT or a POST of a versioned record
        /// answers.
        ///
        /// ```swift
        /// return try Response.versioned(note, version: note.version, status: .created, location: "/notes/\(note.id!)")
        /// ```
        public static func versioned(
            _ value: some Encodable, version: Int64, status: HTTPResponseStatus = .ok, location: String? = nil
        ) throws -> Response {
            let response = Response(status: status)
            try response.content.encode(value, as: .json)
            response.headers.replaceOrAdd(name: .eTag, value: EntityTag(version: version).description)
            if let location { response.headers.replaceOrAdd(name: .location, value: location) }
            return response
        }

        /// A response stored with an idempotency key, or just made by `OptimisticHTTP.idempotentWrite`
        /// (`result.response`): its status, headers (`Idempotent-Replayed: true` on a replay) and body.
        public static func idempotent(_ stored: IdempotentResponse) -> Response {
            Response(status: stored.status, fields: stored.headerFields, body: stored.body)
        }

        /// 304 Not Modified with the version's `ETag`, for a GET whose `If-None-Match` names it
        /// (`OptimisticHTTP.isNotModified(request:currentVersion:)`).
        public static func notModified(version: Int64) -> Response {
            Response(status: .notModified, headers: [HTTPHeaders.Name.eTag.description: EntityTag(version: version).description])
        }
    }
#endif
