extension Double: DatabaseStorable {
    /// Binds the value as a double (NaN is refused by SQLite when the statement runs).
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(double: self, at: index)
    }

    /// Reads a double.
    @inlinable
    public static func read(from statement: some PreparedStatement, at index: Int32) throws -> Double {
        try statement.double(at: index)
    }

    /// A `.real`, or an `.integer` a `Double` holds exactly.
    public init?(databaseValue: DatabaseValue) {
        switch databaseValue {
        case .real(let value): self = value
        case .integer(let value):
            guard let exact = Double(exactly: value) else { return nil }
            self = exact
        default: return nil
        }
    }

    /// "a number".
    public static var databaseDescription: String { "a number" }
}
