/// A condition on one column of a model, for `fetchAll(_:where:orderBy:limit:)`, `fetchOne`,
/// `count` and `fetchPage`: built from the model's `Column` cases, values always bound.
///
/// ```swift
/// try Post.fetchAll(db, where: .equal(.authorID, 7), .greater(.createdAt, since), orderBy: [.descending(.createdAt)])
/// try Post.count(db, where: .isNull(.rating))
/// ```
///
/// `equal(_:_:)` with a `nil` value matches nothing (SQL's `= NULL`); use `isNull(_:)`.
public struct Predicate<Model: SchemaModel>: Sendable {
    enum Test: Sendable {
        case compare(String)
        case between
        case within(Int)
        case null(Bool)
    }

    let column: Model.Column
    let test: Test
    let values: [any DatabaseBindable]

    /// `column = value`.
    public static func equal(_ column: Model.Column, _ value: some DatabaseBindable) -> Self {
        Self(column: column, test: .compare("="), values: [value])
    }

    /// `column <> value`.
    public static func notEqual(_ column: Model.Column, _ value: some DatabaseBindable) -> Self {
        Self(column: column, test: .compare("<>"), values: [value])
    }

    /// `column < value`.
    public static func less(_ column: Model.Column, _ value: some DatabaseBindable) -> Self {
        Self(column: column, test: .compare("<"), values: [value])
    }

    /// `column <= value`.
    public static func lessOrEqual(_ column: Model.Column, _ value: some DatabaseBindable) -> Self {
        Self(column: column, test: .compare("<="), values: [value])
    }

    /// `column > value`.
    public static func greater(_ column: Model.Column, _ value: some DatabaseBindable) -> Self {
        Self(column: column, test: .compare(">"), values: [value])
    }

    /// `column >= value`.
    public static func greaterOrEqual(_ column: Model.Column, _ value: some DatabaseBindable) -> Self {
        Self(column: column, test: .compare(">="), values: [value])
    }

    /// `column BETWEEN low AND high` (both included).
    public static func between<Value: DatabaseBindable>(_ column: Model.Column, _ low: Value, _ high: Value) -> Self {
        Self(column: column, test: .between, values: [low, high])
    }

    /// `column IN (values...)`; an empty list matches nothing.
    public static func isIn<Value: DatabaseBindable>(_ column: Model.Column, _ values: [Value]) -> Self {
        Self(column: column, test: .within(values.count), values: values)
    }

    /// `column IS NULL`.
    public static func isNull(_ column: Model.Column) -> Self {
        Self(column: column, test: .null(true), values: [])
    }

    /// `column IS NOT NULL`.
    public static func isNotNull(_ column: Model.Column) -> Self {
        Self(column: column, test: .null(false), values: [])
    }

    /// The SQL of the condition, its placeholders numbered from `next` (advanced past them).
    func sql(_ dialect: SQLDialect, next: inout Int) -> String {
        let name = dialect.quote(column.rawValue)
        func placeholder() -> String {
            defer { next += 1 }
            return dialect.placeholder(next)
        }
        switch test {
        case .compare(let op) where op == "=" || op == "<>": return "\(name) \(op) \(placeholder())"
        case .compare(let op):
            let numeric = Model.numericOrder(column, dialect)
            return "\(numeric(name)) \(op) \(numeric(placeholder()))"
        case .between:
            let numeric = Model.numericOrder(column, dialect)
            return "\(numeric(name)) BETWEEN \(numeric(placeholder())) AND \(numeric(placeholder()))"
        case .within(0): return "1 = 0"
        case .within(let count): return "\(name) IN (" + (0..<count).map { _ in placeholder() }.joined(separator: ", ") + ")"
        case .null(let isNull): return "\(name) IS \(isNull ? "" : "NOT ")NULL"
        }
    }
}

/// An ordering on one column: `.ascending(.createdAt)`, `.descending(.createdAt)`. Queries always
/// add the key last, so the order of equal values is stable.
public struct Ordering<Model: SchemaModel>: Sendable {
    let column: Model.Column
    let descending: Bool

    /// Smallest first.
    public static func ascending(_ column: Model.Column) -> Self { Self(column: column, descending: false) }

    /// Largest first.
    public static func descending(_ column: Model.Column) -> Self { Self(column: column, descending: true) }

    func sql(_ dialect: SQLDialect) -> String {
        Model.numericOrder(column, dialect)(dialect.quote(column.rawValue)) + (descending ? " DESC" : "")
    }
}

extension SchemaModel {
    /// How `column` is spelled where values are ordered (`<`, `BETWEEN`, `ORDER BY`): as it is,
    /// except a `Decimal` column on SQLite, whose canonical text would order as text ("10" < "9"):
    /// it is compared as a number (`CAST(... AS REAL)`, exact to about 15 significant digits;
    /// equality compares the exact text).
    static func numericOrder(_ column: Column, _ dialect: SQLDialect) -> (String) -> String {
        let isDecimal = table.columns.contains { $0.name == column.rawValue && $0.type == .decimal }
        switch dialect {
        case .sqlite: return isDecimal ? { "CAST(\($0) AS REAL)" } : { $0 }
        case .postgres: return { $0 }
        }
    }
}
