/// Issues version tokens: non-zero, within `1...VersionGenerator.maximum` (`Number.MAX_SAFE_INTEGER`,
/// so a JavaScript client's `JSON.parse` keeps them exact), never the same twice from one generator,
/// and unpredictable across generators.
///
/// Why tokens and not counters: a counter hands out `n + 1` again after a rolled-back transaction, a
/// failed commit, a rolled-back insert or a deleted and re-created row, and then a stale copy that
/// carries that number matches the row and overwrites it. A token that was never issued before
/// cannot match anything a stale copy holds.
///
/// How: every connection owns a generator seeded from the system's cryptographically secure random
/// source (`SystemRandomNumberGenerator`: `getrandom` on Linux, `arc4random` on Apple platforms). A
/// token is a fixed bijection of the 53-bit space (xor with a random key, then rounds of odd
/// multiplication and xor-shift, each invertible modulo 2^53) applied to a counter that starts at a
/// random point. Hence:
/// - one generator never repeats a token until it has issued 2^53 of them (never, in practice);
/// - each token of a generator, on its own, is uniformly distributed over the 2^53 values (a
///   uniformly random counter through a bijection), so the chance that a write of one connection
///   issues the very token a stale record of another connection still holds is 2^-53 per write
///   (about 1.1 × 10^-16: a server doing a million writes a second for a year stays below 1 in 280).
///
/// Tokens are not secrets: a client that can read a row can read its version anyway. They only
/// need to never repeat. A process that forks after opening a connection must not use that
/// connection (or its generator) in both processes.
public final class VersionGenerator {
    /// The largest version: 2^53 − 1, JavaScript's `Number.MAX_SAFE_INTEGER`.
    public static let maximum: Int64 = (1 << 53) - 1

    @usableFromInline static let mask: UInt64 = (1 << 53) - 1

    /// The counter and the key, in memory of their own so that issuing a token needs no exclusivity check.
    @usableFromInline let state: UnsafeMutablePointer<UInt64>

    /// A generator seeded from the system's secure random source.
    public convenience init() {
        var random = SystemRandomNumberGenerator()
        self.init(counter: random.next(), key: random.next())
    }

    /// A generator with a given seed, for tests that need to replay (or to provoke) a sequence.
    /// Two generators with the same seed issue the same tokens: never do that outside a test.
    public init(counter: UInt64, key: UInt64) {
        state = .allocate(capacity: 2)
        state[0] = counter
        state[1] = key
    }

    deinit {
        state.deallocate()
    }

    /// Starts the generator over from a seed, so that tests can make connections issue the same
    /// tokens and show that the checks notice. Never call it in an application.
    @_spi(Testing)
    public func reseed(counter: UInt64, key: UInt64) {
        state[0] = counter
        state[1] = key
    }

    /// A new token in `1...maximum`.
    @inlinable
    public func next() -> Int64 {
        while true {
            let counter = state[0] &+ 1
            state[0] = counter
            let token = Self.permute(counter, key: state[1])
            if _fastPath(token != 0) { return Int64(bitPattern: token) }
        }
    }

    /// A bijection of `0..<2^53` selected by `key`.
    @inlinable @inline(__always)
    static func permute(_ counter: UInt64, key: UInt64) -> UInt64 {
        var x = (counter ^ key) & mask
        x = (x &* 0x1FE6_A2B5_6F0D_BD55) & mask
        x ^= x >> 29
        x = (x &* 0x0F1B_B6D8_8E6A_7B3D) & mask
        x ^= x >> 26
        x = (x &* 0x13C6_EF37_2FE9_4F83) & mask
        x ^= x >> 27
        return x
    }

    /// True for a value a stored row may carry as its version: `1...maximum`.
    @inlinable
    public static func isValid(_ version: Int64) -> Bool {
        version > 0 && version <= maximum
    }
}
