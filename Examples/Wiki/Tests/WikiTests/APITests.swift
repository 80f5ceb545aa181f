import Foundation
import OptimisticLock
import Testing
import WikiClient

/// The JSON API over real HTTP: every status the precondition dance can end in, and what was
/// stored (or not) each time.
@Suite("JSON API")
struct APITests {
    @Test(
        "POST creates: 201, Location, the version as a strong ETag; a taken slug is 409; bad input 422 or 400",
        arguments: Backend.available)
    func create(backend: Backend) async throws {
        try await withWiki(backend) { wiki in
            let reply = try await wiki.client.send(.POST, "/api/pages", json: ["slug": "home", "title": "Home", "body": "Hello"])
            #expect(reply.status == 201)
            let page = try reply.decode(PageJSON.self)
            #expect(reply.headers["location"] == "/api/pages/\(page.id)")
            #expect(reply.headers["etag"] == etag(page.version))
            #expect(page.slug == "home" && page.title == "Home" && page.body == "Hello")
            #expect(try await wiki.storedBody(page.id) == "Hello")

            let taken = try await wiki.client.send(.POST, "/api/pages", json: ["slug": "home", "title": "Other"])
            #expect(taken.status == 409)
            #expect(taken.headers["content-type"] == "application/problem+json")
            let badSlug = try await wiki.client.send(.POST, "/api/pages", json: ["slug": "Not a slug!", "title": "x"])
            #expect(badSlug.status == 422)
            let noTitle = try await wiki.client.send(.POST, "/api/pages", json: ["slug": "empty", "title": "  "])
            #expect(noTitle.status == 422)
            let malformed = try await wiki.client.send(.POST, "/api/pages", body: Data("{\"slug\": ".utf8))
            #expect(malformed.status == 400)
            #expect(try await wiki.pageCount() == 1)
        }
    }

