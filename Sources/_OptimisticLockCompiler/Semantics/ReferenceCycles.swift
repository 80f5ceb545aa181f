extension Checker {
    /// Models that reference each other in a cycle (`Team.captainID` → `Player`, `Player.teamID` →
    /// `Team`) have no table that can be created first: PostgreSQL refuses a `REFERENCES` to a table
    /// that does not exist yet. Each cycle is reported once, at the `@references` that closes it. A
    /// model referencing itself (a parent row) is fine.
    mutating func checkReferenceCycles(_ schema: Schema) {
        var finished: Set<String> = []
        var path: [(model: String, field: String)] = []
        var onPath: [String: Int] = [:]
        func visit(_ model: Model) {
            if finished.contains(model.name) { return }
            onPath[model.name] = path.count
            for field in model.fields {
                guard let target = field.references, target != model.name, let next = schema.model(named: target)
                else { continue }
                path.append((model.name, field.name))
                if let start = onPath[target] {
                    report(cycle: Array(path[start...]))
                } else {
                    visit(next)
                }
                path.removeLast()
            }
            onPath[model.name] = nil
            finished.insert(model.name)
        }
        for model in schema.models { visit(model) }
    }

    private mutating func report(cycle: [(model: String, field: String)]) {
        guard let closing = cycle.last, let attribute = referencesAttribute(of: closing.field, in: closing.model) else {
            return
        }
        let chain = (cycle + [cycle[0]]).map(\.model).joined(separator: " → ")
        diagnostics.error(
            "models reference each other in a cycle (\(chain)): no table of it can be created first",
            at: attribute.range,
            notes: [
                Diagnostic(
                    .note, "keep '\(closing.field)' as a plain field (without '@references') or remove one of the references",
                    at: attribute.range)
            ])
    }
}
