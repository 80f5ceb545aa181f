#if Hummingbird
    import Hummingbird
    import Logging
    import OptimisticLock
    import OptimisticLockHTTP

    /// Answers the library's errors thrown by any handler after it with the problem
    /// `OptimisticHTTP` gives them: `ConcurrentUpdate` 409 (404 when the record was deleted),
    /// `RecordNotFound` 404, `DatabaseError` by its kind (409 a unique value taken, 422, 503 with
    /// `Retry-After`, 500 for an outcome unknown, ...), `IdempotencyError` 400/409/422. The error is
    /// logged with the request's logger (`debug` for client errors, `error` for server errors), with
    /// its full message, which the response never carries. Other errors and cancellation pass
    /// through.
    ///
    /// It answers the routes added after it. Add Hummingbird's `TracingMiddleware` and
    /// `MetricsMiddleware` before it, so that they see the problem's status rather than an error
    /// (which they would count as a 500). A failure while a response body is being streamed comes
    /// after its status was sent and cannot be answered.
    ///
    /// ```swift
    /// let router = Router()
    /// router.add(middleware: OptimisticLockErrorMiddleware())
    /// router.delete("/pages/:id") { request, context -> Response in
    ///     let id = try context.parameters.require("id", as: Int64.self)
    ///     try await OptimisticHTTP.write(request: request, bodyVersion: nil) { version in   // 412, 428: thrown
    ///         try await pool.writeWithoutTransaction { db in try Page.delete(db, id: id, version: version) }
    ///     }                                                                                // 404, 503: thrown
    ///     return Response(status: .noContent)
    /// }
    /// ```
    public struct OptimisticLockErrorMiddleware<Context: RequestContext>: RouterMiddleware {
        /// A middleware for the routes added after it.
        public init() {}

        /// Runs the rest of the chain and answers the library's errors.
        public func handle(
            _ request: Request, context: Context, next: (Request, Context) async throws -> Response
        ) async throws -> Response {
            do {
                return try await next(request, context)
            } catch {
                guard let problem = OptimisticHTTP.problem(forLibraryError: error) else { throw error }
                log(problem, context)
                return try problem.response(from: request, context: context)
            }
        }

        private func log(_ problem: HTTPProblem, _ context: Context) {
            guard let cause = problem.underlyingError else { return }
            let metadata: Logger.Metadata = ["status": .stringConvertible(problem.status.code), "error": .string("\(cause)")]
            if problem.status.code >= 500 {
                context.logger.error("request failed", metadata: metadata)
            } else {
                context.logger.debug("request refused", metadata: metadata)
            }
        }
    }
#endif
