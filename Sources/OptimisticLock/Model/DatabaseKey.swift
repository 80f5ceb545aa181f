#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A type a primary key can have: `Int64`, `Int` (database-assigned or caller-assigned), `String`
/// and `UUID` (caller-assigned).
public protocol DatabaseKey: DatabaseBindable, Hashable {}

extension Int64: DatabaseKey {
    /// Binds the key as a 64-bit integer.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(int64: self, at: index)
    }
}

extension Int: DatabaseKey {
    /// Binds the key as a 64-bit integer.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(int64: Int64(self), at: index)
    }
}

extension String: DatabaseKey {
    /// Binds the key as text.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(text: self, at: index)
    }
}

extension UUID: DatabaseKey {
    /// Binds the key as a UUID.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(uuid: self, at: index)
    }
}
