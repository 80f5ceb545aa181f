#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A value a statement parameter can take: the field types of the schema language (`Int64`,
/// `Int32`, `Int`, `Double`, `Bool`, `String`, `Data`, `Date`, `UUID`, generated enums) and their
/// optionals (nil binds NULL). Finders and predicates take these.
public protocol DatabaseBindable: Sendable {
    /// Binds the value to parameter `index`.
    func bind(to statement: some PreparedStatement, at index: Int32)
}

extension Int64: DatabaseBindable {}
extension Int: DatabaseBindable {}
extension String: DatabaseBindable {}
extension UUID: DatabaseBindable {}

extension Int32: DatabaseBindable {
    /// Binds the value as a 64-bit integer.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(int64: Int64(self), at: index)
    }
}

extension Double: DatabaseBindable {
    /// Binds the value as a double.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(double: self, at: index)
    }
}

extension Bool: DatabaseBindable {
    /// Binds the value as a Boolean.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(bool: self, at: index)
    }
}

extension Data: DatabaseBindable {
    /// Binds the value as bytes.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(data: self, at: index)
    }
}

extension Date: DatabaseBindable {
    /// Binds the value as a date.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(date: self, at: index)
    }
}

extension Optional: DatabaseBindable where Wrapped: DatabaseBindable {
    /// Binds the value, or NULL for nil.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        if let value = self { value.bind(to: statement, at: index) } else { statement.bindNull(at: index) }
    }
}

/// An enum stored as its case name: generated enums conform, and bind their raw value.
public protocol DatabaseEnum: DatabaseBindable, RawRepresentable where RawValue == String {}

extension DatabaseEnum {
    /// Binds the case name as text.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(text: rawValue, at: index)
    }
}
