import Foundation
import Testing
import WikiClient

/// The scene optimistic locking exists for, in a real browser: two people open the same edit form,
/// both save; the second is shown both texts, merges, and saves. Headless Chromium over WebDriver.
@Suite("Browser")
struct BrowserTests {
    @Test(
        "Two browsers edit one page: the second sees the conflict page with both texts, merges, and saves both edits",
        .enabled(if: WebDriver.isAvailable, Comment(rawValue: WebDriver.unavailable)),
        .timeLimit(.minutes(5)))
    func twoEditors() async throws {
        try await withWiki(.sqlite) { wiki in
            let page = try await createPage(wiki, slug: "meeting-notes", title: "Meeting notes", body: "Line one")
            let driver = try await WebDriver()
            do {
                try await scene(wiki, page: page, driver: driver)
            } catch {
                await driver.stop()
                throw error
            }
            await driver.stop()
        }
    }

    private func scene(_ wiki: Wiki, page: PageJSON, driver: WebDriver) async throws {
        let alice = try await driver.session()
        let bob = try await driver.session()
        do {
            try await scene(wiki, page: page, alice: alice, bob: bob)
        } catch {
            await alice.close()
            await bob.close()
            throw error
        }
        await alice.close()
        await bob.close()
    }

    private func scene(_ wiki: Wiki, page: PageJSON, alice: BrowserSession, bob: BrowserSession) async throws {
        let edit = "\(wiki.baseURL)/pages/\(page.id)/edit"
        try await alice.open(edit)
        try await bob.open(edit)
        #expect(try await alice.value("#body-field") == "Line one")
        #expect(try await bob.value("#body-field") == "Line one")

        // Alice saves first.
        try await alice.type("\nAlice's line", into: "#body-field")
        try await alice.click("#save")
        try await alice.waitForURL(endingWith: "/pages/\(page.id)")
        #expect(try await alice.text("#body") == "Line one\nAlice's line")

        // Bob saves the same version: the conflict page, with both texts and his still in the form.
        try await bob.type("\nBob's line", into: "#body-field")
        try await bob.click("#save")
        _ = try await bob.element("#conflict")
        #expect(try await bob.text("#their-body") == "Line one\nAlice's line")
        #expect(try await bob.text("#your-body") == "Line one\nBob's line")
        #expect(try await bob.value("#body-field") == "Line one\nBob's line", "nothing Bob typed is lost")
        #expect(try await wiki.storedBody(page.id) == "Line one\nAlice's line")

        // Bob merges and saves.
        try await bob.clear("#body-field")
        try await bob.type("Line one\nAlice's line\nBob's line", into: "#body-field")
        try await bob.click("#save")
        try await bob.waitForURL(endingWith: "/pages/\(page.id)")
        #expect(try await bob.text("#body") == "Line one\nAlice's line\nBob's line")
        #expect(try await wiki.storedBody(page.id) == "Line one\nAlice's line\nBob's line")

        // Alice, reloading, sees both edits.
        try await alice.open("\(wiki.baseURL)/pages/\(page.id)")
        #expect(try await alice.text("#body") == "Line one\nAlice's line\nBob's line")
    }
}
