#if Hummingbird
    import Foundation
    import Hummingbird
    import OptimisticLockHTTP

    extension Response {
        /// A record as JSON with its version as the strong `ETag` (and `Location`, for a create):
        /// what a GET, a PUT or a POST of a versioned record answers.
        ///
        /// ```swift
        /// return try Response.versioned(note, version: note.version, status: .created, location: "/notes/\(note.id!)")
        /// ```
        public static func versioned(
            _ value: some Encodable, version: Int64, status: HTTPResponse.Status = .ok, location: String? = nil,
            encoder: JSONEncoder = JSONEncoder()
        ) throws -> Response {
            var headers: HTTPFields = [.contentType: "application/json", .eTag: EntityTag(version: version).description]
            if let location { headers[.location] = location }
            return Response(
                status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
        }

        /// 304 Not Modified with the version's `ETag`, for a GET whose `If-None-Match` names it
        /// (`OptimisticHTTP.isNotModified(request:currentVersion:)`).
        public static func notModified(version: Int64) -> Response {
            Response(status: .notModified, headers: [.eTag: EntityTag(version: version).description])
        }
    }
#endif
