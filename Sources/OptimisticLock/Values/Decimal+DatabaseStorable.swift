#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Decimal: DatabaseStorable {
    /// Binds the value exactly: canonical text on SQLite, a `numeric` on PostgreSQL (NaN is refused
    /// when the statement runs).
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(decimal: self, at: index)
    }

    /// Reads an exact decimal.
    @inlinable
    public static func read(from statement: some PreparedStatement, at index: Int32) throws -> Decimal {
        try statement.decimal(at: index)
    }

    /// A `.text` in decimal notation (both backends give `numeric` and SQLite's decimal text so), or
    /// an `.integer`; never a `.real`, whose binary fraction is not the decimal anyone wrote.
    public init?(databaseValue: DatabaseValue) {
        switch databaseValue {
        case .text(let text):
            guard let value = DecimalText.parse(text) else { return nil }
            self = value
        case .integer(let value): self = Decimal(value)
        default: return nil
        }
    }

    /// "an exact decimal".
    public static var databaseDescription: String { "an exact decimal" }
}
