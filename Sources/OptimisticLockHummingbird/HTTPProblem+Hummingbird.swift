#if Hummingbird
    import Hummingbird
    import OptimisticLockHTTP

    /// An `HTTPProblem` thrown from a Hummingbird handler is its response: the status, the headers
    /// (`Content-Type: application/problem+json`, `ETag` of the current version, `Retry-After`) and
    /// the RFC 9457 body. Its `underlyingError` is not sent.
    extension HTTPProblem: HTTPResponseError {
        /// The problem as a response.
        public func response(from request: Request, context: some RequestContext) throws -> Response {
            Response(status: status, headers: headerFields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
#endif
