/// What a page must be: a slug of lowercase letters, digits and dashes, a title, and a text of at
/// most 1 MB. No field may hold U+0000: PostgreSQL's text cannot store it, so a wiki that took it
/// on SQLite could not move to PostgreSQL.
enum PageRules {
    /// The longest text, in UTF-8 bytes.
    static let maximumBodyBytes = 1 << 20

    /// What is wrong with the slug (nil: not being changed), title and text, or nil.
    static func problem(slug: String?, title: String, body: String) -> String? {
        if let slug {
            let allowed = slug.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
            guard !slug.isEmpty, slug.count <= 64, allowed else {
                return "The name in the URL must be 1 to 64 lowercase letters, digits and dashes."
            }
        }
        guard !title.allSatisfy(\.isWhitespace) else { return "A page needs a title." }
        // Counted in Unicode scalars: one character may carry any number of combining marks.
        guard title.unicodeScalars.count <= 200 else { return "A title has at most 200 characters." }
        guard body.utf8.count <= maximumBodyBytes else { return "A text has at most 1 MB (1,048,576 bytes of UTF-8)." }
        guard !title.unicodeScalars.contains("\0"), !body.unicodeScalars.contains("\0") else {
            return "A title or text cannot hold the character U+0000."
        }
        return nil
    }
}
