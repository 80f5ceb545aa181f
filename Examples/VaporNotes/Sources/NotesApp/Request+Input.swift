import HTTPTypes
import OptimisticLockHTTP
import Vapor

extension Request {
    /// The body decoded from JSON; a missing or malformed one is a 400 problem (Vapor's own error
    /// would be answered as `{"error": true}` JSON instead of `application/problem+json`, and an
    /// empty body as a 422, like a value the database refuses).
    func json<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try content.decode(type, as: .json)
        } catch {
            throw HTTPProblem(status: .badRequest, title: "Bad Request", detail: "the body is not the JSON expected")
        }
    }

    /// A query parameter that must be a number when present; anything else is a 400 problem.
    func queryNumber(_ name: String) throws -> Int64? {
        guard let text = query[String.self, at: name] else { return nil }
        guard let number = Int64(text) else {
            throw HTTPProblem(status: .badRequest, title: "Bad Request", detail: "\(name) must be a number")
        }
        return number
    }

    /// The route's `:id` as a key; anything else is a 400 problem.
    func id() throws -> Int64 {
        guard let id = parameters.get("id", as: Int64.self) else {
            throw HTTPProblem(status: .badRequest, title: "Bad Request", detail: "the id must be a number")
        }
        return id
    }
}
