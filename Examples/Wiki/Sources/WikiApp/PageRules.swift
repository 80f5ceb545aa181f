/// What a page must be: a slug of lowercase letters, digits and dashes, and a title.
enum PageRules {
    /// What is wrong with the slug (nil: not being changed) and title, or nil.
    static func problem(slug: String?, title: String) -> String? {
        if let slug {
            let allowed = slug.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
            guard !slug.isEmpty, slug.count <= 64, allowed else {
                return "The name in the URL must be 1 to 64 lowercase letters, digits and dashes."
            }
        }
        guard !title.allSatisfy(\.isWhitespace) else { return "A page needs a title." }
        guard title.count <= 200 else { return "A title has at most 200 characters." }
        return nil
    }
}
