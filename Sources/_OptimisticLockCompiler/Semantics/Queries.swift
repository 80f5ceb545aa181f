// What a model gets beyond `find(id:)` and `fetchAll`: finders per unique constraint and per index,
// and the accessors of its references. The emitter writes them; the checker makes sure their
// names clash with nothing.

/// A reference accessor: `post.author(db)` (forward) or `author.posts(db)` (reverse).
public struct ReferenceAccessor: Sendable, Equatable {
    /// The method's name.
    public let name: String
    /// The model the method is declared on.
    public let owner: String
    /// The referencing model (the one with the `@references` field).
    public let source: String
    /// The `@references` field.
    public let field: String
    /// The referenced model.
    public let target: String
    /// True for `post.author(db)`, false for `author.posts(db)`.
    public let isForward: Bool
    /// True for a reverse accessor of a unique field: one record (`user.profile(db)`), not a list.
    public let isToOne: Bool
}

extension Model {
    /// Field lists that get `fetchAll(db, a:, b:)` and `count(db, a:, b:)`: each `@index` field, each
    /// `@references` field, each prefix (up to 3 fields) of an `@index(a, b, ...)`; not the key, and
    /// not what a unique finder already finds.
    public var indexFinders: [[Field]] {
        var lists: [[String]] = []
        func add(_ names: [String]) {
            guard !names.isEmpty, names.count <= 3, !lists.contains(names), names.first != primaryKey.name else { return }
            if uniqueFinders.contains(where: { $0.map(\.name) == names }) { return }
            lists.append(names)
        }
        for field in fields where field.isIndexed || field.references != nil { add([field.name]) }
        for index in indexes {
            for length in 1...index.count { add(Array(index.prefix(length))) }
        }
        return lists.map { $0.compactMap(field(named:)) }
    }

    /// Field lists that get `find(db, a:, b:)`: each `@unique` field and each `@unique(a, b, ...)`
    /// of up to 3 fields.
    public var uniqueFinders: [[Field]] {
        var lists: [[Field]] = fields.filter { $0.isUnique && !$0.isPrimaryKey }.map { [$0] }
        for constraint in uniqueConstraints where constraint.count <= 3 {
            let resolved = constraint.compactMap(field(named:))
            if !lists.contains(where: { $0.map(\.name) == resolved.map(\.name) }) { lists.append(resolved) }
        }
        return lists
    }
}

extension Schema {
    /// The accessor names of every `@references` field: forward on the referencing model
    /// (`authorID` → `author(db)`; a field not ending in `ID` → `<field>Record(db)`), and reverse on
    /// the referenced model (`Post` → `posts(db)`; for a `@unique` field, `Profile` → `profile(db)`)
    /// when the referencing model has only that one field referencing it.
    public var referenceAccessors: [ReferenceAccessor] {
        var accessors: [ReferenceAccessor] = []
        for model in models {
            for field in model.fields {
                guard let target = field.references, self.model(named: target) != nil else { continue }
                accessors.append(
                    ReferenceAccessor(
                        name: Self.forwardName(field.name), owner: model.name, source: model.name,
                        field: field.name, target: target, isForward: true, isToOne: true))
                let sameTarget = model.fields.filter { $0.references == target }
                if sameTarget.count == 1 {
                    let name = field.isUnique ? Self.singularName(model.name) : Self.reverseName(model.name)
                    accessors.append(
                        ReferenceAccessor(
                            name: name, owner: target, source: model.name, field: field.name,
                            target: target, isForward: false, isToOne: field.isUnique))
                }
            }
        }
        return accessors
    }

    /// `authorID` → `author`, `ownerId` → `owner`, `owner` → `ownerRecord`.
    static func forwardName(_ field: String) -> String {
        for suffix in ["ID", "Id"] where field.hasSuffix(suffix) && field.count > suffix.count {
            return String(field.dropLast(suffix.count))
        }
        return field + "Record"
    }

    /// `Profile` → `profile`: the reverse accessor of a unique reference.
    static func singularName(_ model: String) -> String {
        model.prefix(1).lowercased() + model.dropFirst()
    }

    /// `Post` → `posts`, `Category` → `categories`, `Box` → `boxes`, `BlogPost` → `blogPosts`.
    static func reverseName(_ model: String) -> String {
        let lower = singularName(model)
        let vowels: Set<Character> = ["a", "e", "i", "o", "u"]
        if lower.hasSuffix("y"), lower.count > 1, !vowels.contains(lower.dropLast().last!) {
            return lower.dropLast() + "ies"
        }
        for suffix in ["s", "x", "z", "ch", "sh"] where lower.hasSuffix(suffix) {
            return lower + "es"
        }
        return lower + "s"
    }
}
