#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A dynamic value for hand-written SQL (`execute`, `query`). Generated code never uses it: it binds
/// and reads typed values directly.
public enum DatabaseValue: Sendable, Hashable {
    /// NULL.
    case null
    /// A 64-bit integer.
    case integer(Int64)
    /// A double.
    case real(Double)
    /// Text.
    case text(String)
    /// Bytes.
    case blob(Data)
}

extension DatabaseValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByNilLiteral, ExpressibleByBooleanLiteral
{
    /// An integer literal is `.integer`.
    public init(integerLiteral value: Int64) { self = .integer(value) }
    /// A floating-point literal is `.real`.
    public init(floatLiteral value: Double) { self = .real(value) }
    /// A string literal is `.text`.
    public init(stringLiteral value: String) { self = .text(value) }
    /// `nil` is `.null`.
    public init(nilLiteral: ()) { self = .null }
    /// `true` / `false` are `.integer(1)` / `.integer(0)`.
    public init(booleanLiteral value: Bool) { self = .integer(value ? 1 : 0) }
}

/// One result row of `query`: column names and values.
public struct Row: Sendable, Hashable {
    /// The column names, in result order.
    public let columns: [String]
    /// The values, in result order.
    public let values: [DatabaseValue]

    /// Creates a row.
    public init(columns: [String], values: [DatabaseValue]) {
        self.columns = columns
        self.values = values
    }

    /// The value of column `index` (0-based).
    public subscript(index: Int) -> DatabaseValue { values[index] }

    /// The value of the first column named `name`, or nil when there is none.
    public subscript(name: String) -> DatabaseValue? {
        columns.firstIndex(of: name).map { values[$0] }
    }
}
