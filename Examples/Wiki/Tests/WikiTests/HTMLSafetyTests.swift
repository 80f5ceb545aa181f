import Foundation
import Testing
import WikiClient

/// The pages people use, attacked: markup in what people type, malformed ids and forms, texts too
/// long, the same form sent twice. Every answer is an HTML page that keeps what was typed.
@Suite("HTML pages under attack")
struct HTMLSafetyTests {
    private static let formType = "application/x-www-form-urlencoded"
    /// A quote and a combining mark are one `Character` that is not `"`, but an HTML parser ends
    /// an attribute at the quote: escaping character by character would let the rest in.
    private static let attack = "x\"\u{301} autofocus onfocus=alert(1) x=\"\u{301}<script>alert(2)</script>"

    private func post(_ wiki: Wiki, _ path: String, _ fields: [(String, String)]) async throws -> WikiClient.Reply {
        try await wiki.client.send(.POST, path, body: form(fields), contentType: Self.formType)
    }

    private func post(_ wiki: Wiki, _ path: String, raw: Data) async throws -> WikiClient.Reply {
        try await wiki.client.send(.POST, path, body: raw, contentType: Self.formType)
    }

    /// Fails when `html` holds a quote, `<` or `>` that is not markup the wiki wrote: every one
    /// from typed text must be a reference, even when a combining mark follows it.
    private func expectEscaped(_ html: String, _ page: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let scalars = Array(html.unicodeScalars)
        for index in scalars.indices.dropLast() where scalars[index + 1] == "\u{301}" {
            #expect(
                !["\"", "<", ">", "'"].contains(scalars[index]), "\(page): markup before U+0301", sourceLocation: sourceLocation)
        }
        #expect(!html.contains("<script>"), "\(page): a script element", sourceLocation: sourceLocation)
        #expect(
            html.contains("&quot;\u{301} autofocus"), "\(page): the typed text is shown, escaped", sourceLocation: sourceLocation)
    }

    @Test("Markup typed into a title or slug is escaped on every page that shows it", arguments: Backend.available)
    func everyPageEscapes(backend: Backend) async throws {
        try await withWiki(backend) { wiki in
            let page = try await createPage(wiki, slug: "attacked", title: Self.attack, body: Self.attack)
            let path = "/pages/\(page.id)"
            expectEscaped(try await wiki.client.send(.GET, "/").text, "list")
            expectEscaped(try await wiki.client.send(.GET, path).text, "show")
            expectEscaped(try await wiki.client.send(.GET, path + "/edit").text, "edit")

            let seen = String(page.version)
            let invalidNew = try await post(wiki, "/pages", [("slug", Self.attack), ("title", Self.attack), ("body", "b")])
            #expect(invalidNew.status == 422)
            expectEscaped(invalidNew.text, "422 new page")
            let untitled = try await post(
                wiki, path, [("version", seen), ("slug", "attacked"), ("title", ""), ("body", Self.attack)])
            #expect(untitled.status == 422)
            expectEscaped(untitled.text, "422 edit")
            let unversioned = try await post(wiki, path, [("slug", "attacked"), ("title", Self.attack), ("body", "b")])
            #expect(unversioned.status == 428)
            expectEscaped(unversioned.text, "428 edit")

            let saved = try await post(
                wiki, path, [("version", seen), ("slug", "attacked"), ("title", Self.attack), ("body", "new")])
            #expect(saved.status == 303)
            let conflict = try await post(
                wiki, path, [("version", seen), ("slug", "attacked"), ("title", "Mine"), ("body", "mine")])
            #expect(conflict.status == 409)
            expectEscaped(conflict.text, "409 conflict")
            let staleDelete = try await post(wiki, path + "/delete", [("version", seen)])
            #expect(staleDelete.status == 409)
            expectEscaped(staleDelete.text, "409 delete")

            let current = try await wiki.client.send(.GET, "/api/pages/\(page.id)").decode(PageJSON.self)
            #expect(try await post(wiki, path + "/delete", [("version", String(current.version))]).status == 303)
            let deleted = try await post(
                wiki, path, [("version", String(current.version)), ("slug", "attacked"), ("title", Self.attack), ("body", "b")])
            #expect(deleted.status == 404)
            expectEscaped(deleted.text, "404 deleted")
        }
    }

    @Test("A malformed id is a 400 page, not an empty or JSON answer; an id nobody has is a 404 page")
    func malformedIDs() async throws {
        try await withWiki(.sqlite) { wiki in
            let page = try await createPage(wiki, slug: "ids", body: "kept")
            let fields = [("version", String(page.version)), ("slug", "ids"), ("title", "T"), ("body", "changed")]
            let replies = [
                try await wiki.client.send(.GET, "/pages/abc"),
                try await wiki.client.send(.GET, "/pages/abc/edit"),
                try await wiki.client.send(.GET, "/pages/99999999999999999999"),
                try await post(wiki, "/pages/1.5", fields),
                try await post(wiki, "/pages/abc/delete", [("version", String(page.version))]),
            ]
            for reply in replies {
                #expect(reply.status == 400)
                #expect(reply.headers["content-type"] == "text/html; charset=utf-8")
                #expect(reply.text.contains("id=\"message\""))
            }
            let unknown = try await wiki.client.send(.GET, "/pages/424242/edit")
            #expect(unknown.status == 404)
            #expect(unknown.headers["content-type"] == "text/html; charset=utf-8")
            #expect(try await wiki.storedBody(page.id) == "kept")
        }
    }

    @Test("A form with a malformed escape, bytes that are not UTF-8 or a field sent twice is a 400; nothing is stored")
    func malformedForms() async throws {
        try await withWiki(.sqlite) { wiki in
            let page = try await createPage(wiki, slug: "forms", body: "kept")
            let path = "/pages/\(page.id)"
            let version = String(page.version)
            let bodies: [Data] = [
                Data("version=\(version)&slug=forms&title=T&body=50%".utf8),
                Data("version=\(version)&slug=forms&title=T&body=%G1".utf8),
                Data("version=\(version)&slug=forms&title=T&body=%FF%FE".utf8),
                Data("version=\(version)&slug=forms&title=T&body=".utf8) + Data([0xC3, 0x28]),
                Data("version=1&version=\(version)&slug=forms&title=T&body=x".utf8),
            ]
            for body in bodies {
                let reply = try await post(wiki, path, raw: body)
                #expect(reply.status == 400, "\(String(decoding: body, as: UTF8.self))")
                #expect(reply.headers["content-type"] == "text/html; charset=utf-8")
            }
            let created = try await post(wiki, "/pages", raw: Data("slug=new&title=T&body=%E2%82".utf8))
            #expect(created.status == 400)
            #expect(try await wiki.pageCount() == 1)
            #expect(try await wiki.storedBody(page.id) == "kept")
        }
    }

    @Test("A text over 1 MB is a 422 that keeps it; exactly 1 MB saves; a body over 16 MB is a 413 page")
    func sizeLimits() async throws {
        try await withWiki(.sqlite) { wiki in
            let page = try await createPage(wiki, slug: "big", body: "small")
            let path = "/pages/\(page.id)"
            let version = String(page.version)
            let tooLong = String(repeating: "é", count: 1 << 19) + "!"
            let refused = try await post(wiki, path, [("version", version), ("slug", "big"), ("title", "T"), ("body", tooLong)])
            #expect(refused.status == 422)
            #expect(refused.text.contains(tooLong), "the text is kept on the page")
            #expect(try await wiki.storedBody(page.id) == "small")

            let fits = String(repeating: "é", count: 1 << 19)
            let saved = try await post(wiki, path, [("version", version), ("slug", "big"), ("title", "T"), ("body", fits)])
            #expect(saved.status == 303)
            #expect(try await wiki.storedBody(page.id) == fits)

            let huge = Data("slug=huge&title=T&body=".utf8) + Data(repeating: UInt8(ascii: "a"), count: 17 << 20)
            let tooLarge = try await post(wiki, "/pages", raw: huge)
            #expect(tooLarge.status == 413)
            #expect(try await wiki.pageCount() == 1)
        }
    }

    @Test(
        "The same form sent twice (a double click): the second finds its own text saved and is not a conflict",
        arguments: Backend.available)
    func doubleSubmit(backend: Backend) async throws {
        try await withWiki(backend) { wiki in
            let page = try await createPage(wiki, slug: "twice", title: "Twice", body: "one")
            let fields = [("version", String(page.version)), ("slug", "twice"), ("title", "Twice"), ("body", "one\ntwo")]
            let first = try await post(wiki, "/pages/\(page.id)", fields)
            let second = try await post(wiki, "/pages/\(page.id)", fields)
            #expect(first.status == 303)
            #expect(second.status == 303)
            #expect(second.headers["location"] == "/pages/\(page.id)")
            #expect(try await wiki.storedBody(page.id) == "one\ntwo")
            // A different text from the same stale version is still a conflict.
            let other = try await post(
                wiki, "/pages/\(page.id)",
                [("version", String(page.version)), ("slug", "twice"), ("title", "Twice"), ("body", "three")])
            #expect(other.status == 409)
            // Text that only looks the same (another Unicode normalisation: o + U+0301 against ó) is
            // another text: a conflict, not a silent success.
            let saved = try await wiki.client.send(.GET, "/api/pages/\(page.id)").decode(PageJSON.self)
            let accented = try await post(
                wiki, "/pages/\(page.id)",
                [("version", String(saved.version)), ("slug", "twice"), ("title", "Twice"), ("body", "one\ntw\u{F3}")])
            #expect(accented.status == 303)
            let decomposed = try await post(
                wiki, "/pages/\(page.id)",
                [("version", String(saved.version)), ("slug", "twice"), ("title", "Twice"), ("body", "one\ntwo\u{301}")])
            #expect(decomposed.status == 409)
            #expect(try await wiki.storedBody(page.id) == "one\ntw\u{F3}")
            // A second click on Delete finds the page gone, as asked: back to the list.
            let current = try await wiki.client.send(.GET, "/api/pages/\(page.id)").decode(PageJSON.self)
            #expect(try await post(wiki, "/pages/\(page.id)/delete", [("version", String(current.version))]).status == 303)
            let again = try await post(wiki, "/pages/\(page.id)/delete", [("version", String(current.version))])
            #expect(again.status == 303)
            #expect(again.headers["location"] == "/")
        }
    }

    @Test(
        "Eight people save the same page through the form at once; each merges on the conflict page until saved: every line kept once",
        arguments: Backend.available)
    func concurrentFormEditors(backend: Backend) async throws {
        try await withWiki(backend) { wiki in
            let page = try await createPage(wiki, slug: "busy-page", title: "Busy", body: "start")
            let path = "/pages/\(page.id)"
            let conflicts = try await withThrowingTaskGroup(of: Int.self) { group in
                for editor in 0..<8 {
                    group.addTask {
                        // Each person opens the edit form, adds a line and saves; on the conflict
                        // page they add their line to the text shown and save again.
                        let editorPage = try await wiki.client.send(.GET, path + "/edit")
                        var version = try #require(hiddenValue("version", in: editorPage.text))
                        // The textarea's text, after the newline the page writes after <textarea>.
                        var text = try #require(elementText("body-field", in: editorPage.text)).dropFirst()
                        var conflicts = 0
                        while true {
                            let reply = try await post(
                                wiki, path,
                                [
                                    ("version", version), ("slug", "busy-page"), ("title", "Busy"),
                                    ("body", text + "\neditor \(editor)"),
                                ])
                            if reply.status == 303 { return conflicts }
                            try #require(reply.status == 409, "status \(reply.status)")
                            conflicts += 1
                            version = try #require(hiddenValue("version", in: reply.text))
                            text = try #require(elementText("their-body", in: reply.text))[...]
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            let lines = try #require(try await wiki.storedBody(page.id)).split(separator: "\n")
            #expect(lines.first == "start")
            #expect(lines.count == 9)
            #expect(Set(lines.dropFirst()) == Set((0..<8).map { "editor \($0)" }))
            print("wiki form editors (\(backend)): 8 saves, \(conflicts) conflict pages merged")
        }
    }
}
