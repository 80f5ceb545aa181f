import Foundation
import _OptimisticLockCompiler

/// `optimistic-lock.json`: the generator's settings for one target, read in one place — by
/// `generate --config`, which both plugins call.
///
/// ```json
/// { "access": "internal" }
/// ```
public struct GeneratorConfiguration: Sendable, Equatable {
    /// The access level of the generated declarations, when the file sets one.
    public var access: AccessLevel?

    /// A configuration.
    public init(access: AccessLevel? = nil) {
        self.access = access
    }

    /// A configuration file that cannot be used, located as `path:line:column: error: message`.
    public struct Failure: Error, CustomStringConvertible {
        /// The located message.
        public let description: String
    }

    /// Reads a configuration file; any problem is a located error.
    public static func load(_ path: String) throws -> GeneratorConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "\(path): error: cannot read the configuration file")
        }
        let text = String(decoding: data, as: UTF8.self)
        func fail(at offset: Int, _ message: String) -> Failure {
            let prefix = text.utf8.prefix(max(0, offset))
            let line = prefix.filter { $0 == UInt8(ascii: "\n") }.count + 1
            let column =
                prefix.count
                - (prefix.lastIndex(of: UInt8(ascii: "\n")).map { prefix.distance(from: prefix.startIndex, to: $0) + 1 } ?? 0) + 1
            return Failure(description: "\(path):\(line):\(column): error: \(message)")
        }
        func offset(of key: String) -> Int {
            guard let range = text.range(of: "\"\(key)\"") else { return 0 }
            return text.utf8.distance(from: text.utf8.startIndex, to: range.lowerBound)
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            let detail = (error as NSError).userInfo["NSDebugDescription"] as? String ?? "\(error)"
            let at =
                detail.split(separator: " ").last.flatMap { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: "."))) } ?? 0
            throw fail(at: at, "the configuration is not valid JSON: \(detail)")
        }
        guard let settings = object as? [String: Any] else {
            throw fail(at: 0, "the configuration must be a JSON object, e.g. { \"access\": \"internal\" }")
        }
        var configuration = GeneratorConfiguration()
        for key in settings.keys.sorted() {
            switch key {
            case "access":
                guard let value = settings[key] as? String, let access = AccessLevel(rawValue: value) else {
                    throw fail(at: offset(of: key), "\"access\" must be \"public\", \"package\" or \"internal\"")
                }
                configuration.access = access
            default:
                throw fail(at: offset(of: key), "unknown setting \"\(key)\" (the settings: \"access\")")
            }
        }
        return configuration
    }
}
