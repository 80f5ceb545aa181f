/// The attributes of the schema language and the arguments each takes.
enum AttributeRules {
    /// The shape of an attribute's arguments.
    enum Arguments {
        case none
        case oneString
        case oneName
        case names
    }

    /// Field attributes by name.
    static let field: [String: Arguments] = [
        "id": .none, "unique": .none, "index": .none, "column": .oneString, "references": .oneName,
    ]

    /// Model attributes by name.
    static let model: [String: Arguments] = [
        "table": .oneString, "index": .names, "unique": .names, "unversioned": .none,
    ]

    /// How an attribute with these arguments is written, for error messages.
    static func usage(_ name: String, _ arguments: Arguments, onField: Bool) -> String {
        switch arguments {
        case .none: "'@\(name)'\(onField ? " on a field" : "") takes no arguments"
        case .oneString: "'@\(name)' takes one string argument, e.g. @\(name)(\"\(name == "table" ? "posts" : "view_count")\")"
        case .oneName: "'@\(name)' takes one model name, e.g. @\(name)(Author)"
        case .names: "'@\(name)' on a model takes one or more field names, e.g. @\(name)(authorID, status)"
        }
    }
}

extension Checker {
    /// Checks an attribute's name and arguments against a table; reports and returns false when it is unusable.
    mutating func checkAttribute(_ attribute: AttributeSyntax, onField: Bool) -> Bool {
        let table = onField ? AttributeRules.field : AttributeRules.model
        let name = attribute.name.text
        guard let shape = table[name] else {
            let other = onField ? AttributeRules.model : AttributeRules.field
            if other[name] != nil {
                let message =
                    onField
                    ? "'@\(name)' is a model attribute: write it on the line before 'model'"
                    : "'@\(name)' is a field attribute: write it after the field's type"
                diagnostics.error(message, at: attribute.name.range)
            } else {
                var notes: [Diagnostic] = []
                if maySuggest(), let guess = Suggestions.closest(to: name, in: Array(table.keys)) {
                    notes.append(Diagnostic(.note, "did you mean '@\(guess)'?", at: attribute.name.range))
                }
                diagnostics.error(
                    "unknown \(onField ? "field" : "model") attribute '@\(name)'",
                    at: attribute.name.range, notes: notes)
            }
            return false
        }
        let arguments = attribute.arguments ?? []
        let valid: Bool
        switch shape {
        case .none:
            valid = attribute.arguments == nil
        case .oneString:
            if arguments.count == 1, case .string = arguments[0].value { valid = true } else { valid = false }
        case .oneName:
            if arguments.count == 1, case .identifier = arguments[0].value { valid = true } else { valid = false }
        case .names:
            valid =
                !arguments.isEmpty
                && arguments.allSatisfy {
                    if case .identifier = $0.value { return true } else { return false }
                }
        }
        if !valid {
            diagnostics.error(AttributeRules.usage(name, shape, onField: onField), at: attribute.range)
        }
        return valid
    }

    /// The string argument of a checked `.oneString` attribute.
    func stringArgument(_ attribute: AttributeSyntax) -> String {
        if case .string(let value) = attribute.arguments?.first?.value { return value }
        return ""
    }

    /// The name arguments of a checked `.oneName` or `.names` attribute, with their places.
    func nameArguments(_ attribute: AttributeSyntax) -> [(String, SourceRange)] {
        (attribute.arguments ?? []).compactMap {
            if case .identifier(let name) = $0.value { return (name, $0.range) }
            return nil
        }
    }

    /// Checks a table or column name given as a string: not empty, no control characters, at most 63 bytes
    /// (PostgreSQL's limit, so a schema means the same on every backend).
    mutating func checkSQLName(_ name: String, what: String, at range: SourceRange) -> Bool {
        if name.isEmpty {
            diagnostics.error("\(what) name cannot be empty", at: range)
            return false
        }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            diagnostics.error("\(what) name cannot contain control characters", at: range)
            return false
        }
        if name.utf8.count > 63 {
            diagnostics.error("\(what) name \"\(name)\" is longer than 63 bytes, the most PostgreSQL keeps", at: range)
            return false
        }
        if let refusal = Self.refusal(ofSQLName: name, what: what) {
            diagnostics.error(refusal, at: range)
            return false
        }
        return true
    }

    /// Why a database refuses a table or column name, or nil.
    private static func refusal(ofSQLName name: String, what: String) -> String? {
        let lowercased = name.lowercased()
        if what == "table", lowercased.hasPrefix("sqlite_") {
            return "table name \"\(name)\" is reserved by SQLite (names starting with 'sqlite_' are its own)"
        }
        if what == "table", lowercased == "optimistic_lock_schema" {
            return "table name \"\(name)\" is reserved: migrate records the applied schema in that table"
        }
        if what == "table", lowercased == "optimistic_lock_idempotency" || lowercased == "optimistic_lock_idempotency_expires_at"
        {
            return "table name \"\(name)\" is reserved: the library keeps idempotency keys in that table"
        }
        if what == "column", ["tableoid", "xmin", "cmin", "xmax", "cmax", "ctid"].contains(name) {
            return "column name \"\(name)\" is a PostgreSQL system column; give the field another '@column(\"...\")'"
        }
        return nil
    }
}
