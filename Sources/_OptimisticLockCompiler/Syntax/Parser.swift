/// Recursive-descent parser for one schema file. It never stops at the first error: after a bad
/// field it resumes at the next line, after a bad declaration at the next `model`, `enum` or `@`
/// that starts a line. The grammar is flat, so no input can make it recurse deeply.
struct Parser {
    private let tokens: [Token]
    private var index = 0
    private let file: Int

    init(tokens: [Token], file: Int) {
        self.tokens = tokens
        self.file = file
    }

    /// Parses a whole file.
    static func parse(_ source: SourceFile, file: Int, diagnostics: inout DiagnosticEngine) -> FileSyntax {
        let tokens = Lexer.tokenize(source, file: file, diagnostics: &diagnostics)
        var parser = Parser(tokens: tokens, file: file)
        return parser.parseFile(&diagnostics)
    }

    // MARK: Token access

    private var current: Token { tokens[index] }

    private func peek(_ offset: Int) -> Token { tokens[min(index + offset, tokens.count - 1)] }

    private mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private func isKeyword(_ token: Token, _ word: String) -> Bool {
        token.kind == .identifier && token.text == word
    }

    private func name(_ token: Token) -> Name { Name(text: token.text, range: token.range) }

    /// Reports `expected X, found Y` at the current token. Tokens the lexer already reported are not reported again.
    private func expected(_ what: String, _ diagnostics: inout DiagnosticEngine) {
        let token = current
        if token.kind == .invalid, token.text.first == "\"" { return }
        if token.kind == .invalid, let first = token.text.utf8.first, first >= 0x30, first <= 0x39 {
            diagnostics.error(
                "'\(token.text)' is not a valid identifier or number; names start with a letter or '_'",
                at: token.range)
            return
        }
        if token.kind == .invalid { return }
        diagnostics.error("expected \(what), found \(token.display)", at: token.range)
    }

    // MARK: Declarations

    private mutating func parseFile(_ diagnostics: inout DiagnosticEngine) -> FileSyntax {
        var declarations: [DeclarationSyntax] = []
        while current.kind != .endOfFile {
            let doc = current.doc
            let attributes = parseAttributes(&diagnostics)
            let docLines = doc.isEmpty ? current.doc : doc
            if isKeyword(current, "model") {
                _ = advance()
                if let model = parseModel(attributes: attributes, doc: docLines, &diagnostics) {
                    declarations.append(.model(model))
                }
            } else if isKeyword(current, "enum") {
                _ = advance()
                if let declaration = parseEnum(attributes: attributes, doc: docLines, &diagnostics) {
                    declarations.append(.enum(declaration))
                }
            } else {
                if current.kind == .endOfFile, let last = attributes.last {
                    diagnostics.error(
                        "attribute '@\(last.name.text)' must be followed by a 'model' declaration",
                        at: last.range)
                    break
                }
                expected("a declaration ('model' or 'enum')", &diagnostics)
                _ = advance()
                skipToDeclaration()
            }
        }
        return FileSyntax(file: file, declarations: declarations)
    }

    /// Skips to the next token that starts a line and can start a declaration.
    private mutating func skipToDeclaration() {
        while current.kind != .endOfFile {
            if current.startsLine, isKeyword(current, "model") || isKeyword(current, "enum") || current.kind == .at {
                return
            }
            _ = advance()
        }
    }

    /// Parses `Name {` and reports what is missing. Returns nil when the declaration cannot be parsed.
    private mutating func parseHeader(_ kind: String, _ diagnostics: inout DiagnosticEngine) -> (Name, Token)? {
        guard current.kind == .identifier else {
            expected("a \(kind) name", &diagnostics)
            skipToDeclaration()
            return nil
        }
        let declName = name(advance())
        guard current.kind == .leftBrace else {
            expected("'{' after \(kind) name '\(declName.text)'", &diagnostics)
            skipToDeclaration()
            return nil
        }
        return (declName, advance())
    }

