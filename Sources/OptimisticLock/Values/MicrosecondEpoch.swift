#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Dates as whole microseconds since an epoch: how every backend stores `Date` (PostgreSQL's own
/// precision), so a date reads back rounded to the microsecond on SQLite and PostgreSQL alike.
public struct MicrosecondEpoch: Sendable {
    /// Microseconds from this epoch to Foundation's reference date, 2001-01-01 00:00:00 UTC.
    public let microsecondsToReferenceDate: Int64

    /// 1970-01-01 00:00:00 UTC (SQLite storage).
    public static let unix = MicrosecondEpoch(microsecondsToReferenceDate: 978_307_200_000_000)
    /// 2000-01-01 00:00:00 UTC (PostgreSQL's `timestamptz`).
    public static let postgres = MicrosecondEpoch(microsecondsToReferenceDate: 31_622_400_000_000)

    /// Creates an epoch from its distance to Foundation's reference date.
    public init(microsecondsToReferenceDate: Int64) {
        self.microsecondsToReferenceDate = microsecondsToReferenceDate
    }

    /// The date as microseconds since this epoch, rounded; nil when it is not finite or does not fit in 64 bits.
    public func microseconds(of date: Date) -> Int64? {
        let micros = (date.timeIntervalSinceReferenceDate * 1_000_000).rounded()
        guard let exact = Int64(exactly: micros) else { return nil }
        let (stored, overflow) = exact.addingReportingOverflow(microsecondsToReferenceDate)
        return overflow ? nil : stored
    }

    /// A date for an error message, without formatting it (a non-finite date cannot be formatted).
    public static func describe(_ date: Date) -> String {
        "timeIntervalSinceReferenceDate \(date.timeIntervalSinceReferenceDate)"
    }

    /// The date `microseconds` after this epoch, or nil when no `Date` holds it exactly: a `Date` is a
    /// `Double` of seconds since 2001, which keeps every microsecond only within about ±142 years of
    /// 2001 (2^52 microseconds). Reading such a value as a `Date` would write back another one.
    public func exactDate(microseconds: Int64) -> Date? {
        let date = self.date(microseconds: microseconds)
        guard self.microseconds(of: date) == microseconds else { return nil }
        return date
    }

    /// The date `microseconds` after this epoch (the nearest `Date`).
    public func date(microseconds: Int64) -> Date {
        Date(timeIntervalSinceReferenceDate: Double(microseconds &- microsecondsToReferenceDate) / 1_000_000)
    }
}
