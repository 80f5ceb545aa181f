import OptimisticLockSQL
/// The DDL of a whole schema in one dialect, tables ordered so that a referenced table comes first.
public enum SchemaDDL {
    /// Every table and index of the schema, ready to run.
    public static func render(_ schema: Schema, dialect: SQLDialect) -> String {
        schema.modelsInDependencyOrder.map {
            "-- \($0.name)\n" + $0.tableDescription(in: schema).createTable(dialect)
        }
        .joined(separator: "\n")
    }
}

extension Schema {
    /// The models, each after the models it references (declaration order otherwise; cycles are
    /// broken where they close).
    public var modelsInDependencyOrder: [Model] {
        var ordered: [Model] = []
        var placed: Set<String> = []
        var visiting: Set<String> = []
        func place(_ model: Model) {
            guard !placed.contains(model.name), !visiting.contains(model.name) else { return }
            visiting.insert(model.name)
            for target in model.fields.compactMap(\.references).sorted() where target != model.name {
                if let other = self.model(named: target) { place(other) }
            }
            visiting.remove(model.name)
            placed.insert(model.name)
            ordered.append(model)
        }
        models.forEach(place)
        return ordered
    }
}
