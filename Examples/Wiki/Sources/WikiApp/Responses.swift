import Foundation
import Hummingbird
import Logging
import OptimisticLockHTTP
import WikiModels

/// Responses the routes build.
enum Responses {
    static let json: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try Self.json.encode(value))))
    }

    /// A page as JSON with its version as the ETag.
    static func page(_ page: Page, status: HTTPResponse.Status = .ok, location: Bool = false) throws -> Response {
        try json(page, status: status, headers: pageHeaders(page, location: location))
    }

    /// A page's ETag (its version) and, when asked, its Location.
    static func pageHeaders(_ page: Page, location: Bool) -> HTTPFields {
        var headers: HTTPFields = [.eTag: EntityTag(version: page.version).description]
        if location, let id = page.id { headers[.location] = "/api/pages/\(id)" }
        return headers
    }

    static func problem(_ problem: HTTPProblem) -> Response {
        Response(status: problem.status, headers: problem.headerFields, body: .init(byteBuffer: ByteBuffer(bytes: problem.body)))
    }

    static func redirect(_ path: String) -> Response {
        Response(status: .seeOther, headers: [.location: path])
    }

    /// Runs a route and answers a malformed body or a Hummingbird error as a problem
    /// (`application/problem+json`), as the library's middleware answers the library's errors.
    static func api(_ route: () async throws -> Response) async throws -> Response {
        do {
            return try await route()
        } catch let problem as HTTPProblem {
            // OptimisticLockErrorMiddleware answers it, and logs its cause.
            throw problem
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as DecodingError {
            return Self.problem(HTTPProblem(status: .badRequest, title: "Bad Request", detail: Self.describe(error)))
        } catch let error as any HTTPResponseError {
            return Self.problem(HTTPProblem(status: error.status, title: error.status.reasonPhrase, detail: "\(error)"))
        }
        // The library's errors (conflicts, missing records, database failures) go on to
        // OptimisticLockErrorMiddleware, which answers them with their problems.
    }

    /// Runs a page's route and answers its failures as HTML pages: a malformed id or form is a 400
    /// page, a body over the limit a 413 page, a busy database a 503 page.
    static func htmlRoute(_ route: () async throws -> Response) async throws -> Response {
        do {
            return try await route()
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPError {
            return html(Views.message(error.status.reasonPhrase, error.body ?? "\(error)"), status: error.status)
        } catch let error as any HTTPResponseError where !(error is HTTPProblem) {
            return html(Views.message(error.status.reasonPhrase, "\(error)"), status: error.status)
        } catch {
            // A thrown problem as it is; the library's errors as the JSON API answers them.
            let problem = OptimisticHTTP.problem(for: error, source: nil)
            logCause(problem)
            return html(Views.message(problem.title, problem.detail), status: problem.status)
        }
    }

    /// Where the HTML pages' server errors are logged (the JSON API's are logged by the middleware).
    static let logger = Logger(label: "wiki.html")

    /// Logs the cause of a 5xx page, which the page itself never shows.
    static func logCause(_ problem: HTTPProblem) {
        guard problem.status.code >= 500, let cause = problem.underlyingError else { return }
        logger.error(
            "request failed", metadata: ["status": .stringConvertible(problem.status.code), "error": .string("\(cause)")])
    }

    /// What is wrong with a JSON body, in a sentence.
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context): "the body is not JSON: \(context.debugDescription)"
        case .keyNotFound(let key, _): "the body has no \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "\"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type: \(context.debugDescription)"
        @unknown default: "the body is not the JSON expected"
        }
    }
}

extension Request {
    /// The most bytes a request body may have: a 1 MB text escaped in a form or in JSON can take
    /// several times its size, and a larger body is refused (413) before it is read.
    static let maximumBodyBytes = 16 << 20

    /// The body of a form, at most 16 MB.
    mutating func formBody() async throws -> ByteBuffer {
        try await collectBody(upTo: Self.maximumBodyBytes)
    }

    /// The body decoded from JSON, at most 16 MB.
    mutating func json<T: Decodable>(_ type: T.Type) async throws -> T {
        try JSONDecoder().decode(type, from: Data(try await bodyBytes()))
    }

    /// The body's bytes, at most 16 MB.
    mutating func bodyBytes() async throws -> [UInt8] {
        Array(try await collectBody(upTo: Self.maximumBodyBytes).readableBytesView)
    }
}