    private mutating func parseModel(
        attributes: [AttributeSyntax], doc: [String], _ diagnostics: inout DiagnosticEngine
    ) -> ModelSyntax? {
        guard let (modelName, brace) = parseHeader("model", &diagnostics) else { return nil }
        var fields: [FieldSyntax] = []
        while true {
            if current.kind == .rightBrace {
                _ = advance()
                break
            }
            if current.kind == .endOfFile
                || (current.startsLine && (isKeyword(current, "model") || isKeyword(current, "enum"))
                    && peek(1).kind == .identifier && peek(2).kind == .leftBrace)
            {
                diagnostics.error(
                    "expected '}' to close model '\(modelName.text)'", at: current.range,
                    notes: [Diagnostic(.note, "model '\(modelName.text)' opened here", at: brace.range)])
                break
            }
            if let field = parseField(&diagnostics) {
                fields.append(field)
            }
        }
        return ModelSyntax(name: modelName, attributes: attributes, fields: fields, doc: doc)
    }

    /// Skips to the first token of the next line, or to a `}`.
    private mutating func skipRestOfLine() {
        _ = advance()
        while current.kind != .endOfFile, current.kind != .rightBrace, !current.startsLine {
            _ = advance()
        }
    }

    private mutating func parseField(_ diagnostics: inout DiagnosticEngine) -> FieldSyntax? {
        let doc = current.doc
        guard current.kind == .identifier else {
            expected("a field name", &diagnostics)
            skipRestOfLine()
            return nil
        }
        let fieldName = name(advance())
        if current.kind == .colon {
            _ = advance()
        } else if current.kind == .identifier, !current.startsLine {
            diagnostics.error("expected ':' after field name '\(fieldName.text)'", at: current.range)
        } else {
            if current.kind == .invalid || current.startsLine || current.kind == .rightBrace {
                diagnostics.error("expected ':' and a type after field name '\(fieldName.text)'", at: current.range)
            } else {
                expected("':' after field name '\(fieldName.text)'", &diagnostics)
            }
            if !current.startsLine, current.kind != .rightBrace { skipRestOfLine() }
            return nil
        }
        guard current.kind == .identifier, !current.startsLine else {
            if current.startsLine || current.kind == .rightBrace {
                diagnostics.error("expected a type for field '\(fieldName.text)'", at: current.range)
            } else {
                expected("a type for field '\(fieldName.text)'", &diagnostics)
                skipRestOfLine()
            }
            return nil
        }
        let typeName = name(advance())
        var optionalRange: SourceRange?
        if current.kind == .question, !current.startsLine {
            optionalRange = advance().range
        }
        var defaultValue: LocatedExpression?
        if current.kind == .equals, !current.startsLine {
            _ = advance()
            guard let value = parseExpression(&diagnostics) else {
                if !current.startsLine, current.kind != .rightBrace { skipRestOfLine() }
                return nil
            }
            defaultValue = value
        }
        var attributes: [AttributeSyntax] = []
        while current.kind == .at, !current.startsLine {
            guard let attribute = parseAttribute(&diagnostics) else {
                if !current.startsLine, current.kind != .rightBrace { skipRestOfLine() }
                return nil
            }
            attributes.append(attribute)
        }
        if !current.startsLine, current.kind != .rightBrace, current.kind != .endOfFile {
            if current.kind == .equals {
                diagnostics.error("a default value must come before the field's attributes", at: current.range)
            } else {
                expected("a new line after field '\(fieldName.text)'", &diagnostics)
            }
            skipRestOfLine()
        }
        return FieldSyntax(
            name: fieldName, type: typeName, isOptional: optionalRange != nil,
            optionalRange: optionalRange, defaultValue: defaultValue,
            attributes: attributes, doc: doc)
    }

    private mutating func parseEnum(
        attributes: [AttributeSyntax], doc: [String], _ diagnostics: inout DiagnosticEngine
    ) -> EnumSyntax? {
        guard let (enumName, brace) = parseHeader("enum", &diagnostics) else { return nil }
        var cases: [(name: Name, doc: [String])] = []
        var needsSeparator = false
        while true {
            switch current.kind {
            case .rightBrace:
                _ = advance()
                return EnumSyntax(name: enumName, attributes: attributes, cases: cases, doc: doc)
            case .endOfFile:
                diagnostics.error(
                    "expected '}' to close enum '\(enumName.text)'", at: current.range,
                    notes: [Diagnostic(.note, "enum '\(enumName.text)' opened here", at: brace.range)])
                return EnumSyntax(name: enumName, attributes: attributes, cases: cases, doc: doc)
            case .comma:
                _ = advance()
                needsSeparator = false
            case .identifier where !needsSeparator || current.startsLine:
                if current.startsLine, isKeyword(current, "model") || isKeyword(current, "enum"),
                    peek(1).kind == .identifier, peek(2).kind == .leftBrace
                {
                    diagnostics.error(
                        "expected '}' to close enum '\(enumName.text)'", at: current.range,
                        notes: [Diagnostic(.note, "enum '\(enumName.text)' opened here", at: brace.range)])
                    return EnumSyntax(name: enumName, attributes: attributes, cases: cases, doc: doc)
                }
                let token = advance()
                cases.append((name(token), token.doc))
                needsSeparator = true
            default:
                expected(needsSeparator ? "',' or '}' in enum '\(enumName.text)'" : "an enum case name", &diagnostics)
                _ = advance()
            }
        }
    }

