import OptimisticLockSQL

// The compiler's part of SQL: a model as the neutral table description `OptimisticLockSQL` spells
// every statement from.

extension Model {
    /// The model's table, neutral of dialect: its columns in field order with their types,
    /// defaults, single-column constraints and references, its multi-column unique constraints and
    /// its indexes (`indexedFieldLists`).
    public func tableDescription(in schema: Schema) -> TableDescription {
        TableDescription(
            name: tableName,
            columns: fields.map { field in
                ColumnDescription(
                    name: field.columnName, type: field.type.columnType, isOptional: field.isOptional,
                    defaultValue: field.defaultValue?.columnDefault, isUnique: field.isUnique,
                    references: field.references.flatMap(schema.model(named:)).map {
                        ColumnReference(table: $0.tableName, column: $0.primaryKey.columnName)
                    })
            },
            key: primaryKey.columnName, keyIsAssignedByDatabase: hasDatabaseAssignedKey, version: versionField?.columnName,
            uniques: uniqueConstraints.map(columnNames), indexes: indexedFieldLists.map(columnNames))
    }
}

extension FieldType {
    /// How the field's column stores it.
    var columnType: ColumnType {
        switch self {
        case .int64, .int, .version: .integer64
        case .int32: .integer32
        case .double: .double
        case .bool: .boolean
        case .string, .enumeration: .text
        case .data: .bytes
        case .date: .timestamp
        case .uuid: .uuid
        case .decimal: .decimal
        }
    }
}

extension DefaultValue {
    /// The column's default; nil for `nil` (NULL is already the default).
    var columnDefault: ColumnDefault? {
        switch self {
        case .integer(let number): .integer(number)
        case .float(let text): .real(text)
        case .decimal(let text): .decimal(text)
        case .string(let text), .enumCase(let text): .text(text)
        case .bool(let flag): .boolean(flag)
        case .null: nil
        }
    }
}
