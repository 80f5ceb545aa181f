import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body: the fields of an HTML form.
struct Form {
    private var fields: [String: String] = [:]

    /// The fields of `body`. A malformed escape (`%G1`, a lone `%`) or bytes that are not UTF-8
    /// are a 400, and so is a field sent twice (which `version` would be checked?): a form decoded
    /// by guessing could store text nobody typed.
    init(_ body: ByteBuffer) throws {
        guard let text = String(validating: body.readableBytesView, as: UTF8.self) else {
            throw HTTPError(.badRequest, message: "The form is not UTF-8 text.")
        }
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0])
            guard fields[name] == nil else {
                throw HTTPError(.badRequest, message: "The form sends the field \"\(name)\" twice.")
            }
            fields[name] = parts.count > 1 ? try Self.decode(parts[1]) : ""
        }
    }

    subscript(_ name: String) -> String? { fields[name] }

    /// The field as a number, or nil.
    func integer(_ name: String) -> Int64? { fields[name].flatMap { Int64($0) } }

    private static func decode(_ text: Substring) throws -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        guard let decoded = spaced.removingPercentEncoding else {
            throw HTTPError(.badRequest, message: "The form has a malformed %-escape or one that is not UTF-8.")
        }
        return decoded
    }
}
