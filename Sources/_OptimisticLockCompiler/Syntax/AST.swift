/// A name as written, with where it was written.
public struct Name: Sendable, Hashable {
    /// The identifier's text.
    public var text: String
    /// Where it stands.
    public var range: SourceRange
}

/// A literal or name in a default value or attribute argument.
public enum Expression: Sendable, Hashable {
    /// `42`, `-1`, as written (digits and underscores, with an optional minus).
    case integer(String)
    /// `1.5`, `-2e3`, as written.
    case float(String)
    /// `"text"`, decoded.
    case string(String)
    /// `true` or `false`.
    case bool(Bool)
    /// `nil`.
    case `nil`
    /// `.caseName`.
    case enumCase(String)
    /// A bare name: a field in `@index(a, b)`, a model in `@references(Author)`.
    case identifier(String)
}

/// An expression with its place.
public struct LocatedExpression: Sendable, Hashable {
    /// The value.
    public var value: Expression
    /// Where it stands.
    public var range: SourceRange
}

/// `@name` or `@name(arguments)`.
public struct AttributeSyntax: Sendable, Hashable {
    /// The name, without `@`, located at the `@`.
    public var name: Name
    /// Arguments; nil when there were no parentheses.
    public var arguments: [LocatedExpression]?
    /// From `@` to the closing parenthesis.
    public var range: SourceRange
}

/// `name: Type? = default @attributes`.
public struct FieldSyntax: Sendable {
    /// The field's name.
    public var name: Name
    /// The type name.
    public var type: Name
    /// True when `?` followed the type; `optionalRange` is the `?`.
    public var isOptional: Bool
    /// Where the `?` stands.
    public var optionalRange: SourceRange?
    /// The default value, if any.
    public var defaultValue: LocatedExpression?
    /// Field attributes.
    public var attributes: [AttributeSyntax]
    /// Doc comment lines.
    public var doc: [String]
}

/// `model Name { fields }`.
public struct ModelSyntax: Sendable {
    /// The model's name.
    public var name: Name
    /// Model attributes written before `model`.
    public var attributes: [AttributeSyntax]
    /// Fields in declaration order.
    public var fields: [FieldSyntax]
    /// Doc comment lines.
    public var doc: [String]
}

/// `enum Name { a, b }`.
public struct EnumSyntax: Sendable {
    /// The enum's name.
    public var name: Name
    /// Attributes written before `enum` (none are valid; they are reported).
    public var attributes: [AttributeSyntax]
    /// Cases in declaration order, with their doc comments.
    public var cases: [(name: Name, doc: [String])]
    /// Doc comment lines.
    public var doc: [String]
}

/// A top-level declaration.
public enum DeclarationSyntax: Sendable {
    /// A model.
    case model(ModelSyntax)
    /// An enum.
    case `enum`(EnumSyntax)
}

/// One parsed file.
public struct FileSyntax: Sendable {
    /// Index of the file in the compilation.
    public var file: Int
    /// Declarations in order.
    public var declarations: [DeclarationSyntax]
}
