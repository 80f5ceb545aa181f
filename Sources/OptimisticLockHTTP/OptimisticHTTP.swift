import HTTPTypes
import OptimisticLock

/// The precondition dance of an HTTP API over optimistic locking, in one call per handler.
///
/// ```swift
/// // PUT /api/pages/:id   (If-Match: "4503599627370123", or "version" in the JSON body)
/// let saved = try await OptimisticHTTP.write(request: request, bodyVersion: input.version) { version in
///     try await pool.writeWithoutTransaction { db in
///         var page = input
///         page.version = version
///         try page.update(db)
///         return page
///     }
/// }
/// // 200 with ETag: EntityTag(version: saved.version); an HTTPProblem otherwise (412, 428, 409, 404, ...).
/// ```
///
/// The precondition calls take the request's `HTTPFields` (Hummingbird's `request.headers`,
/// swift-http-types' `request.headerFields`), so they work with any framework built on
/// swift-http-types; the `request:` forms take an `HTTPRequest` (`idempotentWrite` needs one: its
/// fingerprint is the method and path).
public enum OptimisticHTTP {
    /// Where the version a write is checked against came from.
    public enum VersionSource: Sendable, Hashable {
        /// The `If-Match` header: a stale version is 412 Precondition Failed.
        case ifMatch
        /// The request body (a form's hidden field, a JSON `version`): a stale version is 409 Conflict.
        case body
    }

    /// The versions a write may be checked against: those `If-Match` names (strong tags of ours), or
    /// else the body's version; and where they came from.
    ///
    /// - Throws: `HTTPProblem` 400 for a malformed `If-Match`; 412 when `If-Match` names no version
    ///   (only weak tags, or tags of something else); 428 Precondition Required when `required` and
    ///   the request carries no version (`If-Match: *` does not name one).
    public static func expectedVersions(
        headers: HTTPFields, bodyVersion: Int64?, required: Bool = true
    ) throws(HTTPProblem) -> (versions: [Int64], source: VersionSource?) {
        let ifMatch = try ETagCondition.parse(headers[values: .ifMatch], header: "If-Match")
        if case .tags(let tags)? = ifMatch {
            let versions = tags.compactMap(\.version)
            guard !versions.isEmpty else {
                throw HTTPProblem(
                    status: .preconditionFailed, type: HTTPProblem.staleVersionType, title: "Precondition Failed",
                    detail: "If-Match names no current version (weak tags never match; a record's tag is its version in quotes)")
            }
            return (versions, .ifMatch)
        }
        if let bodyVersion { return ([bodyVersion], .body) }
        if required {
            throw HTTPProblem(
                status: .preconditionRequired, type: HTTPProblem.versionRequiredType, title: "Precondition Required",
                detail: "send the version you read: If-Match with the record's ETag, or the version in the body")
        }
        return ([], nil)
    }

    /// `expectedVersions(headers:bodyVersion:required:)` for an `HTTPRequest`.
    public static func expectedVersions(
        request: HTTPRequest, bodyVersion: Int64?, required: Bool = true
    ) throws(HTTPProblem) -> (versions: [Int64], source: VersionSource?) {
        try expectedVersions(headers: request.headerFields, bodyVersion: bodyVersion, required: required)
    }

