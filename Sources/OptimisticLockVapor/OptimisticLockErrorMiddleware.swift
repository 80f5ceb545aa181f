#if Vapor
    import OptimisticLock
    import OptimisticLockHTTP
    import Vapor

    /// Answers the library's errors thrown by any route with the problem `OptimisticHTTP` gives
    /// them (RFC 9457, `application/problem+json`): a thrown `HTTPProblem` as it is,
    /// `ConcurrentUpdate` 409 (404 when the record was deleted), `RecordNotFound` 404,
    /// `DatabaseError` by its kind (409 a unique value taken, 422, 503 with `Retry-After`, 500 for an
    /// outcome unknown, ...), `IdempotencyError` 400/409/422. The error is logged with the request's
    /// logger (`debug` for client errors, `error` for server errors), with its full message, which
    /// the response never carries. Other errors and cancellation go on to Vapor's `ErrorMiddleware`.
    ///
    /// Add it with `app.middleware.use`: it then runs inside Vapor's `ErrorMiddleware` and answers
    /// for every route. Without it, Vapor answers a thrown `HTTPProblem` with a 500.
    ///
    /// ```swift
    /// app.middleware.use(OptimisticLockErrorMiddleware())
    /// app.delete("notes", ":id") { request async throws -> Response in
    ///     guard let id = request.parameters.get("id", as: Int64.self) else { throw Abort(.badRequest) }
    ///     try await OptimisticHTTP.write(request: request, bodyVersion: nil) { version in   // 412, 428: thrown
    ///         try await pool.writeWithoutTransaction { db in try Note.delete(db, id: id, version: version) }
    ///     }                                                                                // 404, 503: thrown
    ///     return Response(status: .noContent)
    /// }
    /// ```
    public struct OptimisticLockErrorMiddleware: AsyncMiddleware {
        /// The middleware.
        public init() {}

        /// Runs the rest of the chain and answers the library's errors.
        public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
            do {
                return try await next.respond(to: request)
            } catch {
                guard let problem = OptimisticHTTP.problem(forLibraryError: error) else { throw error }
                log(problem, request)
                return problem.vaporResponse
            }
        }

        private func log(_ problem: HTTPProblem, _ request: Request) {
            guard let cause = problem.underlyingError else { return }
            let metadata: Logger.Metadata = ["status": .stringConvertible(problem.status.code), "error": .string("\(cause)")]
            if problem.status.code >= 500 {
                request.logger.error("request failed", metadata: metadata)
            } else {
                request.logger.debug("request refused", metadata: metadata)
            }
        }
    }
#endif
