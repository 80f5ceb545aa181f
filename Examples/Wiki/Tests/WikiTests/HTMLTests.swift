import Foundation
import Testing
import WikiClient

/// The pages people use, over real HTTP: the edit form's hidden version, the conflict page that
/// shows both texts and merges, and the pages that keep a person's text when a save cannot happen.
@Suite("HTML pages")
struct HTMLTests {
    private static let formType = "application/x-www-form-urlencoded"

    private func post(_ wiki: Wiki, _ path: String, _ fields: [(String, String)]) async throws -> WikiClient.Reply {
        try await wiki.client.send(.POST, path, body: form(fields), contentType: Self.formType)
    }

    @Test("Create, list, show and edit: the form carries the version; text is escaped", arguments: Backend.available)
    func createAndEdit(backend: Backend) async throws {
        try await withWiki(backend) { wiki in
            let created = try await post(
                wiki, "/pages", [("slug", "tags"), ("title", "<b>Tags</b> & such"), ("body", "a <script>")])
            #expect(created.status == 303)
            let location = try #require(created.headers["location"])
            #expect(location.hasPrefix("/pages/"))

            let list = try await wiki.client.send(.GET, "/")
            #expect(list.status == 200)
            #expect(list.text.contains("&lt;b&gt;Tags&lt;/b&gt; &amp; such"))
            #expect(!list.text.contains("<b>Tags</b>"))
            let shown = try await wiki.client.send(.GET, location)
            #expect(elementText("body", in: shown.text) == "a <script>")
            #expect(!shown.text.contains("<script>"))

            let editor = try await wiki.client.send(.GET, location + "/edit")
            #expect(editor.status == 200)
            let id = Int64(location.dropFirst("/pages/".count))!
            let page = try await wiki.client.send(.GET, "/api/pages/\(id)").decode(PageJSON.self)
            #expect(hiddenValue("version", in: editor.text) == String(page.version))

            // Browsers send a textarea's line breaks as CRLF; they are stored as LF.
            let saved = try await post(
                wiki, location, [("version", String(page.version)), ("slug", "tags"), ("title", "Tags"), ("body", "one\r\ntwo")])
            #expect(saved.status == 303)
            #expect(saved.headers["location"] == location)
            #expect(try await wiki.storedBody(id) == "one\ntwo")

            let taken = try await post(wiki, "/pages", [("slug", "tags"), ("title", "Again"), ("body", "my text")])
            #expect(taken.status == 409)
            #expect(taken.text.contains("my text"), "the form keeps what was typed")
            let invalid = try await post(wiki, "/pages", [("slug", "No Spaces"), ("title", "x"), ("body", "typed")])
            #expect(invalid.status == 422)
            #expect(invalid.text.contains("typed"))
            #expect(try await wiki.client.send(.GET, "/pages/424242").status == 404)
        }
    }

    @Test(
        "Two people save the same version: the second gets the conflict page with both texts, merges, and saves",
        arguments: Backend.available)
    func conflictAndMerge(backend: Backend) async throws {
        try await withWiki(backend) { wiki in
            let page = try await createPage(wiki, slug: "shared", title: "Shared", body: "Line one")
            let path = "/pages/\(page.id)"
            let seen = String(page.version)
            let alice = try await post(
                wiki, path, [("version", seen), ("slug", "shared"), ("title", "Alice's title"), ("body", "Line one\nAlice")])
            #expect(alice.status == 303)

            let bob = try await post(
                wiki, path, [("version", seen), ("slug", "shared"), ("title", "Bob's title"), ("body", "Line one\nBob")])
            #expect(bob.status == 409)
            #expect(elementText("their-title", in: bob.text) == "Alice's title")
            #expect(elementText("your-title", in: bob.text) == "Bob's title")
            #expect(elementText("their-body", in: bob.text) == "Line one\nAlice")
            #expect(elementText("your-body", in: bob.text) == "Line one\nBob")
            #expect(bob.text.contains("name=\"title\" value=\"Bob&#39;s title\""), "the merge form holds Bob's title")
            #expect(try await wiki.storedBody(page.id) == "Line one\nAlice", "Bob's save changed nothing")
            // The merge form is checked against the version the conflict page showed, and holds Bob's text.
            let current = try await wiki.client.send(.GET, "/api/pages/\(page.id)").decode(PageJSON.self)
            #expect(hiddenValue("version", in: bob.text) == String(current.version))
            #expect(bob.text.contains("<textarea id=\"body-field\" name=\"body\">\nLine one\nBob</textarea>"))

            let merged = try await post(
                wiki, path,
                [("version", String(current.version)), ("slug", "shared"), ("title", "Shared"), ("body", "Line one\nAlice\nBob")])
            #expect(merged.status == 303)
            #expect(try await wiki.storedBody(page.id) == "Line one\nAlice\nBob")
        }
    }

    @Test("A save after the page was deleted keeps the text on a 404 page that can create it again", arguments: Backend.available)
    func saveAfterDelete(backend: Backend) async throws {
        try await withWiki(backend) { wiki in
            let page = try await createPage(wiki, slug: "doomed", title: "Doomed", body: "old")
            let path = "/pages/\(page.id)"
            let deleted = try await post(wiki, path + "/delete", [("version", String(page.version))])
            #expect(deleted.status == 303)
            #expect(try await wiki.pageCount() == 0)

            let save = try await post(
                wiki, path,
                [("version", String(page.version)), ("slug", "doomed"), ("title", "My new title"), ("body", "my edit")])
            #expect(save.status == 404)
            #expect(save.text.contains("name=\"title\" value=\"My new title\""), "the typed title is kept too")
            #expect(save.text.contains("id=\"deleted\""))
            #expect(save.text.contains("my edit"))
            #expect(
                save.text.contains("<input type=\"text\" id=\"slug\" name=\"slug\" value=\"doomed\">"),
                "the slug can be edited here")
            #expect(try await wiki.pageCount() == 0, "nothing was re-created behind the person's back")

            let again = try await post(wiki, "/pages", [("slug", "doomed"), ("title", "Doomed"), ("body", "my edit")])
            #expect(again.status == 303)
        }
    }

    @Test("Delete checks the version: stale is 409 showing the page as it is; no version is 428", arguments: Backend.available)
    func deleteChecksVersion(backend: Backend) async throws {
        try await withWiki(backend) { wiki in
            let page = try await createPage(wiki, slug: "kept", title: "Kept", body: "v1")
            let path = "/pages/\(page.id)"
            let edited = try await post(
                wiki, path, [("version", String(page.version)), ("slug", "kept"), ("title", "Kept"), ("body", "v2")])
            #expect(edited.status == 303)
            let stale = try await post(wiki, path + "/delete", [("version", String(page.version))])
            #expect(stale.status == 409)
            #expect(elementText("their-body", in: stale.text) == "v2")
            let missing = try await post(wiki, path + "/delete", [])
            #expect(missing.status == 428)
            let noVersion = try await post(wiki, path, [("slug", "kept"), ("title", "Kept"), ("body", "unversioned")])
            #expect(noVersion.status == 428)
            #expect(noVersion.text.contains("unversioned"), "the form keeps what was typed")
            #expect(try await wiki.pageCount() == 1)
            #expect(try await wiki.storedBody(page.id) == "v2")
        }
    }
}
