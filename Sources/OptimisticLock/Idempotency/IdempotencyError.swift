/// Why a request with an idempotency key was not run: the key is malformed, it was used before for
/// a different request, or the request that first used it is still running.
public struct IdempotencyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. Kinds are values, so a release can add one without breaking a `switch`.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        /// The kind's stable name.
        public let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// The name.
        public var description: String { name }

        /// The key is empty, longer than 255 bytes, or holds something else than printable ASCII
        /// (an HTTP `Idempotency-Key` is a structured-field string).
        public static let invalidKey = Kind("invalidKey")
        /// The key was used before with a request whose fingerprint differs: a client bug (or a
        /// key reused on purpose), never a retry. HTTP 422.
        public static let keyReused = Kind("keyReused")
        /// Another transaction holds the key: the request's first attempt is still running. HTTP
        /// 409; the client retries later and then gets the stored response.
        public static let inProgress = Kind("inProgress")
    }

    /// What went wrong.
    public let kind: Kind
    /// The key, as the client sent it.
    public let key: String
    /// What went wrong, for a person.
    public let message: String

    /// Creates an error.
    public init(kind: Kind, key: String, message: String) {
        self.kind = kind
        self.key = key
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
