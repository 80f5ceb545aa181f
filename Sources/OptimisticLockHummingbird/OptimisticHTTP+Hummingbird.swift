#if Hummingbird
    import Hummingbird
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

        /// `isNotModified(headers:currentVersion:)` for a Hummingbird request.
        public static func isNotModified(request: Request, currentVersion: Int64) -> Bool {
            isNotModified(headers: request.headers, currentVersion: currentVersion)
        }
    }
#endif
