#if Hummingbird
    import Hummingbird
    import OptimisticLockHTTP

    extension Response {
        /// A record encoded as the route's context encodes responses (JSON with ISO 8601 dates by
        /// default, so that `request.decode` reads it back), with its version as the strong `ETag`
        /// (and `Location`, for a create): what a GET, a PUT or a POST of a versioned record answers.
        ///
        /// ```swift
        /// return try Response.versioned(
        ///     page, version: page.version, status: .created, location: "/pages/\(page.id!)", request: request, context: context)
        /// ```
        public static func versioned(
            _ value: some Encodable, version: Int64, status: HTTPResponse.Status = .ok, location: String? = nil,
            request: Request, context: some RequestContext
        ) throws -> Response {
            var response = try context.responseEncoder.encode(value, from: request, context: context)
            response.status = status
            response.headers[.eTag] = EntityTag(version: version).description
            if let location { response.headers[.location] = location }
            return response
        }

        /// A response stored with an idempotency key, or just made by `OptimisticHTTP.idempotentWrite`
        /// (`result.response`): its status, headers (`Idempotent-Replayed: true` on a replay) and body.
        public static func idempotent(_ stored: IdempotentResponse) -> Response {
            Response(
                status: stored.status, headers: stored.headerFields,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: stored.body)))
        }

        /// 304 Not Modified with the version's `ETag`, for a GET whose `If-None-Match` names it
        /// (`OptimisticHTTP.isNotModified(request:currentVersion:)`).
        public static func notModified(version: Int64) -> Response {
            Response(status: .notModified, headers: [.eTag: EntityTag(version: version).description])
        }
    }
#endif
