extension String: DatabaseStorable, DatabaseKey {
    /// Binds the value as text.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(text: self, at: index)
    }

    /// Reads text.
    @inlinable
    public static func read(from statement: some PreparedStatement, at index: Int32) throws -> String {
        try statement.text(at: index)
    }

    /// A `.text`.
    public init?(databaseValue: DatabaseValue) {
        guard case .text(let value) = databaseValue else { return nil }
        self = value
    }

    /// "text".
    public static var databaseDescription: String { "text" }
}
