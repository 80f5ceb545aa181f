#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Data: DatabaseStorable {
    /// Binds the value as bytes (empty bytes stay distinct from NULL).
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(data: self, at: index)
    }

    /// Reads bytes.
    @inlinable
    public static func read(from statement: some PreparedStatement, at index: Int32) throws -> Data {
        try statement.data(at: index)
    }

    /// A `.blob`.
    public init?(databaseValue: DatabaseValue) {
        guard case .blob(let value) = databaseValue else { return nil }
        self = value
    }

    /// "bytes".
    public static var databaseDescription: String { "bytes" }
}
