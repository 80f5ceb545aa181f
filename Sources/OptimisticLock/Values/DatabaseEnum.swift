/// An enum stored as its case name: generated enums conform. Reading a name that is not a case is
/// an error, never a default.
public protocol DatabaseEnum: DatabaseStorable, RawRepresentable where RawValue == String {}

extension DatabaseEnum {
    /// Binds the case name as text.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(text: rawValue, at: index)
    }

    /// Reads a case name.
    @inlinable
    public static func read(from statement: some PreparedStatement, at index: Int32) throws -> Self {
        let raw = try statement.text(at: index)
        guard let value = Self(rawValue: raw) else {
            throw statement.misfit(index, "'\(raw)' is not a case of \(Self.self)")
        }
        return value
    }

    /// The case named by a text value.
    public init?(databaseValue: DatabaseValue) {
        guard case .text(let raw) = databaseValue else { return nil }
        self.init(rawValue: raw)
    }

    /// "a case of" the enum.
    public static var databaseDescription: String { "a case of \(Self.self)" }
}
