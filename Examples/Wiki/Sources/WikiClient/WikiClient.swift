import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A small client of the wiki's JSON API, over real HTTP connections: what the load script and
/// the tests talk to the server with.
public struct WikiClient: Sendable {
    /// The server, e.g. `http://127.0.0.1:8080`.
    public let baseURL: String
    private let http: HTTPClient

    /// A response.
    public struct Reply: Sendable {
        /// The status code.
        public var status: Int
        /// The header fields (names in lower case; the last of repeated fields).
        public var headers: [String: String]
        /// The body.
        public var body: Data

        /// The body decoded as JSON.
        public func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(type, from: body)
        }

        /// The body as text.
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// A client of the server at `baseURL` with up to `connections` connections at once.
    public init(baseURL: String, connections: Int = 16) {
        self.baseURL = baseURL
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        configuration.redirectConfiguration = .disallow
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Sends a request; the reply whatever its status.
    public func send(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: Data? = nil,
        contentType: String = "application/json"
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.replaceOrAdd(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await http.execute(request, timeout: .seconds(60))
        var fields: [String: String] = [:]
        for (name, value) in response.headers { fields[name.lowercased()] = value }
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), headers: fields, body: Data(bytes.readableBytesView))
    }

    /// Sends `value` as JSON.
    public func send(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], json value: some Encodable
    ) async throws -> Reply {
        try await send(method, path, headers: headers, body: try JSONEncoder().encode(value))
    }

    /// Closes the connections.
    public func shutdown() async throws {
        try await http.shutdown()
    }
}
