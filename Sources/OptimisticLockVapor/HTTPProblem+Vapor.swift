#if Vapor
    import HTTPTypes
    import OptimisticLockHTTP
    import Vapor

    /// An `HTTPProblem` returned from a Vapor route is its response: the status, the headers
    /// (`Content-Type: application/problem+json`, `ETag` of the current version, `Retry-After`) and
    /// the RFC 9457 body. Its `underlyingError` is not sent. A thrown one is answered the same way by
    /// `OptimisticLockErrorMiddleware`.
    ///
    /// It is not an `AbortError`: that protocol's `status` is NIO's `HTTPResponseStatus`, which
    /// would make `problem.status` ambiguous in every file that imports Vapor; and Vapor's
    /// `ErrorMiddleware` would replace the RFC 9457 body with its own `{"error", "reason"}`.
    extension HTTPProblem: AsyncResponseEncodable {
        /// The problem as a response.
        public func encodeResponse(for request: Request) async throws -> Response {
            vaporResponse
        }

        /// The problem as a Vapor response.
        var vaporResponse: Response {
            Response(status: status, fields: headerFields, body: body)
        }
    }

    extension Response {
        /// A response from swift-http-types' status and fields, and bytes.
        convenience init(status: HTTPTypes.HTTPResponse.Status, fields: HTTPFields, body: [UInt8]) {
            self.init(
                status: HTTPResponseStatus(statusCode: status.code, reasonPhrase: status.reasonPhrase),
                headers: HTTPHeaders(fields.map { ($0.name.rawName, $0.value) }), body: .init(data: Data(body)))
        }
    }
#endif
