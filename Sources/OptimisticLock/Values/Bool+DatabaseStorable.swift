extension Bool: DatabaseStorable {
    /// Binds the value as a Boolean.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(bool: self, at: index)
    }

    /// Reads a Boolean.
    @inlinable
    public static func read(from statement: some PreparedStatement, at index: Int32) throws -> Bool {
        try statement.bool(at: index)
    }

    /// `.integer(0)` or `.integer(1)`.
    public init?(databaseValue: DatabaseValue) {
        switch databaseValue {
        case .integer(0): self = false
        case .integer(1): self = true
        default: return nil
        }
    }

    /// "a Boolean (0 or 1)".
    public static var databaseDescription: String { "a Boolean (0 or 1)" }
}
