extension Checker {
    /// Checks one field: type, attributes, key and version rules, default. Nil when its type cannot be resolved.
    mutating func checkField(_ syntax: FieldSyntax, model: String) -> Field? {
        guard let type = resolveType(syntax.type) else { return nil }
        var field = Field(
            name: syntax.name.text, columnName: Names.snakeCase(syntax.name.text), type: type,
            isOptional: syntax.isOptional, defaultValue: nil, isPrimaryKey: false, isUnique: false,
            isIndexed: false, references: nil, doc: syntax.doc)
        var seen: [String: SourceRange] = [:]
        for attribute in syntax.attributes where checkAttribute(attribute, onField: true) {
            let name = attribute.name.text
            if let first = seen[name] {
                diagnostics.error(
                    "duplicate attribute '@\(name)'", at: attribute.range,
                    notes: [Diagnostic(.note, "first written here", at: first)])
                continue
            }
            seen[name] = attribute.range
            switch name {
            case "id": field.isPrimaryKey = true
            case "unique": field.isUnique = true
            case "index": field.isIndexed = true
            case "column":
                let column = stringArgument(attribute)
                if checkSQLName(column, what: "column", at: attribute.range) { field.columnName = column }
            default:
                if let (target, range) = nameArguments(attribute).first {
                    field.references = checkReference(to: target, at: range, from: syntax, type: type)
                }
            }
        }
        if syntax.attributes.allSatisfy({ $0.name.text != "column" }) {
            _ = checkSQLName(field.columnName, what: "column", at: syntax.name.range)
        }
        if type == .version {
            checkVersionField(syntax, field)
        }
        if field.isPrimaryKey {
            checkKeyField(syntax, field)
            if field.references != nil, let attribute = syntax.attributes.first(where: { $0.name.text == "references" }) {
                diagnostics.error(
                    "the '@id' field '\(field.name)' cannot also be '@references': a key shared with another model is not supported",
                    at: attribute.range,
                    notes: [
                        Diagnostic(
                            .note, "give the model its own '@id' and a separate '@unique @references' field", at: attribute.range)
                    ])
            }
        }
        if let value = syntax.defaultValue {
            field.defaultValue = checkDefault(value, for: syntax, type: type)
        }
        return field
    }

    /// Resolves a type name to a built-in or declared enum; reports unknown names with a suggestion.
    private mutating func resolveType(_ name: Name) -> FieldType? {
        if let builtin = FieldType.builtins[name.text] { return builtin }
        if enumCases(name.text) != nil { return .enumeration(name.text) }
        if isModel(name.text) {
            diagnostics.error(
                "a field cannot hold the model '\(name.text)'", at: name.range,
                notes: [
                    Diagnostic(
                        .note, "store its key instead, e.g. '\(lowerFirst(name.text))ID: Int64 @references(\(name.text))'",
                        at: name.range)
                ])
            return nil
        }
        var notes: [Diagnostic] = []
        if let synonym = Names.typeSynonyms[name.text] {
            notes.append(Diagnostic(.note, "did you mean '\(synonym)'?", at: name.range))
        } else if maySuggest(), let guess = Suggestions.closest(to: name.text, in: Array(FieldType.builtins.keys) + enumNames) {
            notes.append(Diagnostic(.note, "did you mean '\(guess)'?", at: name.range))
        }
        diagnostics.error("unknown type '\(name.text)'", at: name.range, notes: notes)
        return nil
    }

    private func lowerFirst(_ name: String) -> String {
        name.prefix(1).lowercased() + name.dropFirst()
    }

    private mutating func checkVersionField(_ syntax: FieldSyntax, _ field: Field) {
        if let optional = syntax.optionalRange {
            diagnostics.error(
                "the version field '\(field.name)' cannot be optional", at: optional,
                notes: [Diagnostic(.note, "remove the '?': every stored row has a version", at: optional)])
        }
        if let value = syntax.defaultValue {
            diagnostics.error(
                "the version field '\(field.name)' cannot have a default: new records start at 0 and insert stores 1",
                at: value.range)
        }
        if field.isPrimaryKey {
            diagnostics.error("the version field '\(field.name)' cannot be the '@id'", at: syntax.name.range)
        }
    }

    private mutating func checkKeyField(_ syntax: FieldSyntax, _ field: Field) {
        if let optional = syntax.optionalRange {
            diagnostics.error(
                "the '@id' field '\(field.name)' cannot be optional", at: optional,
                notes: [
                    Diagnostic(
                        .note, "an integer '@id' is already 'nil' until the database assigns it",
                        at: optional)
                ])
        }
        switch field.type {
        case .int64, .int, .string, .uuid, .version: break
        default:
            diagnostics.error(
                "an '@id' field must be Int64, Int, String or UUID, not '\(field.type.swiftName)'",
                at: syntax.type.range)
        }
        if let value = syntax.defaultValue {
            diagnostics.error("the '@id' field '\(field.name)' cannot have a default", at: value.range)
        }
    }

    /// Resolves `@references(Model)`: the model must exist and its key type must be the field's type.
    private mutating func checkReference(
        to target: String, at range: SourceRange, from syntax: FieldSyntax, type: FieldType
    ) -> String? {
        guard let targetSyntax = syntaxOfModel(target) else {
            var notes: [Diagnostic] = []
            if maySuggest(), let guess = Suggestions.closest(to: target, in: modelNames) {
                notes.append(Diagnostic(.note, "did you mean '\(guess)'?", at: range))
            }
            let message =
                enumCases(target) != nil
                ? "'@references' needs a model, but '\(target)' is an enum"
                : "'@references' names unknown model '\(target)'"
            diagnostics.error(message, at: range, notes: notes)
            return nil
        }
        let key = targetSyntax.fields.first { $0.attributes.contains { $0.name.text == "id" } }
        guard let key, let keyType = FieldType.builtins[key.type.text] else {
            return target  // the target's own errors are reported where it is declared
        }
        if keyType != type {
            diagnostics.error(
                "field '\(syntax.name.text)' has type '\(type.swiftName)' but it references '\(target).\(key.name.text)' of type '\(keyType.swiftName)'",
                at: syntax.type.range,
                notes: [
                    Diagnostic(
                        .note, "declare it as '\(syntax.name.text): \(keyType.swiftName)\(syntax.isOptional ? "?" : "")'",
                        at: syntax.type.range)
                ])
            return nil
        }
        return target
    }
}
