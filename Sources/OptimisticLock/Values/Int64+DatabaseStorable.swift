extension Int64: DatabaseStorable, DatabaseKey {
    /// Binds the value as a 64-bit integer.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(int64: self, at: index)
    }

    /// Reads a 64-bit integer.
    @inlinable
    public static func read(from statement: some PreparedStatement, at index: Int32) throws -> Int64 {
        try statement.int64(at: index)
    }

    /// An `.integer`.
    public init?(databaseValue: DatabaseValue) {
        guard case .integer(let value) = databaseValue else { return nil }
        self = value
    }

    /// "an integer".
    public static var databaseDescription: String { "an integer" }
}
