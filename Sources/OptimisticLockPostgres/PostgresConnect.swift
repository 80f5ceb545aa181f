import CLibPQ
import OptimisticLock

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Opening a libpq connection without blocking for longer than asked: `PQconnectStartParams` and
/// `PQconnectPoll`, with the socket polled in short slices so that a cancelled request stops
/// connecting at once, and a deadline so that a server that accepts connections but never answers
/// (or a host that drops packets) fails the connect instead of hanging it.
///
/// The deadline is the URL's `connect_timeout` (seconds; 0 waits as long as it takes), else
/// `PGCONNECT_TIMEOUT`, else 10 seconds — or a pool request's deadline, when that comes first.
/// Resolving a host name still blocks in libpq. The connection is left in nonblocking mode: every
/// later exchange is driven by `PostgresHandle.roundTrip`.
enum PostgresConnect {
    /// The connect timeout when neither the URL nor the environment sets one.
    static let defaultTimeout: Duration = .seconds(10)

    /// A connected libpq connection whose client encoding is UTF-8.
    ///
    /// - Throws: `DatabaseError` `.connection` (libpq's message, or the connect timeout), `.timeout`
    ///   when `requestDeadline` passes first, or `.interrupted` once `isCancelled` returns true.
    static func open(
        url: String, isCancelled: () -> Bool, requestDeadline: ContinuousClock.Instant? = nil,
        defaultTimeout: Duration = defaultTimeout
    ) throws -> OpaquePointer {
        let (url, password) = try normalized(url)
        do {
            return try open(
                normalized: url, isCancelled: isCancelled, requestDeadline: requestDeadline, defaultTimeout: defaultTimeout)
        } catch let error as DatabaseError {
            // libpq's messages quote hosts, ports and values: a password in the wrong place of a URL
            // (an unencoded "@" or "/") would be repeated.
            guard let password, !password.isEmpty, quotesPassword(error.message, password) else { throw error }
            // Replacing the password inside the message would let its wording tell it; the whole
            // message goes.
            throw DatabaseError(
                kind: error.kind, code: error.code, extendedCode: error.extendedCode, sqlState: error.sqlState,
                message: "cannot connect to PostgreSQL (libpq's message is withheld: it quoted part of the password)",
                sql: error.sql)
        }
    }

    private static func open(
        normalized url: String, isCancelled: () -> Bool, requestDeadline: ContinuousClock.Instant?,
        defaultTimeout: Duration
    ) throws -> OpaquePointer {
        let timeout = timeout(url, default: defaultTimeout)
        // Text travels as UTF-8 whatever the server's default client encoding is: the parameter after
        // the expanded URL overrides it.
        let keywords = ["dbname", "client_encoding"]
        let values = [url, "UTF8"]
        let started = withCStrings(keywords) { keywords in
            withCStrings(values) { values in PQconnectStartParams(keywords, values, 1) }
        }
        guard let connection = started else {
            throw DatabaseError(kind: .connection, message: "cannot connect to PostgreSQL: out of memory")
        }
        do {
            try finish(
                connection, deadline: timeout.map { ContinuousClock.now + $0 }, timeout: timeout,
                requestDeadline: requestDeadline, isCancelled: isCancelled)
            guard PQsetnonblocking(connection, 1) == 0 else {
                throw DatabaseError(kind: .connection, message: "cannot use the PostgreSQL connection without blocking")
            }
        } catch {
            PQfinish(connection)
            throw error
        }
        return connection
    }

    private static func finish(
        _ connection: OpaquePointer, deadline: ContinuousClock.Instant?, timeout: Duration?,
        requestDeadline: ContinuousClock.Instant?, isCancelled: () -> Bool
    ) throws {
        guard PQstatus(connection) != CONNECTION_BAD else { throw failure(connection) }
        // Before the first poll, libpq waits to write (its connect is under way).
        var state = PGRES_POLLING_WRITING
        while true {
            switch state {
            case PGRES_POLLING_OK:
                guard let encoding = PQparameterStatus(connection, "client_encoding"), String(cString: encoding) == "UTF8"
                else {
                    throw DatabaseError(kind: .connection, message: "cannot use UTF-8 with this PostgreSQL server")
                }
                return
            case PGRES_POLLING_FAILED:
                throw failure(connection)
            default:
                let events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT
                var socket = pollfd(fd: PQsocket(connection), events: Int16(events), revents: 0)
                while true {
                    if isCancelled() {
                        throw DatabaseError(kind: .interrupted, message: "connecting to PostgreSQL was cancelled")
                    }
                    if let requestDeadline, ContinuousClock.now >= requestDeadline {
                        throw DatabaseError(
                            kind: .timeout, message: "cannot connect to PostgreSQL within the request timeout; nothing was sent")
                    }
                    if let deadline, ContinuousClock.now >= deadline {
                        throw DatabaseError(
                            kind: .connection,
                            message: "cannot connect to PostgreSQL: no answer within the connect timeout (\(timeout!))")
                    }
                    let ready = poll(&socket, 1, 20)
                    if ready > 0 { break }
                    if ready < 0 && errno != EINTR {
                        throw DatabaseError(
                            kind: .connection, message: "cannot connect to PostgreSQL: poll failed (errno \(errno))")
                    }
                }
                state = PQconnectPoll(connection)
            }
        }
    }