    @Test(
        "POST with an Idempotency-Key: a retry gets the stored 201 (Idempotent-Replayed), never a second page; another body under the key is 422",
        arguments: Backend.available)
    func idempotentCreate(backend: Backend) async throws {
        try await withWiki(backend) { wiki in
            let key = [("Idempotency-Key", "\"create-home\"")]
            // A retry sends the same bytes: the fingerprint is of the body as sent.
            let body = Data(#"{"slug": "home", "title": "Home"}"#.utf8)
            let first = try await wiki.client.send(.POST, "/api/pages", headers: key, body: body)
            #expect(first.status == 201)
            #expect(first.headers["idempotent-replayed"] == nil)
            let retry = try await wiki.client.send(.POST, "/api/pages", headers: key, body: body)
            #expect(retry.status == 201, "a retry is answered as the first attempt was, not 409 for a taken slug")
            #expect(retry.headers["idempotent-replayed"] == "true")
            #expect(retry.body == first.body)
            #expect(retry.headers["location"] == first.headers["location"] && retry.headers["etag"] == first.headers["etag"])
            let other = try await wiki.client.send(.POST, "/api/pages", headers: key, json: ["slug": "other", "title": "Other"])
            #expect(other.status == 422)
            #expect(try other.decode(Problem.self).type == "urn:optimistic-lock:idempotency-key-reused")
            let malformed = try await wiki.client.send(
                .POST, "/api/pages", headers: [("Idempotency-Key", String(repeating: "k", count: 256))],
                json: ["slug": "x", "title": "X"])
            #expect(malformed.status == 400)
            #expect(try await wiki.pageCount() == 1)
        }
    }

    @Test("GET answers the ETag; If-None-Match with it is 304; an unknown page is 404", arguments: Backend.available)
    func read(backend: Backend) async throws {
        try await withWiki(backend) { wiki in
            let page = try await createPage(wiki, slug: "read", body: "text")
            let reply = try await wiki.client.send(.GET, "/api/pages/\(page.id)")
            #expect(reply.status == 200)
            #expect(reply.headers["etag"] == etag(page.version))
            #expect(try reply.decode(PageJSON.self) == page)

            let same = try await wiki.client.send(.GET, "/api/pages/\(page.id)", headers: [("If-None-Match", etag(page.version))])
            #expect(same.status == 304)
            #expect(same.body.isEmpty)
            let weak = try await wiki.client.send(
                .GET, "/api/pages/\(page.id)", headers: [("If-None-Match", "W/" + etag(page.version))])
            #expect(weak.status == 304, "If-None-Match compares weakly")
            let other = try await wiki.client.send(.GET, "/api/pages/\(page.id)", headers: [("If-None-Match", "\"1\"")])
            #expect(other.status == 200)

            let missing = try await wiki.client.send(.GET, "/api/pages/999999")
            #expect(missing.status == 404)
            let list = try await wiki.client.send(.GET, "/api/pages")
            #expect(try list.decode([PageJSON].self) == [page])
        }
    }

    @Test(
        "PUT with the current If-Match saves (200, a new ETag); a stale one is 412 with the current version; nothing else is written",
        arguments: Backend.available)
    func putIfMatch(backend: Backend) async throws {
        try await withWiki(backend) { wiki in
            let page = try await createPage(wiki, slug: "put", body: "first")
            let path = "/api/pages/\(page.id)"
            let saved = try await wiki.client.send(
                .PUT, path, headers: [("If-Match", etag(page.version))], json: ["title": "Put", "body": "second"])
            #expect(saved.status == 200)
            let current = try saved.decode(PageJSON.self)
            #expect(current.body == "second" && current.slug == "put")
            #expect(current.version != page.version)
            #expect(saved.headers["etag"] == etag(current.version))

            // The version read before the save is stale now.
            let stale = try await wiki.client.send(
                .PUT, path, headers: [("If-Match", etag(page.version))], json: ["title": "Put", "body": "lost?"])
            #expect(stale.status == 412)
            #expect(stale.headers["content-type"] == "application/problem+json")
            #expect(stale.headers["etag"] == etag(current.version), "the current ETag, to read again with")
            let problem = try stale.decode(Problem.self)
            #expect(problem.expectedVersion == page.version && problem.currentVersion == current.version)
            #expect(problem.type == "urn:optimistic-lock:stale-version")
            #expect(try await wiki.storedBody(page.id) == "second")

            // A list naming the current version among others matches.
            let listed = try await wiki.client.send(
                .PUT, path, headers: [("If-Match", "\"1\", \(etag(current.version))")], json: ["title": "Put", "body": "third"])
            #expect(listed.status == 200)
            #expect(try await wiki.storedBody(page.id) == "third")
        }
    }

    @Test(
        "PUT: no version is 428; weak or foreign tags are 412; a malformed If-Match is 400; a bad title 422",
        arguments: Backend.available)
    func putPreconditions(backend: Backend) async throws {
        try await withWiki(backend) { wiki in
            let page = try await createPage(wiki, slug: "pre", body: "kept")
            let path = "/api/pages/\(page.id)"
            let edit = ["title": "T", "body": "changed"]
            #expect(try await wiki.client.send(.PUT, path, json: edit).status == 428)
            #expect(try await wiki.client.send(.PUT, path, headers: [("If-Match", "*")], json: edit).status == 428)
            let weak = try await wiki.client.send(.PUT, path, headers: [("If-Match", "W/" + etag(page.version))], json: edit)
            #expect(weak.status == 412, "weak tags never match a write")
            let foreign = try await wiki.client.send(.PUT, path, headers: [("If-Match", "\"abc\"")], json: edit)
            #expect(foreign.status == 412)
            let malformed = try await wiki.client.send(.PUT, path, headers: [("If-Match", "12345")], json: edit)
            #expect(malformed.status == 400)
            let untitled = try await wiki.client.send(
                .PUT, path, headers: [("If-Match", etag(page.version))], json: ["title": "", "body": "changed"])
            #expect(untitled.status == 422)
            #expect(try await wiki.storedBody(page.id) == "kept")
        }
    }

    @Test("PUT with the version in the body: current saves, stale is 409 with the current version", arguments: Backend.available)
    func putBodyVersion(backend: Backend) async throws {
        struct Edit: Encodable {
            var title: String
            var body: String
            var version: Int64
        }
        try await withWiki(backend) { wiki in
            let page = try await createPage(wiki, slug: "body", body: "one")
            let path = "/api/pages/\(page.id)"
            let saved = try await wiki.client.send(.PUT, path, json: Edit(title: "B", body: "two", version: page.version))
            #expect(saved.status == 200)
            let current = try saved.decode(PageJSON.self)
            let stale = try await wiki.client.send(.PUT, path, json: Edit(title: "B", body: "lost?", version: page.version))
            #expect(stale.status == 409)
            let problem = try stale.decode(Problem.self)
            #expect(problem.currentVersion == current.version)
            #expect(try await wiki.storedBody(page.id) == "two")
        }
    }

    @Test(
        "DELETE with the current If-Match is 204; stale is 412 and keeps the page; a deleted page is 404 to PUT and DELETE",
        arguments: Backend.available)
    func delete(backend: Backend) async throws {
        try await withWiki(backend) { wiki in
            let page = try await createPage(wiki, slug: "gone", body: "x")
            let path = "/api/pages/\(page.id)"
            let saved = try await wiki.client.send(
                .PUT, path, headers: [("If-Match", etag(page.version))], json: ["title": "G", "body": "y"])
            let current = try saved.decode(PageJSON.self)
            let stale = try await wiki.client.send(.DELETE, path, headers: [("If-Match", etag(page.version))])
            #expect(stale.status == 412)
            #expect(try await wiki.pageCount() == 1)
            #expect(try await wiki.client.send(.DELETE, path).status == 428)

            let deleted = try await wiki.client.send(.DELETE, path, headers: [("If-Match", etag(current.version))])
            #expect(deleted.status == 204)
            #expect(try await wiki.pageCount() == 0)
            let again = try await wiki.client.send(.DELETE, path, headers: [("If-Match", etag(current.version))])
            #expect(again.status == 404)
            let put = try await wiki.client.send(
                .PUT, path, headers: [("If-Match", etag(current.version))], json: ["title": "G", "body": "back?"])
            #expect(put.status == 404)
            #expect(try put.decode(Problem.self).type == "urn:optimistic-lock:deleted")
            #expect(try await wiki.pageCount() == 0, "a PUT to a deleted page does not create it")
        }
    }

    @Test(
        "A row or database that stays locked is 503 (try again) to the API and to the form, the typed text is kept, nothing is half done",
        arguments: Backend.available)
    func busy(backend: Backend) async throws {
        // SQLite: another process holds the write lock past the pool's busy timeout. PostgreSQL:
        // another server's open transaction holds the row past the pool's statement timeout.
        // Timeouts long enough for everything else the test does on a busy machine, short enough to wait out twice.
        try await withWiki(backend, sqlite: .init(busyTimeout: 1.5), postgres: .init(statementTimeout: .milliseconds(1500))) {
            wiki in
            let page = try await createPage(wiki, slug: "busy", body: "before")
            let other = try wiki.connect()
            switch backend {
            case .sqlite: try other.executeScript("BEGIN EXCLUSIVE")
            case .postgres: try other.executeScript("BEGIN; SELECT * FROM page WHERE id = \(page.id) FOR UPDATE")
            }
            let reply = try await wiki.client.send(
                .PUT, "/api/pages/\(page.id)", headers: [("If-Match", etag(page.version))], json: ["title": "B", "body": "after"])
            #expect(reply.status == 503)
            #expect(reply.headers["content-type"] == "application/problem+json")
            let typed = try await wiki.client.send(
                .POST, "/pages/\(page.id)",
                body: form([("version", String(page.version)), ("slug", "busy"), ("title", "B"), ("body", "typed while busy")]),
                contentType: "application/x-www-form-urlencoded")
            #expect(typed.status == 503)
            #expect(typed.text.contains("typed while busy"), "the form keeps what was typed")
            #expect(hiddenValue("version", in: typed.text) == String(page.version))
            try other.executeScript("ROLLBACK")
            #expect(try await wiki.storedBody(page.id) == "before")
            // The same version still saves once the lock is gone: the failed attempts changed nothing.
            let retried = try await wiki.client.send(
                .PUT, "/api/pages/\(page.id)", headers: [("If-Match", etag(page.version))], json: ["title": "B", "body": "after"])
            #expect(retried.status == 200)
        }
    }

    @Test(
        "POST with If-Match is 412: a page being created has no version to match; nothing is created",
        arguments: Backend.available)
    func createWithIfMatch(backend: Backend) async throws {
        try await withWiki(backend) { wiki in
            for tag in ["*", "\"12345\""] {
                let reply = try await wiki.client.send(
                    .POST, "/api/pages", headers: [("If-Match", tag)], json: ["slug": "new", "title": "New"])
                #expect(reply.status == 412, "If-Match: \(tag)")
            }
            #expect(try await wiki.pageCount() == 0)
        }
    }

    @Test(
        "NUL in a title or text, or a title of 300 combining marks, is 422 on both databases, and nothing is stored",
        arguments: Backend.available)
    func nulIsRefused(backend: Backend) async throws {
        try await withWiki(backend) { wiki in
            let created = try await wiki.client.send(.POST, "/api/pages", json: ["slug": "nul", "title": "a\u{0}b"])
            #expect(created.status == 422)
            let page = try await createPage(wiki, slug: "kept", body: "clean")
            let edit = try await wiki.client.send(
                .PUT, "/api/pages/\(page.id)", headers: [("If-Match", etag(page.version))],
                json: ["title": "T", "body": "x\u{0}y"])
            #expect(edit.status == 422)
            // One character with 300 combining marks is not a short title.
            let marked = try await wiki.client.send(
                .POST, "/api/pages", json: ["slug": "marks", "title": "a" + String(repeating: "\u{301}", count: 300)])
            #expect(marked.status == 422)
            #expect(try await wiki.pageCount() == 1)
            #expect(try await wiki.storedBody(page.id) == "clean")
        }
    }
}
