/// Naming rules: snake_case SQL names, Swift keywords, reserved names.
enum Names {
    /// `BlogPost` -> `blog_post`, `authorID` -> `author_id`, `HTTPServer` -> `http_server`, `v2Name` -> `v2_name`.
    static func snakeCase(_ name: String) -> String {
        let chars = Array(name)
        var out = ""
        for (i, c) in chars.enumerated() {
            if c.isUppercase {
                let previous: Character? = i > 0 ? chars[i - 1] : nil
                let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
                if let previous, previous != "_" {
                    let boundary =
                        previous.isLowercase || previous.isNumber
                        || (previous.isUppercase && (next?.isLowercase ?? false))
                    if boundary { out.append("_") }
                }
                out.append(contentsOf: c.lowercased())
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// True for an ASCII identifier: a letter or `_`, then letters, digits or `_`, and not `_` alone.
    static func isValidIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, name != "_" else { return false }
        func isLetter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F }
        guard isLetter(first) else { return false }
        return name.utf8.allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    /// Swift's reserved words (and `Type`, `Protocol`, `Self`, which cannot name a member as written).
    /// Contextual keywords such as `open`, `async` or `some` are valid names and are not listed.
    static let swiftKeywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
        "inout", "internal", "let", "operator", "private", "precedencegroup", "protocol", "public",
        "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
        "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
        "throw", "switch", "where", "while", "Any", "as", "await", "false", "is", "nil", "self", "Self",
        "super", "throws", "true", "try", "Type", "Protocol",
    ]

    /// Names people write for a type the language spells differently.
    static let typeSynonyms: [String: String] = [
        "Timestamp": "Date", "DateTime": "Date", "Datetime": "Date", "Instant": "Date",
        "Integer": "Int64", "Long": "Int64", "BigInt": "Int64", "UInt64": "Int64", "Int16": "Int32",
        "Int8": "Int32", "UInt32": "Int64", "Float": "Double", "Real": "Double",
        "Numeric": "Decimal", "BigDecimal": "Decimal", "Money": "Decimal",
        "Boolean": "Bool", "Text": "String", "Str": "String", "Bytes": "Data", "Blob": "Data", "Uuid": "UUID",
    ]

    /// `name` with its first letter uppercased (`post` -> `Post`, `_draft` -> `_draft`).
    static func upperFirst(_ name: String) -> String {
        name.prefix(1).uppercased() + name.dropFirst()
    }

    /// "a" or "an" before a word.
    static func article(_ word: String) -> String {
        guard let first = word.lowercased().first else { return "a" }
        return "aeiou".contains(first) ? "an" : "a"
    }

    /// Type names a model or enum may not take: they would shadow a type the generated code uses.
    static let reservedTypeNames: Set<String> = [
        "Int64", "Int32", "Int", "Double", "Bool", "String", "Data", "Date", "UUID", "Decimal", "Version", "Optional",
        "Array", "Dictionary", "Set", "Error", "Codable", "Hashable", "Sendable", "Identifiable", "Column",
        "Foundation", "OptimisticLock", "DatabaseConnection", "PreparedStatement", "SQLStatement", "SQLDialect",
        "ConcurrentUpdate", "DatabaseError", "RecordNotFound", "DatabaseValue", "Row", "SQL", "SchemaModel",
        "VersionedModel", "UnversionedModel", "ModelStatements", "DatabaseKey", "VersionGenerator", "OptimisticLockSQL",
        "OptimisticLockSchema", "DatabaseSchema", "DatabaseBindable", "DatabaseEnum", "Predicate", "Ordering",
        // Names the generated types declare or the compiler synthesizes inside them.
        "Key", "ID", "CodingKeys", "RawValue", "AllCases", "CaseIterable", "Equatable", "Hasher", "Encodable",
        "Decodable", "Encoder", "Decoder", "Swift",
    ]

    /// Enum case names that collide with members every generated enum has (its raw value, its cases).
    static let reservedCaseNames: Set<String> = [
        "rawValue", "RawValue", "allCases", "AllCases", "hashValue", "hash", "encode", "CodingKeys",
    ]

    /// Field names that collide with instance members the generator adds to every model (static
    /// members such as `find` or `count` may share a property's name, so they are not listed).
    static let reservedFieldNames: Set<String> = [
        "insert", "update", "save", "delete", "reload", "bind", "bindValues", "Column", "SQL",
        "hashValue", "hash", "encode", "primaryKey", "didInsert",
        // Each field is also a case of the model's `Column` enum.
        "rawValue", "allCases",
    ]
}
