#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Date: DatabaseStorable {
    /// Binds the value as a date, to the microsecond.
    @inlinable
    public func bind(to statement: some PreparedStatement, at index: Int32) {
        statement.bind(date: self, at: index)
    }

    /// Reads a date.
    @inlinable
    public static func read(from statement: some PreparedStatement, at index: Int32) throws -> Date {
        try statement.date(at: index)
    }

    /// An `.integer` of microseconds since 1970 that a `Date` holds exactly (both backends give
    /// dates to `Row`s so).
    public init?(databaseValue: DatabaseValue) {
        guard case .integer(let micros) = databaseValue,
            let date = MicrosecondEpoch.unix.exactDate(microseconds: micros)
        else { return nil }
        self = date
    }

    /// "a date (microseconds since 1970)".
    public static var databaseDescription: String { "a date (microseconds since 1970)" }
}