    /// Runs a write with the version the request expects and answers for its outcome: the write's
    /// result, or the `HTTPProblem` to send.
    ///
    /// `write` receives the expected version and must make its update or delete check it (`record.version = version; try record.update(db)`), in
    /// one transaction: it may run twice. When `If-Match` names several versions, the write is tried
    /// with the first; if that one is stale, the conflict tells the current version, and the write
    /// is tried once more with it if the list names it. So a list of any length costs at most two
    /// writes.
    ///
    /// `If-None-Match` is honoured too (RFC 9110 evaluates it after `If-Match`): `*` asks that the
    /// record not exist, which a write of an existing record cannot meet (412); a tag naming the
    /// version the write expects would be false exactly when the write succeeds (412, nothing
    /// written); other tags let the write run.
    ///
    /// - Throws: `HTTPProblem`: 412 (a stale `If-Match`, a false `If-None-Match`), 409 (a stale body
    ///   version, or a unique value taken), 428, 404 (no record has the key: it was deleted, or never
    ///   existed), 422 (a value that cannot be stored, a missing referenced record), 400 (malformed
    ///   conditions), 503 with `Retry-After` (busy, timeouts, connection failures: nothing was
    ///   saved, retry later), 500 with type `urn:optimistic-lock:outcome-unknown` and no
    ///   `Retry-After` (the write was sent and no answer came: it may be saved), 500 for a stored
    ///   value that does not fit its field (the server's fault) or another database failure. Any
    ///   other error the closure throws — `CancellationError`, the framework's own (`Abort`,
    ///   `HTTPError`), the app's — passes through as it is.
    public static func write<T>(
        headers: HTTPFields, bodyVersion: Int64?, _ write: (Int64) async throws -> T
    ) async throws -> T {
        try await self.write(headers: headers, bodyVersion: bodyVersion, requireVersion: true) { version in
            // Required: expectedVersions threw 428 when no version came, so this is never nil.
            guard let version else {
                throw HTTPProblem(
                    status: .preconditionRequired, type: HTTPProblem.versionRequiredType, title: "Precondition Required",
                    detail: "send the version you read: If-Match with the record's ETag, or the version in the body")
            }
            return try await write(version)
        }
    }

    /// `write(headers:bodyVersion:_:)` where a version may be optional (`requireVersion: false`):
    /// the closure receives nil when none was sent.
    public static func write<T>(
        headers: HTTPFields, bodyVersion: Int64?, requireVersion: Bool,
        _ write: (Int64?) async throws -> T
    ) async throws -> T {
        let (versions, source) = try expectedVersions(headers: headers, bodyVersion: bodyVersion, required: requireVersion)
        let ifNoneMatch = try ETagCondition.parse(headers[values: .ifNoneMatch], header: "If-None-Match")
        if ifNoneMatch == .any {
            throw HTTPProblem(
                status: .preconditionFailed, title: "Precondition Failed",
                detail: "If-None-Match: * asks that the record not exist; this request changes an existing one")
        }
        func excluded(_ version: Int64) -> Bool {
            guard case .tags(let tags)? = ifNoneMatch else { return false }
            return tags.contains { $0.opaque == String(version) }
        }
        guard let first = versions.first else {
            do {
                return try await write(nil)
            } catch {
                throw answer(error, source: source)
            }
        }
        func attempt(_ version: Int64) async throws -> T {
            if excluded(version) {
                throw HTTPProblem(
                    status: .preconditionFailed, title: "Precondition Failed",
                    detail: "If-None-Match names version \(version), the one this write expects", expectedVersion: version)
            }
            return try await write(version)
        }
        do {
            return try await attempt(first)
        } catch let conflict as ConcurrentUpdate where !conflict.isDeleted {
            // The conflict tells the current version: tried once more if the list names it.
            guard let current = conflict.actualVersion, current != first, versions.contains(current) else {
                throw answer(conflict, source: source)
            }
            do {
                return try await attempt(current)
            } catch {
                throw answer(error, source: source)
            }
        } catch {
            throw answer(error, source: source)
        }
    }

    /// `write(headers:bodyVersion:_:)` for an `HTTPRequest`: the closure receives the version.
    public static func write<T>(
        request: HTTPRequest, bodyVersion: Int64?, _ write: (Int64) async throws -> T
    ) async throws -> T {
        try await self.write(headers: request.headerFields, bodyVersion: bodyVersion, write)
    }

