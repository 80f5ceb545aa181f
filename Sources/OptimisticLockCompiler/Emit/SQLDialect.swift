@_exported import OptimisticLockSQL

// The compiler's part of the dialects: column types and default literals. Quoting, placeholders and
// the statements themselves are spelled by `OptimisticLockSQL`, shared with the runtime.

extension SQLDialect {
    /// The column type for a field type. On SQLite the declared type does not change how values
    /// are stored (integers stay integers under INTEGER and NUMERIC affinity alike), but it names
    /// the field's type, so that `migrate` sees a field retyped between types stored as integers
    /// (an `Int64` that became a `Date` would otherwise be read as microseconds, silently).
    func columnType(_ type: FieldType) -> String {
        switch (self, type) {
        case (.sqlite, .int64), (.sqlite, .int), (.sqlite, .version): "INTEGER"
        case (.sqlite, .int32): "INT"
        case (.sqlite, .bool): "BOOLEAN"
        case (.sqlite, .date): "DATETIME"
        case (.sqlite, .double): "REAL"
        case (.sqlite, .string), (.sqlite, .enumeration): "TEXT"
        case (.sqlite, .data), (.sqlite, .uuid): "BLOB"
        case (.postgres, .int64), (.postgres, .int), (.postgres, .version): "bigint"
        case (.postgres, .int32): "integer"
        case (.postgres, .double): "double precision"
        case (.postgres, .bool): "boolean"
        case (.postgres, .string), (.postgres, .enumeration): "text"
        case (.postgres, .data): "bytea"
        case (.postgres, .date): "timestamptz"
        case (.postgres, .uuid): "uuid"
        }
    }

    /// A default value as an SQL literal; nil for `nil` (NULL is already the default).
    func literal(_ value: DefaultValue) -> String? {
        switch value {
        case .integer(let number): String(number)
        case .float(let text): text
        case .string(let text), .enumCase(let text): "'" + text.replacingAll("'", with: "''") + "'"
        case .bool(let flag): self == .sqlite ? (flag ? "1" : "0") : (flag ? "TRUE" : "FALSE")
        case .null: nil
        }
    }
}

extension String {
    /// Replaces every occurrence of a character (standard library only, no Foundation).
    /// `target` must be ASCII; the common case (no occurrence) returns `self` untouched.
    func replacingAll(_ target: Unicode.Scalar, with replacement: String) -> String {
        let byte = UInt8(ascii: target)
        guard utf8.contains(byte) else { return self }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 8)
        for unit in utf8 {
            if unit == byte { out.append(contentsOf: replacement.utf8) } else { out.append(unit) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
