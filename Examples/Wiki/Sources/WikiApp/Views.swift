import Foundation
import WikiModels

/// What a person typed into an edit form: kept through every failure, so nothing typed is lost.
struct Draft: Sendable {
    var slug: String
    var title: String
    var body: String

    init(slug: String, title: String, body: String) {
        self.slug = slug
        self.title = title
        self.body = body
    }

    /// The draft a form sent. Browsers send a textarea's line breaks as CRLF: they are stored as LF.
    init(_ form: Form) {
        slug = form["slug"] ?? ""
        title = form["title"] ?? ""
        body = (form["body"] ?? "").replacingOccurrences(of: "\r\n", with: "\n")
    }
}

/// The wiki's HTML. Every value written into a page goes through `escape`.
enum Views {
    /// `text` with every character HTML gives a meaning replaced by its reference. It works on
    /// Unicode scalars, not characters: a quote followed by a combining mark (`"` U+0301) is one
    /// `Character` that is not `"`, yet the browser's HTML parser still ends an attribute at it.
    static func escape(_ text: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped.append(contentsOf: "&amp;".unicodeScalars)
            case "<": escaped.append(contentsOf: "&lt;".unicodeScalars)
            case ">": escaped.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": escaped.append(contentsOf: "&quot;".unicodeScalars)
            case "'": escaped.append(contentsOf: "&#39;".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }

    static func layout(title: String, _ content: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(escape(title)) · Wiki</title>
        <style>
        body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
        textarea { width: 100%; min-height: 12rem; font: inherit; }
        input[type=text] { width: 100%; font: inherit; }
        .message { padding: .5rem 1rem; border-left: 4px solid #c60; background: #fff4e5; }
        .side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
        pre { white-space: pre-wrap; background: #f6f6f6; padding: .5rem; }
        </style>
        </head>
        <body>
        <nav><a href="/">All pages</a> · <a href="/pages/new">New page</a></nav>
        \(content)
        </body>
        </html>
        """
    }

    static func list(_ pages: [Page]) -> String {
        let items = pages.map { page in
            "<li><a href=\"/pages/\(page.id ?? 0)\">\(escape(page.title))</a> <small>/\(escape(page.slug))</small></li>"
        }
        return layout(
            title: "All pages",
            """
            <h1>All pages</h1>
            <ul id="pages">\(items.joined(separator: "\n"))</ul>
            """)
    }

    static func show(_ page: Page) -> String {
        let id = page.id ?? 0
        return layout(
            title: page.title,
            """
            <h1 id="title">\(escape(page.title))</h1>
            <pre id="body">\(escape(page.body))</pre>
            <p><a id="edit" href="/pages/\(id)/edit">Edit</a></p>
            <form method="post" action="/pages/\(id)/delete">
            <input type="hidden" name="version" value="\(page.version)">
            <button type="submit" id="delete">Delete</button>
            </form>
            """)
    }

    /// The form for a new page, with a message when the last attempt failed.
    static func newPage(_ draft: Draft, message: String? = nil) -> String {
        layout(
            title: "New page",
            """
            <h1>New page</h1>
            \(message.map { "<p class=\"message\" id=\"message\">\(escape($0))</p>" } ?? "")
            <form id="editor" method="post" action="/pages">
            <label>Name in the URL <input type="text" id="slug" name="slug" value="\(escape(draft.slug))"></label>
            \(fields(draft))
            <button type="submit" id="save">Create</button>
            </form>
            """)
    }

    /// The edit form: the version the text was read at travels in a hidden field and comes back
    /// with the edit.
    static func edit(id: Int64, version: Int64, _ draft: Draft, message: String? = nil) -> String {
        layout(
            title: "Editing \(draft.title)",
            """
            <h1>Editing \(escape(draft.title))</h1>
            \(message.map { "<p class=\"message\" id=\"message\">\(escape($0))</p>" } ?? "")
            \(editForm(id: id, version: version, draft))
            """)
    }

    /// Someone saved the page after this person opened it: their text beside this person's text,
    /// and a form to merge the two, checked against the version just shown.
    static func conflict(current: Page, yours: Draft) -> String {
        let id = current.id ?? 0
        return layout(
            title: "Conflict: \(current.title)",
            """
            <h1>Someone else saved this page while you were editing it</h1>
            <p class="message" id="conflict">Your changes are not saved yet. Their version is on the left,
            yours on the right: merge them in the form below and save again.</p>
            <div class="side-by-side">
            <section id="theirs"><h2>Saved by someone else</h2>
            <h3 id="their-title">\(escape(current.title))</h3>
            <pre id="their-body">\(escape(current.body))</pre></section>
            <section id="yours"><h2>Yours</h2>
            <h3 id="your-title">\(escape(yours.title))</h3>
            <pre id="your-body">\(escape(yours.body))</pre></section>
            </div>
            <h2>Merge</h2>
            \(editForm(id: id, version: current.version, yours))
            """)
    }

    /// The page was deleted while this person edited it: their text, and a form to create it again.
    static func deleted(_ yours: Draft) -> String {
        layout(
            title: "Deleted",
            """
            <h1>This page was deleted while you were editing it</h1>
            <p class="message" id="deleted">Your text is below: create the page again to keep it.</p>
            <form id="editor" method="post" action="/pages">
            <label>Name in the URL <input type="text" id="slug" name="slug" value="\(escape(yours.slug))"></label>
            \(fields(yours))
            <button type="submit" id="save">Create again</button>
            </form>
            """)
    }

    /// A delete that came too late: the page changed since it was shown.
    static func deleteConflict(current: Page) -> String {
        let id = current.id ?? 0
        return layout(
            title: "Changed: \(current.title)",
            """
            <h1>This page changed since you looked at it</h1>
            <p class="message" id="conflict">It was not deleted. This is the page now:</p>
            <h2>\(escape(current.title))</h2>
            <pre id="their-body">\(escape(current.body))</pre>
            <form method="post" action="/pages/\(id)/delete">
            <input type="hidden" name="version" value="\(current.version)">
            <button type="submit" id="delete">Delete this version</button>
            </form>
            """)
    }

    static func message(_ heading: String, _ text: String) -> String {
        layout(title: heading, "<h1>\(escape(heading))</h1><p class=\"message\" id=\"message\">\(escape(text))</p>")
    }

    private static func editForm(id: Int64, version: Int64, _ draft: Draft) -> String {
        """
        <form id="editor" method="post" action="/pages/\(id)">
        <input type="hidden" name="version" value="\(version)">
        <input type="hidden" name="slug" value="\(escape(draft.slug))">
        \(fields(draft))
        <button type="submit" id="save">Save</button>
        </form>
        """
    }

    /// The title and text fields. A browser drops one newline right after `<textarea>`: the one
    /// written there, so a text that starts with a newline keeps it.
    private static func fields(_ draft: Draft) -> String {
        """
        <label>Title <input type="text" id="title-field" name="title" value="\(escape(draft.title))"></label>
        <label>Text <textarea id="body-field" name="body">
        \(escape(draft.body))</textarea></label>
        """
    }
}
