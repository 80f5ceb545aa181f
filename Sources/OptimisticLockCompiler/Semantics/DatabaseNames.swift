import OptimisticLockSQL

/// The names a model's table gives database objects besides itself: its indexes (named by the
/// generator) and, on PostgreSQL, its unique constraints, primary key and identity sequence (named
/// by the server). On PostgreSQL all of them share one namespace with the tables, and on SQLite the
/// indexes share one with the tables: two objects that want one name cannot both exist.
extension Model {
    /// The field lists that get an index of their own, in DDL order: each `@index` field, each
    /// `@index(a, b)`, and each reference that is not already the first column of an index, a
    /// unique constraint or the key (finding the rows that reference a record must not scan).
    var indexedFieldLists: [[String]] {
        var lists = fields.filter(\.isIndexed).map { [$0.name] } + indexes
        for field in fields where field.references != nil && !field.isIndexed && !field.isUnique && !field.isPrimaryKey {
            let covered = indexes.contains { $0.first == field.name } || uniqueConstraints.contains { $0.first == field.name }
            if !covered { lists.append([field.name]) }
        }
        return lists
    }

    /// `table_col1_col2_idx`, shortened with a hash when longer than PostgreSQL's 63-byte limit.
    static func indexName(table: String, columns: [String]) -> String {
        ObjectNames.fitted(([table] + columns + ["idx"]).joined(separator: "_"), suffix: "idx")
    }

    /// The columns of fields named in `list`.
    func columnNames(_ list: [String]) -> [String] {
        list.compactMap { field(named: $0)?.columnName }
    }

    /// Every name the table's objects take besides the table's own, with what each is: the
    /// generator's index names, and PostgreSQL's names for the unique constraints
    /// (`table_columns_key`), the primary key (`table_pkey`) and an identity's sequence
    /// (`table_column_seq`) where they fit PostgreSQL's 63 bytes.
    var databaseObjectNames: [(name: String, what: String)] {
        var names = indexedFieldLists.map { list in
            let columns = columnNames(list)
            return (Self.indexName(table: tableName, columns: columns), "index on (\(columns.joined(separator: ", ")))")
        }
        var server: [(String, String)] = [(tableName + "_pkey", "primary key's index (named by PostgreSQL)")]
        for unique in fields.filter(\.isUnique).map({ [$0.name] }) + uniqueConstraints {
            let columns = columnNames(unique)
            server.append(
                (
                    "\(tableName)_\(columns.joined(separator: "_"))_key",
                    "unique constraint on (\(columns.joined(separator: ", "))) (named by PostgreSQL)"
                ))
        }
        // A model without a valid `@id` has been reported; it has no key to name.
        if fields.indices.contains(primaryKeyIndex), fields[primaryKeyIndex].isPrimaryKey, hasDatabaseAssignedKey {
            server.append(("\(tableName)_\(primaryKey.columnName)_seq", "key's sequence (named by PostgreSQL)"))
        }
        names += server.filter { $0.0.utf8.count <= 63 }
        return names
    }
}