    /// `write(headers:bodyVersion:requireVersion:_:)` for an `HTTPRequest`.
    public static func write<T>(
        request: HTTPRequest, bodyVersion: Int64?, requireVersion: Bool, _ write: (Int64?) async throws -> T
    ) async throws -> T {
        try await self.write(headers: request.headerFields, bodyVersion: bodyVersion, requireVersion: requireVersion, write)
    }

    /// What `write` throws for `error`: the library's errors as their problems; anything else —
    /// cancellation, the framework's own errors (Vapor's `Abort(.forbidden)`, Hummingbird's
    /// `HTTPError`), the app's — as it is, for the framework to answer as it answers them anywhere.
    static func answer(_ error: any Error, source: VersionSource?) -> any Error {
        isLibraryError(error) ? problem(for: error, source: source) : error
    }

    /// An error `problem(for:source:)` knows: a problem, a conflict, a missing record, a database
    /// failure, a refused idempotency key.
    static func isLibraryError(_ error: any Error) -> Bool {
        switch error {
        case is HTTPProblem, is ConcurrentUpdate, is RecordNotFound, is DatabaseError, is IdempotencyError: true
        default: false
        }
    }

    /// The HTTP problem for an error a write or read threw: an `HTTPProblem` as it is; a
    /// `CancellationError` is 503 "the request was cancelled; nothing was saved" (a cancelled
    /// request keeps nothing: what may have been kept is `.outcomeUnknown` or
    /// `.partiallyCommitted`). The error is the problem's `underlyingError`, for the log.
    public static func problem(for error: any Error, source: VersionSource?) -> HTTPProblem {
        if let problem = error as? HTTPProblem { return problem }
        var problem =
            error is CancellationError
            ? HTTPProblem(
                status: .serviceUnavailable, title: "Service Unavailable", detail: "the request was cancelled; nothing was saved")
            : problemWithoutCause(for: error, source: source)
        problem.underlyingError = error
        return problem
    }

    /// The problem for an error the library knows, for a framework's error middleware: an
    /// `HTTPProblem` as it is; `ConcurrentUpdate`, `RecordNotFound`, `DatabaseError` and
    /// `IdempotencyError` as `problem(for:source:)` answers them (with no version source: a conflict
    /// is 409). Nil for any other error, cancellation included, which the framework answers itself.
    public static func problem(forLibraryError error: any Error) -> HTTPProblem? {
        isLibraryError(error) ? problem(for: error, source: nil) : nil
    }

    private static func problemWithoutCause(for error: any Error, source: VersionSource?) -> HTTPProblem {
        switch error {
        case let conflict as ConcurrentUpdate where conflict.isDeleted:
            return HTTPProblem(
                status: .notFound, type: HTTPProblem.deletedType, title: "Not Found",
                detail: "no record has this key: it was deleted, or never existed", expectedVersion: conflict.expectedVersion)
        case let conflict as ConcurrentUpdate:
            let stale =
                "the record changed since version \(conflict.expectedVersion) was read; it is at version \(conflict.actualVersion ?? 0) now"
            return source == .ifMatch
                ? HTTPProblem(
                    status: .preconditionFailed, type: HTTPProblem.staleVersionType, title: "Precondition Failed",
                    detail: stale, expectedVersion: conflict.expectedVersion, currentVersion: conflict.actualVersion)
                : HTTPProblem(
                    status: .conflict, type: HTTPProblem.staleVersionType, title: "Conflict",
                    detail: stale, expectedVersion: conflict.expectedVersion, currentVersion: conflict.actualVersion)
        case let missing as RecordNotFound:
            return HTTPProblem(status: .notFound, title: "Not Found", detail: missing.description)
        case let refusal as IdempotencyError:
            return problem(for: refusal)
        case let failure as DatabaseError:
            return problemWithoutCause(for: failure)
        default:
            return HTTPProblem(status: .internalServerError, title: "Internal Server Error", detail: "the request failed")
        }
    }

