#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension UUID: DatabaseStorable, DatabaseKey {
    /// Binds the value as a UUID.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(uuid: self, at: index)
    }

    /// Reads a UUID.
    @inlinable
    public static func read(from statement: some PreparedStatement, at index: Int32) throws -> UUID {
        try statement.uuid(at: index)
    }

    /// A 16-byte `.blob` (SQLite) or the UUID's `.text` (PostgreSQL).
    public init?(databaseValue: DatabaseValue) {
        switch databaseValue {
        case .blob(let bytes) where bytes.count == 16:
            var uuid = UUID().uuid
            withUnsafeMutableBytes(of: &uuid) { $0.copyBytes(from: bytes) }
            self.init(uuid: uuid)
        case .text(let text):
            self.init(uuidString: text)
        default:
            return nil
        }
    }

    /// "a UUID".
    public static var databaseDescription: String { "a UUID" }
}
