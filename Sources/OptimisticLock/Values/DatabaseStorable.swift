#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A value a statement parameter can take: the field types of the schema language (`Int64`,
/// `Int32`, `Int`, `Double`, `Bool`, `String`, `Data`, `Date`, `UUID`, `Decimal`, generated enums)
/// and their optionals (nil binds NULL). Finders and predicates take these.
public protocol DatabaseBindable: Sendable {
    /// Binds the value to parameter `index`.
    func bind(to statement: some PreparedStatement, at index: Int32)
}

/// A value a column stores: it binds itself, and reads itself back strictly, from a statement's
/// current row (generated code) and from a `Row` (your own SQL).
///
/// Each field type conforms in one file of its own (`Values/<Type>+DatabaseStorable.swift`), on
/// top of the few primitives every backend's `PreparedStatement` implements; `Optional` conforms
/// once for all of them (NULL is nil). Reading never coerces: a stored value of another kind, out
/// of range or NULL (for a non-optional) is a `DatabaseError` of kind `.invalidStoredValue`.
public protocol DatabaseStorable: DatabaseBindable {
    /// Reads column `index` (0-based) of the statement's current row.
    static func read(from statement: some PreparedStatement, at index: Int32) throws -> Self
    /// The value a dynamic value holds in the encodings both backends give `Row`s (see
    /// `RowAccessors`), or nil when it holds none (NULL, for anything but an optional).
    init?(databaseValue: DatabaseValue)
    /// What a stored value must be, for error messages: "an integer", "text".
    static var databaseDescription: String { get }
}

extension PreparedStatement {
    /// Reads column `index` (0-based) of the current row as a `Value`, strictly.
    @inlinable
    public func read<Value: DatabaseStorable>(_ type: Value.Type = Value.self, at index: Int32) throws -> Value {
        try Value.read(from: self, at: index)
    }
}

extension PreparedStatement {
    /// Binds a value of any field type to parameter `index` (NULL for nil): what generated code
    /// calls for every field. One generic function with a name of its own, so the type checker has
    /// one candidate per call instead of every type's `bind(to:at:)`.
    @inlinable
    public func bindValue<Value: DatabaseBindable>(_ value: Value, at index: Int32) {
        value.bind(to: self, at: index)
    }
}

extension Optional: DatabaseBindable where Wrapped: DatabaseBindable {
    /// Binds the value, or NULL for nil.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        if let value = self { value.bind(to: statement, at: index) } else { statement.bindNull(at: index) }
    }
}

extension Optional: DatabaseStorable where Wrapped: DatabaseStorable {
    /// NULL is nil; any other value must fit `Wrapped`.
    @inlinable
    public static func read(from statement: some PreparedStatement, at index: Int32) throws -> Self {
        statement.isNull(at: index) ? .none : try Wrapped.read(from: statement, at: index)
    }

    /// `.null` is nil (a value: the initializer succeeds); any other value must fit `Wrapped`.
    public init?(databaseValue: DatabaseValue) {
        if databaseValue == .null {
            self = .none
            return
        }
        guard let value = Wrapped(databaseValue: databaseValue) else { return nil }
        self = .some(value)
    }

    /// `Wrapped`'s description, or NULL.
    public static var databaseDescription: String { Wrapped.databaseDescription + " or NULL" }
}
