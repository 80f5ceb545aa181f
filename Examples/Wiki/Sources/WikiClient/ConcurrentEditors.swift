import Foundation
import NIOHTTP1

/// Many clients editing one page at once through the JSON API, each the way a careful client
/// does: read the page and its ETag, PUT the edit with `If-Match`, and on 412 read again and redo
/// the edit. Each editor appends its own numbered lines, so the final page tells exactly which
/// saves survived: with optimistic locking, every one of them.
public enum ConcurrentEditors {
    /// What happened.
    public struct Outcome: Sendable {
        /// Editors × edits each: the saves that must survive.
        public var expectedSaves: Int
        /// PUTs answered 200.
        public var saves: Int
        /// PUTs answered 412 (someone saved first; the editor read again).
        public var conflicts: Int
        /// All requests (GETs and PUTs).
        public var requests: Int
        /// Distinct ETags the 200s carried (each save a new version).
        public var distinctVersions: Int
        /// Wall time.
        public var seconds: Double
        /// The lines every editor appended, and the lines the page holds at the end, each sorted.
        public var expectedLines: [String]
        /// The page's lines at the end, sorted.
        public var finalLines: [String]

        /// Every save survived exactly once, and each made a new version.
        public var isExact: Bool {
            saves == expectedSaves && distinctVersions == saves && finalLines == expectedLines
        }

        /// One line for a log.
        public var summary: String {
            let perSecond = { (count: Int) in String(format: "%.0f", Double(count) / max(seconds, 1e-9)) }
            return """
                \(saves) saves (\(perSecond(saves))/s), \(conflicts) conflicts retried, \(requests) requests \
                (\(perSecond(requests)) req/s) in \(String(format: "%.2f", seconds)) s; final page \
                \(isExact ? "exact" : "WRONG"): \(finalLines.count) of \(expectedLines.count) lines, \
                \(distinctVersions) distinct versions
                """
        }
    }

    /// An answer the editors did not expect.
    public struct UnexpectedReply: Error, CustomStringConvertible {
        /// What was sent.
        public var request: String
        /// The status.
        public var status: Int
        /// The body.
        public var body: String
        /// The error.
        public init(request: String, status: Int, body: String) {
            self.request = request
            self.status = status
            self.body = body
        }

        /// A sentence for a log.
        public var description: String { "\(request) answered \(status): \(body)" }
    }

    private struct Edit: Encodable {
        var title: String
        var body: String
    }

    /// Runs `editors` editors of page `id`, each saving `edits` edits.
    public static func run(client: WikiClient, page id: Int64, editors: Int, edits: Int) async throws -> Outcome {
        let path = "/api/pages/\(id)"
        let start = ContinuousClock.now
        let tallies = try await withThrowingTaskGroup(of: (saves: Int, conflicts: Int, requests: Int, etags: [String]).self) {
            group in
            for editor in 0..<editors {
                group.addTask {
                    var tally = (saves: 0, conflicts: 0, requests: 0, etags: [String]())
                    for edit in 0..<edits {
                        while true {
                            let read = try await client.send(.GET, path)
                            tally.requests += 1
                            guard read.status == 200, let etag = read.headers["etag"] else {
                                throw UnexpectedReply(request: "GET \(path)", status: read.status, body: read.text)
                            }
                            let page = try read.decode(PageJSON.self)
                            let line = "editor \(editor) edit \(edit)\n"
                            let put = try await client.send(
                                .PUT, path, headers: [("If-Match", etag)], json: Edit(title: page.title, body: page.body + line))
                            tally.requests += 1
                            if put.status == 200, let saved = put.headers["etag"] {
                                tally.saves += 1
                                tally.etags.append(saved)
                                break
                            }
                            guard put.status == 412 else {
                                throw UnexpectedReply(request: "PUT \(path)", status: put.status, body: put.text)
                            }
                            tally.conflicts += 1
                        }
                    }
                    return tally
                }
            }
            var all: [(saves: Int, conflicts: Int, requests: Int, etags: [String])] = []
            for try await tally in group { all.append(tally) }
            return all
        }
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        let final = try await client.send(.GET, path)
        guard final.status == 200 else { throw UnexpectedReply(request: "GET \(path)", status: final.status, body: final.text) }
        let page = try final.decode(PageJSON.self)
        var expected: [String] = []
        for editor in 0..<editors {
            for edit in 0..<edits { expected.append("editor \(editor) edit \(edit)") }
        }
        return Outcome(
            expectedSaves: editors * edits,
            saves: tallies.reduce(0) { $0 + $1.saves },
            conflicts: tallies.reduce(0) { $0 + $1.conflicts },
            requests: tallies.reduce(0) { $0 + $1.requests },
            distinctVersions: Set(tallies.flatMap(\.etags)).count,
            seconds: seconds,
            expectedLines: expected.sorted(),
            finalLines: page.body.split(separator: "\n").map(String.init).sorted())
    }
}
