import Foundation

/// A page as the JSON API sends it.
public struct PageJSON: Codable, Sendable, Hashable {
    /// The key.
    public var id: Int64
    /// The version (also the ETag, in quotes).
    public var version: Int64
    /// The name in the URL.
    public var slug: String
    /// The title.
    public var title: String
    /// The text.
    public var body: String
}
