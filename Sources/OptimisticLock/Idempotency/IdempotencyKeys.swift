import OptimisticLockSQL
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What `DatabaseConnection.idempotent` returns: the response, and whether it is the one stored by
/// an earlier run of the same request (whose body then did not run again).
public struct IdempotentResult<Response: Sendable>: Sendable {
    /// The body's response, or the stored one.
    public var response: Response
    /// True when `response` was stored by an earlier run: nothing ran this time.
    public var isReplay: Bool

    /// A result.
    public init(response: Response, isReplay: Bool) {
        self.response = response
        self.isReplay = isReplay
    }
}

extension DatabaseConnection {
    /// Runs a write at most once per idempotency key: the key, a fingerprint of the request and the
    /// response are stored **in the same transaction as the write**, so a request retried after a
    /// lost answer (`.outcomeUnknown`, a client's timeout) gets the stored response instead of
    /// running again — an insert is never made twice. What a middleware backed by another store
    /// cannot promise: here the key is kept exactly when the write is.
    ///
    /// ```swift
    /// let created = try await pool.write { db in
    ///     try db.idempotent(key: key, fingerprint: fingerprint) {
    ///         var order = Order(item: item)
    ///         try order.insert(db)
    ///         return order
    ///     }
    /// }
    /// // created.isReplay: the order was created by an earlier attempt; created.response is it.
    /// ```
    ///
    /// Call it inside a transaction (`pool.write`, `transaction { }`). When the body throws,
    /// nothing is stored, so the request may run again. A stored key expires `expiresAfter` after
    /// it was stored; expired keys are deleted by later calls (at most once a minute per process,
    /// up to 1,000 at a time). The table is created by `migrate` (or `createIdempotencyTable()`).
    ///
    /// - Parameters:
    ///   - key: the client's key: 1 to 255 bytes of printable ASCII (HTTP `Idempotency-Key`).
    ///   - scope: whose key it is (a user or client id): keys of different scopes never meet, so
    ///     a client cannot replay another's response by guessing its key. Empty for one scope.
    ///   - fingerprint: what identifies the request (method, path and a hash of the body, say): the
    ///     same key with another fingerprint is a client's mistake, not a retry.
    ///   - expiresAfter: how long a stored response is kept (24 hours by default).
    ///   - body: the write; its response is encoded as JSON and stored.
    /// - Throws: `IdempotencyError` (`.invalidKey`, `.keyReused`, `.inProgress` — PostgreSQL only:
    ///   another transaction holds the key, so its first attempt is still running); `.misuse`
    ///   outside a transaction or when the table is missing; the body's errors.
    public func idempotent<Response: Codable & Sendable>(
        key: String, scope: String = "", fingerprint: String, expiresAfter: Duration = .seconds(86_400),
        _ body: () throws -> Response
    ) throws -> IdempotentResult<Response> {
        guard isInTransaction else {
            throw DatabaseError.misuse(
                "idempotent(key:) stores the key with the write, in one transaction: call it inside pool.write or transaction { }",
                sql: nil)
        }
        guard expiresAfter > .zero else {
            throw DatabaseError.misuse("idempotent(key:): expiresAfter must be positive (\(expiresAfter))", sql: nil)
        }
        try IdempotencyKey.validate(key)
        let stored = scope.isEmpty ? key : scope + "\u{1F}" + key
        let statements = IdempotencyStatements(dialect)
        let now = IdempotencyKey.nowMicroseconds()
        if let tryLock = statements.tryLock, try query(tryLock, [.text(stored)]).first?.bool("locked") != true {
            throw IdempotencyError(
                kind: .inProgress, key: key,
                message: "a request with this idempotency key is still running; try again when it has finished")
        }
        if let row = try IdempotencyKey.missingTable({ try query(statements.find, [.text(stored)]).first }) {
            if try row.int64("expires_at") > now {
                guard try row.string("fingerprint") == fingerprint else {
                    throw IdempotencyError(
                        kind: .keyReused, key: key,
                        message: "this idempotency key was used for a different request; use a new key for a new request")
                }
                let bytes = try row.data("response")
                do {
                    return IdempotentResult(response: try JSONDecoder().decode(Response.self, from: bytes), isReplay: true)
                } catch {
                    throw DatabaseError.invalidStoredValue(
                        "the response stored for an idempotency key cannot be read as \(Response.self): \(error)",
                        sql: statements.find)
                }
            }
            try execute(statements.delete, [.text(stored)])
        }
        let response = try body()
        let encoded: Data
        do {
            encoded = try JSONEncoder().encode(response)
        } catch {
            throw DatabaseError.invalidValue("the response cannot be stored as JSON: \(error)", sql: statements.insert)
        }
        let expires = now.addingReportingOverflow(IdempotencyKey.microseconds(expiresAfter))
        try execute(
            statements.insert,
            [
                .text(stored), .text(fingerprint), .blob(encoded), .integer(now),
                .integer(expires.overflow ? .max : expires.partialValue),
            ])
        if IdempotencyKey.cleanupIsDue(now) { try execute(statements.deleteExpired, [.integer(now)]) }
        return IdempotentResult(response: response, isReplay: false)
    }

    /// Creates the table of idempotency keys (and its expiry index) when missing; `migrate` does
    /// this too.
    public func createIdempotencyTable() throws {
        try executeScript(IdempotencyStatements(dialect).createTable)
    }
}

/// The rules of keys, the clock, and when expired keys are deleted.
enum IdempotencyKey {
    /// Refuses a key that is empty, longer than 255 bytes or not printable ASCII.
    static func validate(_ key: String) throws {
        let bytes = key.utf8
        guard !bytes.isEmpty, bytes.count <= 255, bytes.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) else {
            throw IdempotencyError(
                kind: .invalidKey, key: key,
                message: "an idempotency key is 1 to 255 characters of printable ASCII (\(bytes.count) bytes given)")
        }
    }

    /// Now, in microseconds since 1970.
    static func nowMicroseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// A duration in microseconds (at most `Int64.max`).
    static func microseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard seconds < Int64.max / 1_000_000 else { return .max }
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    /// When expired keys were last deleted by this process, in microseconds since 1970.
    private static let lastCleanup = Atomic<Int64>(0)

    /// True at most once a minute per process: the caller deletes expired keys.
    static func cleanupIsDue(_ now: Int64) -> Bool {
        cleanupIsDue(now, last: lastCleanup)
    }

    /// True when a minute has passed since `last`, which then becomes `now` (for one caller only).
    static func cleanupIsDue(_ now: Int64, last: borrowing Atomic<Int64>) -> Bool {
        let previous = last.load(ordering: .relaxed)
        guard now - previous >= 60_000_000 else { return false }
        return last.compareExchange(expected: previous, desired: now, ordering: .relaxed).exchanged
    }

    /// Runs `body`, turning a missing table into an error that says how to create it.
    static func missingTable<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError
            where error.sqlState == "42P01" || error.message.hasPrefix("no such table")
        {
            throw DatabaseError.misuse(
                "the table of idempotency keys (\(IdempotencyStatements.table)) is missing: migrate creates it, or call createIdempotencyTable()",
                sql: error.sql)
        }
    }
}
