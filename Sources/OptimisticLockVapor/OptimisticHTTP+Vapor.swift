#if Vapor
    import HTTPTypes
    import OptimisticLock
    import OptimisticLockHTTP
    import Vapor

    extension OptimisticHTTP {
        /// `write(headers:bodyVersion:_:)` for a Vapor request: the closure receives the version
        /// `If-Match` (or the body's version) names; every other outcome is an `HTTPProblem`, which
        /// `OptimisticLockErrorMiddleware` answers.
        public static func write<T>(
            request: Request, bodyVersion: Int64?, _ write: (Int64) async throws -> T
        ) async throws -> T {
            try await self.write(headers: request.headers.httpFields, bodyVersion: bodyVersion, write)
        }

        /// `write(headers:bodyVersion:requireVersion:_:)` for a Vapor request.
        public static func write<T>(
            request: Request, bodyVersion: Int64?, requireVersion: Bool, _ write: (Int64?) async throws -> T
        ) async throws -> T {
            try await self.write(
                headers: request.headers.httpFields, bodyVersion: bodyVersion, requireVersion: requireVersion, write)
        }

        /// `idempotentWrite(request:body:scope:pool:expiresAfter:_:)` for a Vapor request: its method,
        /// its URL as Vapor holds it (`request.url.string`: path and query, after any middleware
        /// that rewrote it) and its headers.
        public static func idempotentWrite<Pool: DatabasePool>(
            request: Request, body: some Sequence<UInt8>, scope: String = "", pool: Pool,
            expiresAfter: Duration = .seconds(86_400),
            _ write: @Sendable (Pool.Connection) throws -> IdempotentResponse
        ) async throws -> IdempotentResult<IdempotentResponse> {
            guard let method = HTTPRequest.Method(request.method.rawValue) else {
                throw HTTPProblem(status: .badRequest, title: "Bad Request", detail: "the request's method is not a token")
            }
            let head = HTTPRequest(
                method: method, scheme: nil, authority: nil, path: request.url.string,
                headerFields: request.headers.httpFields)
            return try await idempotentWrite(
                request: head, body: body, scope: scope, pool: pool, expiresAfter: expiresAfter, write)
        }

        /// `isNotModified(headers:currentVersion:)` for a Vapor request.
        public static func isNotModified(request: Request, currentVersion: Int64) -> Bool {
            isNotModified(headers: request.headers.httpFields, currentVersion: currentVersion)
        }
    }

    extension HTTPHeaders {
        /// The same fields as apple/swift-http-types' `HTTPFields`, in order (a name that is not a
        /// valid field name cannot arrive from NIO's parser, and is left out).
        var httpFields: HTTPFields {
            var fields = HTTPFields()
            for (name, value) in self {
                if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
            }
            return fields
        }
    }
#endif
