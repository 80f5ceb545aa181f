extension Checker {
    /// Checks one model: attributes, fields, the key and version rules, indexes and column names.
    mutating func checkModel(_ syntax: ModelSyntax, file: Int) -> Model {
        var model = Model(
            name: syntax.name.text, tableName: Names.snakeCase(syntax.name.text), fields: [],
            isUnversioned: false, indexes: [], uniqueConstraints: [], doc: syntax.doc, file: file)
        var indexSyntax: [AttributeSyntax] = []
        var uniqueSyntax: [AttributeSyntax] = []
        var seenAttributes: [String: SourceRange] = [:]
        for attribute in syntax.attributes where checkAttribute(attribute, onField: false) {
            let name = attribute.name.text
            if name != "index" && name != "unique" {
                if let first = seenAttributes[name] {
                    diagnostics.error(
                        "duplicate attribute '@\(name)'", at: attribute.range,
                        notes: [Diagnostic(.note, "first written here", at: first)])
                    continue
                }
                seenAttributes[name] = attribute.range
            }
            switch name {
            case "table":
                let table = stringArgument(attribute)
                if checkSQLName(table, what: "table", at: attribute.range) { model.tableName = table }
            case "unversioned": model.isUnversioned = true
            case "index": indexSyntax.append(attribute)
            default: uniqueSyntax.append(attribute)
            }
        }
        _ = checkSQLName(model.tableName, what: "table", at: syntax.name.range)

        var seenFields: [String: SourceRange] = [:]
        var keyFields: [FieldSyntax] = []
        var versionFields: [FieldSyntax] = []
        for fieldSyntax in syntax.fields {
            guard checkIdentifier(fieldSyntax.name, what: "field") else { continue }
            if let (reason, notes) = refusal(ofFieldName: fieldSyntax.name.text) {
                diagnostics.error("field name '\(fieldSyntax.name.text)' \(reason)", at: fieldSyntax.name.range, notes: notes)
                continue
            }
            if let first = seenFields[fieldSyntax.name.text] {
                diagnostics.error(
                    "duplicate field '\(fieldSyntax.name.text)' in model '\(model.name)'",
                    at: fieldSyntax.name.range,
                    notes: [Diagnostic(.note, "'\(fieldSyntax.name.text)' was first declared here", at: first)])
                continue
            }
            seenFields[fieldSyntax.name.text] = fieldSyntax.name.range
            guard let field = checkField(fieldSyntax, model: model.name) else { continue }
            if field.isPrimaryKey {
                if keyFields.isEmpty { model.primaryKeyIndex = model.fields.count }
                keyFields.append(fieldSyntax)
            }
            if field.isVersion {
                if versionFields.isEmpty, !model.isUnversioned { model.versionIndex = model.fields.count }
                versionFields.append(fieldSyntax)
            }
            model.fieldIndex[field.name] = model.fields.count
            model.fields.append(field)
        }
        checkKey(syntax, keyFields)
        if let key = keyFields.first, key.name.text != "id",
            let other = syntax.fields.first(where: { $0.name.text == "id" })
        {
            diagnostics.error(
                "a field named 'id' must be the '@id' field: the generated type uses 'id' for its key",
                at: other.name.range,
                notes: [Diagnostic(.note, "'\(key.name.text)' is the '@id' field", at: key.name.range)])
        }
        checkVersion(syntax, model.isUnversioned, versionFields)
        if let version = versionFields.first, version.name.text != "version",
            let other = syntax.fields.first(where: { $0.name.text == "version" })
        {
            diagnostics.error(
                "a field named 'version' must be the 'Version' field: the generated type uses 'version' for it",
                at: other.name.range,
                notes: [Diagnostic(.note, "'\(version.name.text)' is the 'Version' field", at: version.name.range)])
        }
        model.indexes = resolveFieldLists(indexSyntax, in: model)
        model.uniqueConstraints = resolveFieldLists(uniqueSyntax, in: model)
        checkColumnNames(model, syntax)
        return model
    }

    /// Why a field may not take its name, or nil: a member every generated type has, or a type the
    /// property would hide inside the generated code.
    private func refusal(ofFieldName name: String) -> (reason: String, notes: [Diagnostic])? {
        if name == "sql" {
            return (
                "is reserved: a finder 'fetchAll(db, sql:)' would take the place of the runtime's query with your own SQL", []
            )
        }
        if Names.reservedFieldNames.contains(name) {
            return ("is reserved: the generated type has a member of that name", [])
        }
        if let declared = declarations[name] {
            return (
                "is the name of a declared type: the property would hide it; choose another field name",
                [Diagnostic(.note, "'\(name)' is declared here", at: declared)]
            )
        }
        if Names.reservedTypeNames.contains(name) {
            return ("is the name of a type the generated code uses: the property would hide it; choose another field name", [])
        }
        return nil
    }

    private mutating func checkKey(_ syntax: ModelSyntax, _ keys: [FieldSyntax]) {
        // A field that carries '@id' but failed its own checks already has an error: say nothing more.
        let someFieldSaysID = syntax.fields.contains { $0.attributes.contains { $0.name.text == "id" } }
        if keys.isEmpty, !someFieldSaysID {
            diagnostics.error(
                "model '\(syntax.name.text)' has no '@id' field", at: syntax.name.range,
                notes: [
                    Diagnostic(
                        .note, "mark its primary key with '@id', e.g. 'id: Int64 @id'",
                        at: syntax.name.range)
                ])
        }
        for extra in keys.dropFirst() {
            diagnostics.error(
                "model '\(syntax.name.text)' has more than one '@id' field", at: extra.name.range,
                notes: [
                    Diagnostic(
                        .note, "'\(keys[0].name.text)' is already the '@id' field",
                        at: keys[0].name.range)
                ])
        }
    }

    private mutating func checkVersion(
        _ syntax: ModelSyntax, _ unversioned: Bool, _ versions: [FieldSyntax]
    ) {
        if unversioned {
            for field in versions {
                diagnostics.error(
                    "model '\(syntax.name.text)' is '@unversioned' but declares the version field '\(field.name.text)'",
                    at: field.type.range,
                    notes: [
                        Diagnostic(
                            .note, "remove '@unversioned' to lock this model optimistically, or remove the field",
                            at: field.type.range)
                    ])
            }
            return
        }
        if versions.isEmpty, !syntax.fields.contains(where: { $0.type.text == "Version" }) {
            diagnostics.error(
                "model '\(syntax.name.text)' has no version field", at: syntax.name.range,
                notes: [
                    Diagnostic(
                        .note, "add 'version: Version', or mark the model '@unversioned' for plain, unchecked updates",
                        at: syntax.name.range)
                ])
        }
        for extra in versions.dropFirst() {
            diagnostics.error(
                "model '\(syntax.name.text)' has more than one 'Version' field", at: extra.name.range,
                notes: [
                    Diagnostic(
                        .note, "'\(versions[0].name.text)' is already the version field",
                        at: versions[0].name.range)
                ])
        }
    }

    /// Resolves the field names of `@index(a, b)` / `@unique(a, b)`.
    private mutating func resolveFieldLists(_ attributes: [AttributeSyntax], in model: Model) -> [[String]] {
        var lists: [[String]] = []
        for attribute in attributes {
            var list: [String] = []
            var complete = true
            for (name, range) in nameArguments(attribute) {
                guard model.field(named: name) != nil else {
                    var notes: [Diagnostic] = []
                    if maySuggest(), let guess = Suggestions.closest(to: name, in: model.fields.map(\.name)) {
                        notes.append(Diagnostic(.note, "did you mean '\(guess)'?", at: range))
                    }
                    diagnostics.error(
                        "'@\(attribute.name.text)' names unknown field '\(name)' of model '\(model.name)'",
                        at: range, notes: notes)
                    complete = false
                    continue
                }
                if list.contains(name) {
                    diagnostics.error("'@\(attribute.name.text)' names field '\(name)' twice", at: range)
                    complete = false
                    continue
                }
                list.append(name)
            }
            guard complete else { continue }
            // The same constraint twice would be two database objects wanting one name.
            let fieldLevel = list.count == 1 ? model.field(named: list[0]) : nil
            let onField = attribute.name.text == "unique" ? fieldLevel?.isUnique == true : fieldLevel?.isIndexed == true
            if onField || lists.contains(list) {
                let earlier =
                    onField ? "'@\(attribute.name.text)' on the field '\(list[0])'" : "an earlier '@\(attribute.name.text)'"
                diagnostics.error(
                    "'@\(attribute.name.text)(\(list.joined(separator: ", ")))' repeats \(earlier); remove one of them",
                    at: attribute.range)
                continue
            }
            lists.append(list)
        }
        return lists
    }

    private mutating func checkColumnNames(_ model: Model, _ syntax: ModelSyntax) {
        var ranges: [String: SourceRange] = [:]
        for field in syntax.fields where ranges[field.name.text] == nil {
            ranges[field.name.text] = field.name.range
        }
        var seen: [String: String] = [:]
        for field in model.fields {
            let key = field.columnName.lowercased()
            guard let range = ranges[field.name] else { continue }
            if let other = seen[key], let otherRange = ranges[other] {
                diagnostics.error(
                    "fields '\(other)' and '\(field.name)' both map to column \"\(field.columnName)\"",
                    at: range,
                    notes: [
                        Diagnostic(.note, "'\(other)' declared here", at: otherRange),
                        Diagnostic(
                            .note, "give one of them another name with '@column(\"...\")'",
                            at: range),
                    ])
            } else {
                seen[key] = field.name
            }
        }
    }
}
