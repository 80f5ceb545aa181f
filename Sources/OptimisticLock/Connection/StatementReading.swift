// What reading adds on top of the backends' strict readers: the error for a value that does not fit,
// and versions. Each field type reads itself (`DatabaseStorable`, in `Values/`).

extension PreparedStatement {
    /// The error for a value that does not fit: names the column and says why.
    @usableFromInline
    func misfit(_ index: Int32, _ reason: String) -> DatabaseError {
        let column = columnName(at: index)
        return DatabaseError.invalidStoredValue("column \"\(column)\": \(reason)", sql: sql, column: column)
    }

    /// Reads an integer into a narrower type; a value outside its range is an error, never truncated.
    @inlinable
    func integer<Narrow: FixedWidthInteger>(_ type: Narrow.Type, at index: Int32) throws -> Narrow {
        let value = try int64(at: index)
        guard let narrow = Narrow(exactly: value) else { throw misfit(index, "\(value) does not fit \(Narrow.self)") }
        return narrow
    }

    /// Reads an optimistic-lock version: a value in `1...VersionGenerator.maximum`. Anything else
    /// (0, negative, too large, not an integer) is an error: a record must never carry a version
    /// that `save` would mistake for "new" or that a browser would round.
    @inlinable
    public func version(at index: Int32) throws -> Int64 {
        let value = try int64(at: index)
        guard VersionGenerator.isValid(value) else {
            throw misfit(index, "\(value) is not a version (1...\(VersionGenerator.maximum))")
        }
        return value
    }
}
