extension Checker {
    /// Checks a default value against the field's type and returns it in canonical form, or nil after reporting.
    mutating func checkDefault(_ value: LocatedExpression, for syntax: FieldSyntax, type: FieldType) -> DefaultValue? {
        let fieldName = syntax.name.text
        let typeName = type.swiftName + (syntax.isOptional ? "?" : "")
        func mismatch() -> DefaultValue? {
            diagnostics.error(
                "cannot use \(describe(value.value)) as the default of '\(fieldName)', which is '\(typeName)'",
                at: value.range)
            return nil
        }
        if case .nil = value.value {
            guard syntax.isOptional else {
                diagnostics.error(
                    "'nil' is not a valid default for the non-optional field '\(fieldName)'", at: value.range,
                    notes: [
                        Diagnostic(
                            .note, "make the field optional: '\(fieldName): \(type.swiftName)?'",
                            at: syntax.type.range)
                    ])
                return nil
            }
            return .null
        }
        if case .identifier(let name) = value.value {
            var notes: [Diagnostic] = []
            if case .enumeration(let enumName) = type, enumCases(enumName)?.contains(name) == true {
                notes.append(Diagnostic(.note, "write an enum case with a leading dot: '.\(name)'", at: value.range))
            }
            diagnostics.error(
                "'\(name)' is not a value; a default is a literal, 'nil' or '.enumCase'", at: value.range,
                notes: notes)
            return nil
        }
        switch type {
        case .int64, .int, .int32:
            guard case .integer(let text) = value.value else { return mismatch() }
            let digits = text.filter { $0 != "_" }
            let bounds: ClosedRange<Int64> = type == .int32 ? Int64(Int32.min)...Int64(Int32.max) : Int64.min...Int64.max
            guard let number = Int64(digits), bounds.contains(number) else {
                diagnostics.error("integer literal \(text) does not fit in '\(type.swiftName)'", at: value.range)
                return nil
            }
            return .integer(number)
        case .double:
            let text: String
            switch value.value {
            case .integer(let digits), .float(let digits): text = digits.filter { $0 != "_" }
            default: return mismatch()
            }
            guard let number = Double(text), number.isFinite else {
                diagnostics.error("floating-point literal \(text) does not fit in 'Double'", at: value.range)
                return nil
            }
            if number == 0, number.sign == .minus {
                diagnostics.error(
                    "a default of -0.0 cannot be stored (SQLite keeps it as 0.0, so the runtime refuses it); write 0.0",
                    at: value.range)
                return nil
            }
            return .float(text)
        case .decimal:
            let text: String
            switch value.value {
            case .integer(let digits), .float(let digits): text = digits.filter { $0 != "_" }
            default: return mismatch()
            }
            guard let canonical = DecimalLiteral.canonical(text) else {
                diagnostics.error(
                    "a 'Decimal' default is written with at most 18 digits and no exponent, like 12.50; not \(text)",
                    at: value.range)
                return nil
            }
            return .decimal(canonical)
        case .bool:
            guard case .bool(let flag) = value.value else { return mismatch() }
            return .bool(flag)
        case .string:
            guard case .string(let text) = value.value else { return mismatch() }
            if text.utf8.contains(0) {
                diagnostics.error("a default string cannot contain a NUL character", at: value.range)
                return nil
            }
            return .string(text)
        case .enumeration(let enumName):
            guard case .enumCase(let caseName) = value.value else { return mismatch() }
            let cases = enumCases(enumName) ?? []
            guard cases.contains(caseName) else {
                var notes: [Diagnostic] = []
                if maySuggest(), let guess = Suggestions.closest(to: caseName, in: cases) {
                    notes.append(Diagnostic(.note, "did you mean '.\(guess)'?", at: value.range))
                }
                diagnostics.error("enum '\(enumName)' has no case '\(caseName)'", at: value.range, notes: notes)
                return nil
            }
            return .enumCase(caseName)
        case .data, .date, .uuid:
            diagnostics.error(
                "a field of type '\(type.swiftName)' cannot have a default value; only 'nil' when it is optional",
                at: value.range)
            return nil
        case .version:
            return nil  // reported by the version rules
        }
    }

    private func describe(_ expression: Expression) -> String {
        switch expression {
        case .integer(let text): "the integer literal \(text)"
        case .float(let text): "the floating-point literal \(text)"
        case .string: "a string literal"
        case .bool(let flag): "the Boolean literal \(flag)"
        case .nil: "'nil'"
        case .enumCase(let name): "the enum case '.\(name)'"
        case .identifier(let name): "'\(name)'"
        }
    }
}