    /// A database failure as a client error where the client caused it, a server error otherwise;
    /// 503 with `Retry-After` only where nothing was kept and trying again is right. The detail
    /// never carries the database's message — PostgreSQL's DETAIL quotes stored rows ("Failing row
    /// contains ..."), which may be other users' — only names the schema already shows (a
    /// constraint, a column); the whole error is the problem's `underlyingError`, for the app's log.
    static func problem(for failure: DatabaseError) -> HTTPProblem {
        var problem = problemWithoutCause(for: failure)
        problem.underlyingError = failure
        return problem
    }

    private static func problemWithoutCause(for failure: DatabaseError) -> HTTPProblem {
        let column = failure.column.map { " (column \"\($0)\")" } ?? ""
        switch failure.kind {
        case .constraint(.unique), .constraint(.primaryKey):
            return HTTPProblem(status: .conflict, title: "Conflict", detail: "a unique value is already taken")
        case .constraint(.foreignKey):
            return HTTPProblem(
                status: .unprocessableContent, title: "Unprocessable Content",
                detail: "a referenced record does not exist (or is still referenced)")
        case .constraint(.notNull):
            return HTTPProblem(
                status: .unprocessableContent, title: "Unprocessable Content", detail: "a required value is missing\(column)")
        case .invalidStoredValue:
            return HTTPProblem(
                status: .internalServerError, title: "Internal Server Error",
                detail: "a stored value does not fit its field")
        case .invalidValue:
            return HTTPProblem(
                status: .unprocessableContent, title: "Unprocessable Content", detail: "a value cannot be stored\(column)")
        case .busy, .serializationFailure, .deadlock:
            return HTTPProblem(
                status: .serviceUnavailable, title: "Service Unavailable",
                detail: "the database is busy; nothing was saved; try again")
        case .timeout:
            return HTTPProblem(
                status: .serviceUnavailable, title: "Service Unavailable",
                detail: "the database did not answer in time; nothing was saved; try again")
        case .connection, .readOnly:
            return HTTPProblem(
                status: .serviceUnavailable, title: "Service Unavailable",
                detail: "the database is unavailable; nothing was saved; try again")
        case .interrupted:
            return HTTPProblem(
                status: .serviceUnavailable, title: "Service Unavailable",
                detail: "the request was cancelled; nothing was saved")
        case .outcomeUnknown:
            return HTTPProblem(
                status: .internalServerError, type: HTTPProblem.outcomeUnknownType, title: "Outcome Unknown",
                detail:
                    "the write was sent to the database and no answer came: it may or may not have been saved; read the record before trying again, or repeat the request with the same Idempotency-Key"
            )
        case .partiallyCommitted:
            return HTTPProblem(
                status: .internalServerError, type: HTTPProblem.outcomeUnknownType, title: "Partially Saved",
                detail: "the request stopped after part of its work was saved; read the record before trying again")
        default:
            if failure.isConstraintViolation {
                let name = failure.constraintName.map { " \"\($0)\"" } ?? ""
                return HTTPProblem(
                    status: .unprocessableContent, title: "Unprocessable Content",
                    detail: "a value breaks the constraint\(name)\(column)")
            }
            return HTTPProblem(status: .internalServerError, title: "Internal Server Error", detail: "the database failed")
        }
    }

    /// True when `If-None-Match` names the record's current version (or is `*`): a GET answers
    /// 304 Not Modified. Weak comparison, as RFC 9110 asks for `If-None-Match`.
    public static func isNotModified(headers: HTTPFields, currentVersion: Int64) -> Bool {
        guard let condition = try? ETagCondition.parse(headers[values: .ifNoneMatch], header: "If-None-Match") else {
            return false
        }
        switch condition {
        case .any: return true
        case .tags(let tags): return tags.contains { $0.opaque == String(currentVersion) }
        }
    }

    /// `isNotModified(headers:currentVersion:)` for an `HTTPRequest`.
    public static func isNotModified(request: HTTPRequest, currentVersion: Int64) -> Bool {
        isNotModified(headers: request.headerFields, currentVersion: currentVersion)
    }
}
