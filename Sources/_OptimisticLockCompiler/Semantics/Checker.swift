/// Resolves names across all files of a compilation and checks every rule of the schema language.
/// Reports every problem it finds and returns the models and enums that could be checked.
struct Checker {
    var diagnostics: DiagnosticEngine
    private let files: [FileSyntax]
    /// Every top-level declaration by name, first declaration wins.
    var declarations: [String: SourceRange] = [:]
    /// How many more "did you mean" suggestions may be computed: each scans its candidates, so a
    /// schema with thousands of errors would otherwise take time quadratic in its size.
    private var suggestionsLeft = 100
    private var enums: [String: EnumType] = [:]
    private var modelSyntax: [String: ModelSyntax] = [:]

    init(files: [FileSyntax], diagnostics: DiagnosticEngine) {
        self.files = files
        self.diagnostics = diagnostics
    }

    /// Checks everything and returns the schema (models and enums that had no errors of their own are complete;
    /// the schema is only meant for emitting when `diagnostics.hasErrors` is false).
    mutating func check() -> Schema {
        var enumOrder: [String] = []
        var modelOrder: [(String, Int)] = []
        for file in files {
            for declaration in file.declarations {
                switch declaration {
                case .enum(let syntax):
                    guard declare(syntax.name, kind: "enum") else { continue }
                    enums[syntax.name.text] = checkEnum(syntax, file: file.file)
                    enumOrder.append(syntax.name.text)
                case .model(let syntax):
                    guard declare(syntax.name, kind: "model") else { continue }
                    modelSyntax[syntax.name.text] = syntax
                    modelOrder.append((syntax.name.text, file.file))
                }
            }
        }
        var models: [Model] = []
        for (name, file) in modelOrder {
            models.append(checkModel(modelSyntax[name]!, file: file))
        }
        checkTableNames(models)
        let schema = Schema(models: models, enums: enumOrder.map { enums[$0]! })
        checkReferenceAccessors(schema)
        checkReferenceCycles(schema)
        return schema
    }

    // MARK: Names

    /// Whether one more "did you mean" suggestion may be computed (and counts it): call before
    /// gathering the candidates.
    mutating func maySuggest() -> Bool {
        guard suggestionsLeft > 0 else { return false }
        suggestionsLeft -= 1
        return true
    }

    /// Validates a name as a Swift identifier; reports and returns false when it cannot be used.
    @discardableResult
    mutating func checkIdentifier(_ name: Name, what: String) -> Bool {
        if !Names.isValidIdentifier(name.text) {
            diagnostics.error(
                "'\(name.text)' is not a valid \(what) name: use ASCII letters, digits and '_', not starting with a digit",
                at: name.range)
            return false
        }
        if Names.swiftKeywords.contains(name.text) {
            diagnostics.error(
                "'\(name.text)' is a Swift keyword and cannot be used as \(Names.article(what)) \(what) name",
                at: name.range,
                notes: [Diagnostic(.note, "choose another name, e.g. '\(name.text)Value'", at: name.range)])
            return false
        }
        return true
    }

