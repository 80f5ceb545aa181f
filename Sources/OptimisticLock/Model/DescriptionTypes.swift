import OptimisticLockSQL

// The names of the shared SQL layer that generated code and your code use: a model's table
// description and the dialect. `OptimisticLockSQL` itself (statement spelling, script splitting,
// object names) is not re-exported: it is the library's own and may change in any release.

/// A table neutral of dialect: columns, key, version, constraints, indexes. Generated code
/// describes each model's table with one; the runtime spells every statement from it.
public typealias TableDescription = OptimisticLockSQL.TableDescription
/// One column of a `TableDescription`.
public typealias ColumnDescription = OptimisticLockSQL.ColumnDescription
/// How a column stores its values, neutral of dialect.
public typealias ColumnType = OptimisticLockSQL.ColumnType
/// A column's declared default, neutral of dialect.
public typealias ColumnDefault = OptimisticLockSQL.ColumnDefault
/// The table and column a `REFERENCES` clause names.
public typealias ColumnReference = OptimisticLockSQL.ColumnReference
/// The SQL dialect of a connection: `.sqlite` or `.postgres`.
public typealias SQLDialect = OptimisticLockSQL.SQLDialect
/// The statements the runtime spells from a table description.
public typealias StatementKind = OptimisticLockSQL.StatementKind
