import Foundation
import Hummingbird
import OptimisticLock
import OptimisticLockHTTP
import OptimisticLockHummingbird
import WikiModels

/// A new page, as a client posts it.
struct NewPage: Decodable {
    var slug: String
    var title: String
    var body: String?
}

/// An edit, as a client puts it: the whole editable page, and the version it was read at unless
/// `If-Match` carries it.
struct PageEdit: Decodable {
    var title: String
    var body: String
    var version: Int64?
}

/// The same pages as a JSON API. A page's ETag is its version; `PUT` and `DELETE` are checked
/// against `If-Match` (or a `version` in the body) in their one statement, with no read before.
struct APIRoutes<Pool: DatabasePool>: Sendable {
    let pages: PageStore<Pool>

    func add(to router: Router<some RequestContext>) {
        router.get("/api/pages") { _, _ in
            try await Responses.api { try Responses.json(try await pages.all()) }
        }
        router.get("/api/pages/:id") { request, context in
            try await Responses.api {
                let id = try context.parameters.require("id", as: Int64.self)
                guard let page = try await pages.page(id) else { throw Self.notFound(id) }
                if OptimisticHTTP.isNotModified(request: request.head, currentVersion: page.version) {
                    return Response(status: .notModified, headers: [.eTag: EntityTag(version: page.version).description])
                }
                return try Responses.page(page)
            }
        }
        router.post("/api/pages") { request, _ in
            try await Responses.api {
                // A new page has no current version, so no tag in If-Match can match it (RFC 9110
                // 13.1.1): the client meant to change a page that exists, not to create one.
                if request.headers[.ifMatch] != nil {
                    throw HTTPProblem(
                        status: .preconditionFailed, title: "Precondition Failed",
                        detail: "If-Match names a current version, and a page being created has none")
                }
                var request = request
                let bytes = try await request.bodyBytes()
                let input = try JSONDecoder().decode(NewPage.self, from: Data(bytes))
                if let problem = PageRules.problem(slug: input.slug, title: input.title, body: input.body ?? "") {
                    throw HTTPProblem(status: .unprocessableContent, title: "Unprocessable Content", detail: problem)
                }
                // With an Idempotency-Key, a retried POST (after a lost answer) gets the stored 201
                // instead of creating the page twice: the key is kept in the insert's transaction.
                let created = try await OptimisticHTTP.idempotentWrite(request: request, body: bytes, pool: pages.pool) {
                    db in
                    let page = try PageStore<Pool>.create(db, slug: input.slug, title: input.title, body: input.body ?? "")
                    return try .json(
                        page, status: .created, headerFields: Responses.pageHeaders(page, location: true), encoder: Responses.json
                    )
                }
                return Response.idempotent(created.response)
            }
        }
        router.put("/api/pages/:id") { request, context in
            try await Responses.api {
                let id = try context.parameters.require("id", as: Int64.self)
                var request = request
                let edit = try await request.json(PageEdit.self)
                if let problem = PageRules.problem(slug: nil, title: edit.title, body: edit.body) {
                    throw HTTPProblem(status: .unprocessableContent, title: "Unprocessable Content", detail: problem)
                }
                let saved = try await OptimisticHTTP.write(request: request.head, bodyVersion: edit.version) { version in
                    try await pages.save(id, version: version, title: edit.title, body: edit.body)
                }
                return try Responses.page(saved)
            }
        }
        router.delete("/api/pages/:id") { request, context in
            try await Responses.api {
                let id = try context.parameters.require("id", as: Int64.self)
                try await OptimisticHTTP.write(request: request.head, bodyVersion: nil) { version in
                    try await pages.delete(id, version: version)
                }
                return Response(status: .noContent)
            }
        }
    }

    private static func notFound(_ id: Int64) -> HTTPProblem {
        HTTPProblem(status: .notFound, title: "Not Found", detail: "there is no page \(id)")
    }
}
