import Testing
import WikiClient

/// Many editors of one page at once, over real HTTP connections: every save survives exactly once.
@Suite("Concurrent editors")
struct ConcurrentEditorsTests {
    @Test("16 editors × 10 edits of one page through PUT + If-Match: exact final page", arguments: Backend.available)
    func editors(backend: Backend) async throws {
        try await withWiki(backend) { wiki in
            let page = try await createPage(wiki, slug: "busy-page")
            let outcome = try await ConcurrentEditors.run(client: wiki.client, page: page.id, editors: 16, edits: 10)
            print("wiki concurrent editors (\(backend)): \(outcome.summary)")
            #expect(outcome.saves == 160)
            #expect(outcome.distinctVersions == 160, "every save made a new version")
            #expect(outcome.finalLines == outcome.expectedLines, "every save survived exactly once")
            #expect(outcome.conflicts > 0, "the editors did collide (otherwise this tests nothing)")
            let stored = try #require(try await wiki.storedBody(page.id))
            #expect(stored.split(separator: "\n").count == 160)
        }
    }
}
