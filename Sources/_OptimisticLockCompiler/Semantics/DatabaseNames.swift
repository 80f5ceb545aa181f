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

    /// The columns of fields named in `list`.
    func columnNames(_ list: [String]) -> [String] {
        list.compactMap { field(named: $0)?.columnName }
    }

    /// Every name the table's objects take besides the table's own, with what each is: the
    /// generator's index names, and PostgreSQL's names for the unique constraints
    /// (`table_columns_key`), the primary key (`table_pkey`) and an identity's sequence
    /// (`table_column_seq`), shortened as PostgreSQL shortens them. `byServer` marks the names
    /// PostgreSQL chooses: when one of those is taken by another it chooses, it picks another
    /// (`_key1`), but it cannot make a table or an index give way.
    var databaseObjectNames: [(name: String, what: String, byServer: Bool)] {
        var names = indexedFieldLists.map { list in
            let columns = columnNames(list)
            return (
                TableDescription.indexName(table: tableName, columns: columns), "index on (\(columns.joined(separator: ", ")))",
                false
            )
        }
        names.append(
            (Self.postgresName(tableName, nil, label: "pkey"), "primary key's index (named by PostgreSQL)", true))
        for unique in fields.filter(\.isUnique).map({ [$0.name] }) + uniqueConstraints {
            let columns = columnNames(unique)
            names.append(
                (
                    Self.postgresName(tableName, Self.postgresColumnsPart(columns), label: "key"),
                    "unique constraint on (\(columns.joined(separator: ", "))) (named by PostgreSQL)", true
                ))
        }
        // A model without a valid `@id` has been reported; it has no key to name.
        if fields.indices.contains(primaryKeyIndex), fields[primaryKeyIndex].isPrimaryKey, hasDatabaseAssignedKey {
            names.append(
                (Self.postgresName(tableName, primaryKey.columnName, label: "seq"), "key's sequence (named by PostgreSQL)", true))
        }
        return names
    }

    /// The name PostgreSQL gives an object it names itself (`makeObjectName`): `name1_name2_label`,
    /// where a name too long for 63 bytes loses bytes from the longer of `name1` and `name2` first,
    /// never splitting a character.
    static func postgresName(_ name1: String, _ name2: String?, label: String) -> String {
        let first = Array(name1.utf8)
        let second = name2.map { Array($0.utf8) } ?? []
        let available = 63 - (name2 == nil ? 0 : 1) - (label.utf8.count + 1)
        var firstCount = first.count
        var secondCount = second.count
        while firstCount + secondCount > available {
            if firstCount > secondCount { firstCount -= 1 } else { secondCount -= 1 }
        }
        func clipped(_ bytes: [UInt8], _ count: Int) -> [UInt8] {
            var end = count
            // Back to the start of a character: continuation bytes are 10xxxxxx.
            while end > 0, end < bytes.count, bytes[end] & 0xC0 == 0x80 { end -= 1 }
            return Array(bytes[..<end])
        }
        var out = clipped(first, firstCount)
        if name2 != nil { out += [UInt8(ascii: "_")] + clipped(second, secondCount) }
        out += [UInt8(ascii: "_")] + Array(label.utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// The columns part of a unique constraint's name (`ChooseIndexNameAddition`): the column names
    /// joined with `_`, at most 63 bytes.
    static func postgresColumnsPart(_ columns: [String]) -> String {
        var out: [UInt8] = []
        for column in columns {
            if !out.isEmpty { out.append(UInt8(ascii: "_")) }
            out += column.utf8.prefix(max(0, 63 - out.count))
            if out.count >= 63 { break }
        }
        return String(decoding: out.prefix(63), as: UTF8.self)
    }
}