    /// Registers a top-level name; reports a duplicate or an invalid name.
    private mutating func declare(_ name: Name, kind: String) -> Bool {
        guard checkIdentifier(name, what: kind) else { return false }
        // Generated code names types, parameters (`db`, `row`) and members (`find`, `count`) in the
        // same places: a type named in lowercase could be taken for one of them.
        guard let first = name.text.utf8.first, first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z") else {
            let suggestion = Names.upperFirst(String(name.text.drop { $0 == "_" }))
            let usable =
                suggestion.first?.isUppercase == true && !Names.swiftKeywords.contains(suggestion)
                && !Names.reservedTypeNames.contains(suggestion)
            diagnostics.error(
                "\(kind) name '\(name.text)' must start with an uppercase letter (A-Z), as Swift types do",
                at: name.range,
                notes: usable ? [Diagnostic(.note, "e.g. '\(suggestion)'", at: name.range)] : [])
            return false
        }
        if Names.reservedTypeNames.contains(name.text) {
            diagnostics.error(
                "'\(name.text)' is reserved: it names a type the generated code uses; choose another \(kind) name",
                at: name.range)
            return false
        }
        if let first = declarations[name.text] {
            diagnostics.error(
                "duplicate declaration of '\(name.text)'", at: name.range,
                notes: [Diagnostic(.note, "'\(name.text)' was first declared here", at: first)])
            return false
        }
        declarations[name.text] = name.range
        return true
    }

    // MARK: Enums

    private mutating func checkEnum(_ syntax: EnumSyntax, file: Int) -> EnumType {
        for attribute in syntax.attributes {
            diagnostics.error("attribute '@\(attribute.name.text)' cannot be applied to an enum", at: attribute.range)
        }
        if syntax.cases.isEmpty {
            diagnostics.error("enum '\(syntax.name.text)' has no cases", at: syntax.name.range)
        }
        var seen: [String: SourceRange] = [:]
        var cases: [(name: String, doc: [String])] = []
        for (caseName, doc) in syntax.cases {
            guard checkIdentifier(caseName, what: "enum case") else { continue }
            if Names.reservedCaseNames.contains(caseName.text) {
                diagnostics.error(
                    "enum case '\(caseName.text)' is reserved: every generated enum has a member of that name",
                    at: caseName.range)
                continue
            }
            if let first = seen[caseName.text] {
                diagnostics.error(
                    "duplicate case '\(caseName.text)' in enum '\(syntax.name.text)'", at: caseName.range,
                    notes: [Diagnostic(.note, "'\(caseName.text)' was first declared here", at: first)])
                continue
            }
            seen[caseName.text] = caseName.range
            cases.append((caseName.text, doc))
        }
        return EnumType(name: syntax.name.text, cases: cases, doc: syntax.doc, file: file)
    }

    /// The case names of a declared enum, or nil when no such enum was declared.
    func enumCases(_ name: String) -> [String]? { enums[name]?.cases.map(\.name) }

    /// True when a model of that name was declared.
    func isModel(_ name: String) -> Bool { modelSyntax[name] != nil }

    /// The declared enum names, for suggestions.
    var enumNames: [String] { Array(enums.keys) }

    /// The declared model names, for suggestions.
    var modelNames: [String] { Array(modelSyntax.keys) }

    /// The syntax of a declared model, for resolving `@references`.
    func syntaxOfModel(_ name: String) -> ModelSyntax? { modelSyntax[name] }

    /// The `@references(...)` written on field `field` of model `model`, where a diagnostic about the
    /// reference points.
    func referencesAttribute(of field: String, in model: String) -> AttributeSyntax? {
        modelSyntax[model]?.fields.first { $0.name.text == field }?.attributes.first { $0.name.text == "references" }
    }

    // MARK: Reference accessors

    /// Every accessor a `@references` field generates must have a name of its own on its model:
    /// not a field's, not a generated member's, not another accessor's.
    private mutating func checkReferenceAccessors(_ schema: Schema) {
        let accessors = schema.referenceAccessors
        var taken: [String: [String: ReferenceAccessor]] = [:]
        for accessor in accessors {
            guard let owner = schema.model(named: accessor.owner),
                let attribute = referencesAttribute(of: accessor.field, in: accessor.source)
            else { continue }
            let generated = "'\(accessor.name)(_:)' on '\(accessor.owner)'"
            let what =
                accessor.isForward ? "the referenced \(accessor.target)" : "the \(accessor.source) records that reference it"
            var clash: String?
            var notes: [Diagnostic] = []
            if let field = owner.field(named: accessor.name) {
                clash = "field '\(field.name)' of '\(owner.name)'"
                if let fieldRange = modelSyntax[owner.name]?.fields.first(where: { $0.name.text == field.name })?.name.range {
                    notes.append(Diagnostic(.note, "'\(field.name)' is declared here", at: fieldRange))
                }
            } else if Names.swiftKeywords.contains(accessor.name) || accessor.name == "_" {
                clash = "a Swift keyword"
            } else if declarations[accessor.name] != nil || Names.reservedTypeNames.contains(accessor.name) {
                clash = "the name of a type"
            } else if Names.reservedFieldNames.contains(accessor.name)
                || ["find", "count", "fetchAll", "fetchPage", "fetchOne"].contains(accessor.name)
            {
                clash = "a member every model has"
            } else if let other = taken[accessor.owner]?[accessor.name] {
                clash = "the accessor for '\(other.source).\(other.field)'"
            }
            if let clash {
                notes.append(
                    Diagnostic(
                        .note,
                        "rename the field\(accessor.isForward ? "" : " or the model") so that the accessor gets another name",
                        at: attribute.range))
                diagnostics.error(
                    "'@references(\(accessor.target))' on '\(accessor.field)' generates \(generated), returning \(what), which clashes with \(clash)",
                    at: attribute.range, notes: notes)
                continue
            }
            taken[accessor.owner, default: [:]][accessor.name] = accessor
        }
    }

    // MARK: Tables

    private mutating func checkTableNames(_ models: [Model]) {
        var seen: [String: (String, SourceRange)] = [:]
        for model in models {
            guard let syntax = modelSyntax[model.name] else { continue }
            let key = model.tableName.lowercased()
            if let (other, range) = seen[key] {
                diagnostics.error(
                    "models '\(other)' and '\(model.name)' both map to table \"\(model.tableName)\"",
                    at: syntax.name.range,
                    notes: [
                        Diagnostic(.note, "'\(other)' declared here", at: range),
                        Diagnostic(
                            .note, "give one of them another name with '@table(\"...\")'",
                            at: syntax.name.range),
                    ])
            } else {
                seen[key] = (model.name, syntax.name.range)
            }
        }
        checkObjectNames(models)
    }

    /// Two database objects that want one name (an index of one table and another table, two
    /// indexes): the second would silently not be made by `CREATE ... IF NOT EXISTS`.
    private mutating func checkObjectNames(_ models: [Model]) {
        var taken: [String: (holder: String, byServer: Bool)] = [:]
        var tables: [String: Int] = [:]
        for model in models {
            taken[model.tableName.lowercased()] = ("table \"\(model.tableName)\"", false)
            tables[model.tableName.lowercased(), default: 0] += 1
        }
        // Two models on one table are reported already; their objects would only repeat it.
        for model in models where tables[model.tableName.lowercased()] == 1 {
            guard let syntax = modelSyntax[model.name] else { continue }
            for (name, what, byServer) in model.databaseObjectNames {
                let key = name.lowercased()
                if let (holder, holderByServer) = taken[key], !(byServer && holderByServer) {
                    diagnostics.error(
                        "'\(model.name)': its \(what) would be \"\(name)\", the name of \(holder) already",
                        at: syntax.name.range,
                        notes: [
                            Diagnostic(
                                .note, "give a table another name with '@table(\"...\")', or a field another column name",
                                at: syntax.name.range)
                        ])
                } else if taken[key] == nil {
                    taken[key] = ("the \(what) of table \"\(model.tableName)\"", byServer)
                }
            }
        }
    }
}
