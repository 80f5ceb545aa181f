import Hummingbird
import OptimisticLock
import OptimisticLockHTTP
import WikiModels

/// The pages people use. An edit form carries the version its text was read at; saving checks it
/// in the UPDATE itself. When someone else saved first, the conflict page shows both texts and
/// a form to merge them; when the page was deleted meanwhile, the person's text is kept on the
/// page that says so. Nothing typed is lost.
struct HTMLRoutes<Pool: DatabasePool>: Sendable {
    let pages: PageStore<Pool>

    func add(to router: Router<some RequestContext>) {
        router.get("/") { _, _ in
            try await Responses.htmlRoute { Responses.html(Views.list(try await pages.all())) }
        }
        router.get("/pages/new") { _, _ in
            Responses.html(Views.newPage(Draft(slug: "", title: "", body: "")))
        }
        router.post("/pages") { request, _ in
            try await Responses.htmlRoute {
                var request = request
                return try await create(Form(try await request.formBody()))
            }
        }
        router.get("/pages/:id") { _, context in
            try await Responses.htmlRoute {
                let id = try context.parameters.require("id", as: Int64.self)
                guard let page = try await pages.page(id) else { return notFound }
                return Responses.html(Views.show(page))
            }
        }
        router.get("/pages/:id/edit") { _, context in
            try await Responses.htmlRoute {
                let id = try context.parameters.require("id", as: Int64.self)
                guard let page = try await pages.page(id) else { return notFound }
                let draft = Draft(slug: page.slug, title: page.title, body: page.body)
                return Responses.html(Views.edit(id: id, version: page.version, draft))
            }
        }
        router.post("/pages/:id") { request, context in
            try await Responses.htmlRoute {
                let id = try context.parameters.require("id", as: Int64.self)
                var request = request
                return try await save(id, Form(try await request.formBody()), request: request.head)
            }
        }
        router.post("/pages/:id/delete") { request, context in
            try await Responses.htmlRoute {
                let id = try context.parameters.require("id", as: Int64.self)
                var request = request
                return try await delete(id, Form(try await request.formBody()), request: request.head)
            }
        }
    }

    private var notFound: Response {
        Responses.html(Views.message("Not found", "There is no such page."), status: .notFound)
    }

    private func create(_ form: Form) async throws -> Response {
        let draft = Draft(form)
        if let problem = PageRules.problem(slug: draft.slug, title: draft.title, body: draft.body) {
            return Responses.html(Views.newPage(draft, message: problem), status: .unprocessableContent)
        }
        do {
            let page = try await pages.create(slug: draft.slug, title: draft.title, body: draft.body)
            return Responses.redirect("/pages/\(page.id ?? 0)")
        } catch let problem as HTTPProblem {
            return Responses.html(Views.newPage(draft, message: problem.detail), status: problem.status)
        } catch let error as DatabaseError {
            let problem = OptimisticHTTP.problem(for: error, source: nil)
            // The problem's detail, never the database's message (PostgreSQL's DETAIL quotes rows).
            let message =
                problem.status == .conflict
                ? "A page named \"\(draft.slug)\" exists already: choose another name." : problem.detail
            return Responses.html(Views.newPage(draft, message: message), status: problem.status)
        }
    }

    /// One call checks the form's version in the UPDATE and answers for the outcome.
    private func save(_ id: Int64, _ form: Form, request: HTTPRequest) async throws -> Response {
        let draft = Draft(form)
        if let problem = PageRules.problem(slug: nil, title: draft.title, body: draft.body) {
            let version = form.integer("version") ?? 0
            return Responses.html(Views.edit(id: id, version: version, draft, message: problem), status: .unprocessableContent)
        }
        do {
            _ = try await OptimisticHTTP.write(request: request, bodyVersion: form.integer("version")) { version in
                try await pages.save(id, version: version, title: draft.title, body: draft.body)
            }
            return Responses.redirect("/pages/\(id)")
        } catch let problem as HTTPProblem where problem.type == HTTPProblem.staleVersionType {
            // Show the page as it is now, checked against the version shown: if it changes again
            // before this person saves, they are told again.
            let current: Page?
            do {
                current = try await pages.page(id)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // The page could not be read (a busy database, a lost connection): the form again,
                // with what was typed and why it was not saved.
                let problem = OptimisticHTTP.problem(for: error, source: nil)
                let message = "Someone else saved this page, and it could not be read just now (\(problem.detail)). Try again."
                return Responses.html(
                    Views.edit(id: id, version: form.integer("version") ?? 0, draft, message: message), status: problem.status)
            }
            guard let current else {
                return Responses.html(Views.deleted(draft), status: .notFound)
            }
            // The page already says what this person wants (a second click on Save, a form sent
            // again after its first answer was lost): nothing to merge. Compared scalar by scalar:
            // text that only looks the same (another Unicode normalisation) is not the same text.
            if current.title.unicodeScalars.elementsEqual(draft.title.unicodeScalars),
                current.body.unicodeScalars.elementsEqual(draft.body.unicodeScalars)
            {
                return Responses.redirect("/pages/\(id)")
            }
            return Responses.html(Views.conflict(current: current, yours: draft), status: .conflict)
        } catch let problem as HTTPProblem where problem.status == .notFound {
            return Responses.html(Views.deleted(draft), status: .notFound)
        } catch let problem as HTTPProblem {
            let version = form.integer("version") ?? 0
            return Responses.html(Views.edit(id: id, version: version, draft, message: problem.detail), status: problem.status)
        }
    }

    private func delete(_ id: Int64, _ form: Form, request: HTTPRequest) async throws -> Response {
        do {
            try await OptimisticHTTP.write(request: request, bodyVersion: form.integer("version")) { version in
                try await pages.delete(id, version: version)
            }
            return Responses.redirect("/")
        } catch let problem as HTTPProblem where problem.type == HTTPProblem.staleVersionType {
            guard let current = try await pages.page(id) else { return Responses.redirect("/") }
            return Responses.html(Views.deleteConflict(current: current), status: .conflict)
        } catch let problem as HTTPProblem where problem.status == .notFound {
            // Already gone (a second click on Delete): what the person asked for.
            return Responses.redirect("/")
        } catch let problem as HTTPProblem {
            return Responses.html(Views.message(problem.title, problem.detail), status: problem.status)
        }
    }
}