    // MARK: Attributes and expressions

    private mutating func parseAttributes(_ diagnostics: inout DiagnosticEngine) -> [AttributeSyntax] {
        var attributes: [AttributeSyntax] = []
        while current.kind == .at {
            guard let attribute = parseAttribute(&diagnostics) else {
                skipToDeclaration()
                if current.kind == .at { continue }
                return attributes
            }
            attributes.append(attribute)
        }
        return attributes
    }

    private mutating func parseAttribute(_ diagnostics: inout DiagnosticEngine) -> AttributeSyntax? {
        let at = advance()
        guard current.kind == .identifier, current.range.start == at.range.end else {
            expected("an attribute name right after '@'", &diagnostics)
            return nil
        }
        let nameToken = advance()
        let attributeName = Name(
            text: nameToken.text,
            range: SourceRange(
                file: file, start: at.range.start,
                end: nameToken.range.end))
        guard current.kind == .leftParen, !current.startsLine else {
            return AttributeSyntax(name: attributeName, arguments: nil, range: attributeName.range)
        }
        let open = advance()
        var arguments: [LocatedExpression] = []
        if current.kind == .rightParen {
            let close = advance()
            return AttributeSyntax(
                name: attributeName, arguments: [],
                range: SourceRange(file: file, start: at.range.start, end: close.range.end))
        }
        while true {
            guard let argument = parseExpression(&diagnostics) else { return nil }
            arguments.append(argument)
            if current.kind == .comma {
                _ = advance()
                continue
            }
            if current.kind == .rightParen {
                let close = advance()
                return AttributeSyntax(
                    name: attributeName, arguments: arguments,
                    range: SourceRange(file: file, start: at.range.start, end: close.range.end))
            }
            diagnostics.error(
                "expected ',' or ')' in arguments of '@\(nameToken.text)'", at: current.range,
                notes: [Diagnostic(.note, "'(' opened here", at: open.range)])
            return nil
        }
    }

    private mutating func parseExpression(_ diagnostics: inout DiagnosticEngine) -> LocatedExpression? {
        let token = current
        func located(_ value: Expression, _ end: Token) -> LocatedExpression {
            LocatedExpression(value: value, range: SourceRange(file: file, start: token.range.start, end: end.range.end))
        }
        switch token.kind {
        case .integer:
            _ = advance()
            return located(.integer(token.text), token)
        case .float:
            _ = advance()
            return located(.float(token.text), token)
        case .minus:
            let number = peek(1)
            if number.range.start == token.range.end, number.kind == .integer || number.kind == .float {
                _ = advance()
                _ = advance()
                return located(
                    number.kind == .integer ? .integer("-" + number.text) : .float("-" + number.text),
                    number)
            }
            diagnostics.error("expected a number after '-'", at: token.range)
            return nil
        case .string:
            _ = advance()
            return located(.string(token.stringValue), token)
        case .dot:
            let caseName = peek(1)
            guard caseName.kind == .identifier, caseName.range.start == token.range.end else {
                diagnostics.error("expected an enum case name after '.'", at: token.range)
                return nil
            }
            _ = advance()
            _ = advance()
            return located(.enumCase(caseName.text), caseName)
        case .identifier:
            _ = advance()
            switch token.text {
            case "true": return located(.bool(true), token)
            case "false": return located(.bool(false), token)
            case "nil": return located(.nil, token)
            default: return located(.identifier(token.text), token)
            }
        default:
            expected("a value", &diagnostics)
            return nil
        }
    }
}
