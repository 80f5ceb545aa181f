/// A type a primary key can have: `Int64`, `Int` (database-assigned or caller-assigned), `String`
/// and `UUID` (caller-assigned). Each conforms in its file in `Values/`.
public protocol DatabaseKey: DatabaseStorable, Hashable {}
