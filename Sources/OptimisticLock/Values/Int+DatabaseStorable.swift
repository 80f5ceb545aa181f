extension Int: DatabaseStorable, DatabaseKey {
    /// Binds the value as a 64-bit integer.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(int64: Int64(self), at: index)
    }

    /// Reads an integer; one outside `Int`'s range is an error, never truncated.
    @inlinable
    public static func read(from statement: some PreparedStatement, at index: Int32) throws -> Int {
        try statement.integer(Int.self, at: index)
    }

    /// An `.integer` in `Int`'s range.
    public init?(databaseValue: DatabaseValue) {
        guard case .integer(let value) = databaseValue, let narrow = Int(exactly: value) else { return nil }
        self = narrow
    }

    /// "an Int".
    public static var databaseDescription: String { "an Int" }
}
