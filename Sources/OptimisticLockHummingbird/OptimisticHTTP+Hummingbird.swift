#if Hummingbird
    import Hummingbird
    import OptimisticLock
    import OptimisticLockHTTP

    extension OptimisticHTTP {
        /// `write(headers:bodyVersion:_:)` for a Hummingbird request: the closure receives the
        /// version `If-Match` (or the body's version) names; every other outcome is an `HTTPProblem`.
        public static func write<T>(
            request: Request, bodyVersion: Int64?, _ write: (Int64) async throws -> T
        ) async throws -> T {
            try await self.write(headers: request.headers, bodyVersion: bodyVersion, write)
        }

        /// `write(headers:bodyVersion:requireVersion:_:)` for a Hummingbird request.
        public static func write<T>(
            request: Request, bodyVersion: Int64?, requireVersion: Bool, _ write: (Int64?) async throws -> T
        ) async throws -> T {
            try await self.write(headers: request.headers, bodyVersion: bodyVersion, requireVersion: requireVersion, write)
        }

        /// `idempotentWrite(request:body:scope:pool:expiresAfter:_:)` for a Hummingbird request (its
        /// `head`: the method, path and `Idempotency-Key`).
        public static func idempotentWrite<Pool: DatabasePool>(
            request: Request, body: some Sequence<UInt8>, scope: String = "", pool: Pool,
            expiresAfter: Duration = .seconds(86_400),
            _ write: @Sendable (Pool.Connection) throws -> IdempotentResponse
        ) async throws -> IdempotentResult<IdempotentResponse> {
            try await idempotentWrite(
                request: request.head, body: body, scope: scope, pool: pool, expiresAfter: expiresAfter, write)
        }

        /// `isNotModified(headers:currentVersion:)` for a Hummingbird request.
        public static func isNotModified(request: Request, currentVersion: Int64) -> Bool {
            isNotModified(headers: request.headers, currentVersion: currentVersion)
        }
    }
#endif
