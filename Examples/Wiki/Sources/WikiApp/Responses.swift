import Foundation
import Hummingbird
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
        var headers: HTTPFields = [.eTag: EntityTag(version: page.version).description]
        if location, let id = page.id { headers[.location] = "/api/pages/\(id)" }
        return try json(page, status: status, headers: headers)
    }

    static func problem(_ problem: HTTPProblem) -> Response {
        Response(status: problem.status, headers: problem.headerFields, body: .init(byteBuffer: ByteBuffer(bytes: problem.body)))
    }

    static func redirect(_ path: String) -> Response {
        Response(status: .seeOther, headers: [.location: path])
    }

    /// Runs a route and answers its failures as problems (`application/problem+json`).
    static func api(_ route: () async throws -> Response) async throws -> Response {
        do {
            return try await route()
        } catch let problem as HTTPProblem {
            return Self.problem(problem)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as DecodingError {
            return Self.problem(HTTPProblem(status: .badRequest, title: "Bad Request", detail: Self.describe(error)))
        } catch let error as any HTTPResponseError {
            return Self.problem(HTTPProblem(status: error.status, title: error.status.reasonPhrase, detail: "\(error)"))
        } catch {
            let mapped = OptimisticHTTP.problem(for: error, source: nil)
            return Self.problem(
                mapped as? HTTPProblem
                    ?? HTTPProblem(status: .internalServerError, title: "Internal Server Error", detail: "\(error)"))
        }
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
    /// The body, at most 1 MB.
    mutating func text() async throws -> String {
        String(buffer: try await collectBody(upTo: 1 << 20))
    }

    /// The body decoded from JSON, at most 1 MB.
    mutating func json<T: Decodable>(_ type: T.Type) async throws -> T {
        let buffer = try await collectBody(upTo: 1 << 20)
        return try JSONDecoder().decode(type, from: Data(buffer.readableBytesView))
    }
}
