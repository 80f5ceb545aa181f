import HTTPTypes
import OptimisticLockHTTP
import Vapor

extension Request {
    /// The body decoded from JSON; a malformed one is a 400 problem (Vapor's own error would be
    /// answered as `{"error": true}` JSON instead of `application/problem+json`).
    func json<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try content.decode(type, as: .json)
        } catch let error as AbortError {
            throw HTTPProblem(
                status: HTTPResponse.Status(code: Int(error.status.code)), title: error.status.reasonPhrase,
                detail: error.reason)
        } catch {
            throw HTTPProblem(status: .badRequest, title: "Bad Request", detail: "the body is not the JSON expected: \(error)")
        }
    }

    /// The route's `:id` as a key; anything else is a 400 problem.
    func id() throws -> Int64 {
        guard let id = parameters.get("id", as: Int64.self) else {
            throw HTTPProblem(status: .badRequest, title: "Bad Request", detail: "the id must be a number")
        }
        return id
    }
}
