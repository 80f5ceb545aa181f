extension Int32: DatabaseStorable {
    /// Binds the value as a 64-bit integer.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(int64: Int64(self), at: index)
    }

    /// Reads an integer; one outside `Int32`'s range is an error, never truncated.
    @inlinable
    public static func read(from statement: some PreparedStatement, at index: Int32) throws -> Int32 {
        try statement.integer(Int32.self, at: index)
    }

    /// An `.integer` in `Int32`'s range.
    public init?(databaseValue: DatabaseValue) {
        guard case .integer(let value) = databaseValue, let narrow = Int32(exactly: value) else { return nil }
        self = narrow
    }

    /// "an Int32".
    public static var databaseDescription: String { "an Int32" }
}