    /// The URL as libpq should see it (surrounding whitespace dropped, the scheme in lower case:
    /// libpq knows only `postgresql://` and `postgres://`), after refusing what is neither a
    /// PostgreSQL URL nor libpq's `key=value` pairs. The refusal says what is wrong without
    /// repeating the URL, which may hold a password: libpq would take `http://host/db` or
    /// `postgres//host/db` for a database name and fail later about a default Unix socket, and its
    /// own parse errors quote the text they stopped at.
    static func normalized(_ url: String) throws -> (url: String, password: String?) {
        var url = String(url.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        let firstEquals = url.firstIndex(of: "=")
        if let separator = url.firstRange(of: "://"), firstEquals.map({ separator.lowerBound < $0 }) ?? true {
            // "://" before any "=": a URL (in key=value pairs it can only be inside a value, such as
            // a password).
            let prefix = url[..<separator.lowerBound]
            let scheme = prefix.lowercased()
            guard scheme == "postgresql" || scheme == "postgres" else {
                let isScheme =
                    !prefix.isEmpty && prefix.count <= 32
                    && prefix.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.:".contains($0)) }
                let named = isScheme ? "it starts with \"\(prefix)://\"; " : ""
                throw DatabaseError(
                    kind: .connection,
                    message: "not a PostgreSQL URL: \(named)use postgresql://user@host:5432/database or key=value pairs")
            }
            url.replaceSubrange(url.startIndex..<separator.lowerBound, with: scheme)
            // postgresql://app:p@ss@db/shop, or app:pw@part/x@db: libpq splits at the first "@" and
            // would take the rest of the password for a host.
            let beforeQuery = url[url.index(url.startIndex, offsetBy: scheme.count + 3)...].prefix { $0 != "?" }
            if beforeQuery.filter({ $0 == "@" }).count > 1 {
                throw DatabaseError(
                    kind: .connection,
                    message:
                        "invalid PostgreSQL URL: it holds more than one \"@\" (write an \"@\" in a user name, password or database name as %40)"
                )
            }
        } else if url.lowercased().hasPrefix("postgres") || firstEquals == nil {
            // `postgres//host`, `postgresql:/host`, `postgresql:shop`: a URL missing its "://".
            throw DatabaseError(
                kind: .connection,
                message:
                    "not a PostgreSQL URL: use postgresql://user@host:5432/database (with \"://\") or key=value pairs such as host=db dbname=shop"
            )
        }
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &message) else {
            let reason = message.map { redactingQuotes(String(cString: $0).trimmingTrailingNewlines()) }
            if let message { PQfreemem(message) }
            throw DatabaseError(kind: .connection, message: "invalid PostgreSQL URL: \(reason ?? "it cannot be read")")
        }
        defer { PQconninfoFree(options) }
        var password: String?
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                let text = String(cString: value)
                switch String(cString: keyword) {
                case "password":
                    password = text
                case "port" where !text.allSatisfy({ ("0"..."9").contains($0) || $0 == "," || $0 == " " }):
                    // postgresql://app:pa/ss@db/shop: libpq reads "pa" as the port.
                    throw DatabaseError(
                        kind: .connection,
                        message:
                            "invalid PostgreSQL URL: its port is not a number (write \"/\", \":\" or \"?\" in a user name or password as %2F, %3A, %3F)"
                    )
                default:
                    break
                }
            }
            option += 1
        }
        return (url, password)
    }

    /// Whether a quoted part of libpq's message (a host, a port, a value) holds the password.
    static func quotesPassword(_ message: String, _ password: String) -> Bool {
        message.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
            .contains { $0.offset % 2 == 1 && $0.element.contains(password) }
    }

    /// libpq's message about a URL it could not parse, cut at its first quote: what libpq quotes
    /// is the URL's text (the password, or the whole URL), and a quote inside the URL would end a
    /// quoted part early, so nothing after the first quote is kept: `invalid percent-encoded
    /// token: "…"`.
    static func redactingQuotes(_ message: String) -> String {
        guard let quote = message.firstIndex(of: "\"") else { return message }
        return message[..<quote] + "\"…\""
    }

    /// The connect timeout the URL or the environment asks for, else `fallback`; nil for none.
    static func timeout(_ url: String, default fallback: Duration = defaultTimeout) -> Duration? {
        var setting: String?
        if let options = PQconninfoParse(url, nil) {
            var option = options
            while let keyword = option.pointee.keyword {
                if String(cString: keyword) == "connect_timeout", let value = option.pointee.val {
                    setting = String(cString: value)
                }
                option += 1
            }
            PQconninfoFree(options)
        }
        if setting == nil, let environment = getenv("PGCONNECT_TIMEOUT") { setting = String(cString: environment) }
        guard let setting else { return fallback }
        guard let seconds = Int(setting.filter { $0 != " " }) else { return fallback }
        // libpq's rules: zero or less waits indefinitely; less than 2 seconds counts as 2.
        return seconds <= 0 ? nil : .seconds(max(2, seconds))
    }

    private static func failure(_ connection: OpaquePointer) -> DatabaseError {
        let message = String(cString: PQerrorMessage(connection)).trimmingTrailingNewlines()
        return DatabaseError(kind: .connection, message: "cannot connect to PostgreSQL: \(message)")
    }

    /// Calls `body` with a NULL-terminated array of C strings.
    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { for copy in copies { free(copy) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
