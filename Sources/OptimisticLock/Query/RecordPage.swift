/// One page of records in key order (`fetchPage`), and where the next page starts.
///
/// A page is a collection of its records (`page.isEmpty`, `page.map`, `for record in page`), and
/// encodes to JSON as `{"records": [...], "nextCursor": ...}` for an API to send as it is.
///
/// ```swift
/// var page = try Post.fetchPage(db, where: .equal(.authorID, 7), after: nil, limit: 20)
/// while let cursor = page.nextCursor {
///     page = try Post.fetchPage(db, where: .equal(.authorID, 7), after: cursor, limit: 20)
/// }
/// ```
public struct RecordPage<Record: SchemaModel>: RandomAccessCollection {
    /// The page's records, at most the limit asked for, in key order.
    public var records: [Record]
    /// The `after:` of the next page (the key of this page's last record), or nil when no record
    /// followed this page when it was read.
    public var nextCursor: Record.Key?

    /// A page of `records`, followed by more from `nextCursor` (nil: the last page).
    public init(records: [Record], nextCursor: Record.Key?) {
        self.records = records
        self.nextCursor = nextCursor
    }

    /// Whether a record followed this page when it was read.
    public var hasMore: Bool { nextCursor != nil }

    /// The position of the first record.
    public var startIndex: Int { records.startIndex }
    /// The position after the last record.
    public var endIndex: Int { records.endIndex }
    /// The record at `position`.
    public subscript(position: Int) -> Record { records[position] }
}

extension RecordPage: Sendable where Record.Key: Sendable {}

extension RecordPage: Equatable where Record: Equatable {}

extension RecordPage: Encodable where Record: Encodable, Record.Key: Encodable {}

extension RecordPage: Decodable where Record: Decodable, Record.Key: Decodable {}
