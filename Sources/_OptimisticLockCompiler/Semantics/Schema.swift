/// The value types a field can have, after name resolution.
public enum FieldType: Sendable, Hashable {
    case int64
    case int32
    case int
    case double
    case bool
    case string
    case data
    case date
    case uuid
    /// An exact decimal number (`Decimal`).
    case decimal
    /// The optimistic-lock version (stored as a 64-bit integer).
    case version
    /// A declared enum, by Swift name.
    case enumeration(String)

    /// The Swift type name of a non-optional value.
    public var swiftName: String {
        switch self {
        case .int64, .version: "Int64"
        case .int32: "Int32"
        case .int: "Int"
        case .double: "Double"
        case .bool: "Bool"
        case .string: "String"
        case .data: "Data"
        case .date: "Date"
        case .uuid: "UUID"
        case .decimal: "Decimal"
        case .enumeration(let name): name
        }
    }

    /// True for the integer types that a database can assign as a primary key.
    public var isInteger: Bool {
        switch self {
        case .int64, .int, .int32: true
        default: false
        }
    }

    /// The built-in type names of the schema language.
    static let builtins: [String: FieldType] = [
        "Int64": .int64, "Int32": .int32, "Int": .int, "Double": .double, "Bool": .bool,
        "String": .string, "Data": .data, "Date": .date, "UUID": .uuid, "Decimal": .decimal,
        "Version": .version,
    ]
}

/// A checked default value, ready to print in Swift and SQL.
public enum DefaultValue: Sendable, Hashable {
    /// An integer, as a canonical decimal (no underscores).
    case integer(Int64)
    /// A floating-point value as written (underscores removed).
    case float(String)
    /// An exact decimal in canonical form (`-12.5`: no exponent, no leading or trailing zeros, at
    /// most 18 digits), as a `Decimal` prints it.
    case decimal(String)
    /// A string.
    case string(String)
    /// A Boolean.
    case bool(Bool)
    /// An enum case name.
    case enumCase(String)
    /// `nil` for an optional field.
    case null
}

/// A field after checking.
public struct Field: Sendable {
    /// The Swift property name.
    public var name: String
    /// The SQL column name.
    public var columnName: String
    /// The value type.
    public var type: FieldType
    /// True when the field may be NULL.
    public var isOptional: Bool
    /// The default, if declared.
    public var defaultValue: DefaultValue?
    /// True for the `@id` field.
    public var isPrimaryKey: Bool
    /// True for a field-level `@unique`.
    public var isUnique: Bool
    /// True for a field-level `@index`.
    public var isIndexed: Bool
    /// The model named by `@references`, if any.
    public var references: String?
    /// Doc comment lines.
    public var doc: [String]

    /// True for the version field.
    public var isVersion: Bool { type == .version }
}

/// A model after checking.
public struct Model: Sendable {
    /// The Swift type name.
    public var name: String
    /// The SQL table name.
    public var tableName: String
    /// Fields in declaration order.
    public var fields: [Field]
    /// True when marked `@unversioned`.
    public var isUnversioned: Bool
    /// Multi-column indexes from `@index(a, b)`, as field names.
    public var indexes: [[String]]
    /// Multi-column unique constraints from `@unique(a, b)`, as field names.
    public var uniqueConstraints: [[String]]
    /// Doc comment lines.
    public var doc: [String]
    /// Index of the schema file that declares it.
    public var file: Int
    /// Position of the `@id` field in `fields` (set by the checker; a model without one is an error).
    public var primaryKeyIndex = 0
    /// Position of the version field in `fields`, nil for an `@unversioned` model.
    public var versionIndex: Int?
    /// Position of every field by Swift name.
    var fieldIndex: [String: Int] = [:]

    /// The `@id` field.
    public var primaryKey: Field { fields[primaryKeyIndex] }
    /// The version field, nil for an `@unversioned` model.
    public var versionField: Field? { versionIndex.map { fields[$0] } }
    /// True when the database assigns the primary key (an integer `@id`).
    public var hasDatabaseAssignedKey: Bool { primaryKey.type.isInteger }
    /// The fields that are neither the key nor the version, in declaration order.
    public var valueFields: [Field] { fields.filter { !$0.isPrimaryKey && !$0.isVersion } }

    /// The field with a Swift name.
    public func field(named name: String) -> Field? { fieldIndex[name].map { fields[$0] } }
}

/// An enum after checking.
public struct EnumType: Sendable {
    /// The Swift type name.
    public var name: String
    /// Case names in declaration order, with their doc comments.
    public var cases: [(name: String, doc: [String])]
    /// Doc comment lines.
    public var doc: [String]
    /// Index of the schema file that declares it.
    public var file: Int
}

/// Every model and enum of one compilation, checked.
public struct Schema: Sendable {
    /// Models in file order, then declaration order.
    public let models: [Model]
    /// Enums in file order, then declaration order.
    public let enums: [EnumType]
    private let modelIndex: [String: Int]

    /// Creates a schema.
    public init(models: [Model], enums: [EnumType]) {
        self.models = models
        self.enums = enums
        var index: [String: Int] = [:]
        for (position, model) in models.enumerated() where index[model.name] == nil {
            index[model.name] = position
        }
        self.modelIndex = index
    }

    /// The model with a Swift name.
    public func model(named name: String) -> Model? { modelIndex[name].map { models[$0] } }
}
