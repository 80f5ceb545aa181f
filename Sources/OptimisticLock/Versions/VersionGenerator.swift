import Synchronization

/// Issues version tokens: non-zero, within `1...VersionGenerator.maximum` (`Number.MAX_SAFE_INTEGER`,
/// so a JavaScript client's `JSON.parse` keeps them exact), never the same twice from one generator,
/// and unpredictable: any number of a generator's tokens tell nothing of its next one.
///
/// Why tokens and not counters: a counter hands out `n + 1` again after a rolled-back transaction, a
/// failed commit, a rolled-back insert or a deleted and re-created row, and then a stale copy that
/// carries that number matches the row and overwrites it. A token that was never issued before
/// cannot match anything a stale copy holds.
///
/// How: every connection owns a generator keyed from the system's cryptographically secure random
/// source (`SystemRandomNumberGenerator`: `getrandom` on Linux, `arc4random` on Apple platforms). A
/// token is a keyed pseudorandom permutation of the 53-bit space — a 4-round unbalanced Feistel
/// network (halves of 26 and 27 bits) whose round function hashes its half with a 64-bit secret
/// round key through a multiply–xorshift mixer with full avalanche — applied to a counter that
/// starts at a random point and steps by a random odd amount. Hence:
/// - one generator never repeats a token until it has issued 2^53 of them (never, in practice): an
///   odd step visits every counter value once per 2^53 steps, and a permutation maps distinct
///   counters to distinct tokens;
/// - each token of a generator, on its own, is uniformly distributed over the 2^53 values, so the
///   chance that a write of one connection issues the very token a stale record of another
///   connection still holds is 2^-53 per write (about 1.1 × 10^-16: a server doing a million
///   writes a second for a year stays below 1 in 280);
/// - knowing tokens does not tell the next one: that takes the 320 bits of key (round keys, start
///   and step), which never leave the process. (The permutation is built for speed, a few
///   nanoseconds, not vetted as a cipher; no attack the tests try does better than chance.)
///
/// Tokens are not secrets — a client that can read a row can read its version — but a client that
/// has not read a record cannot name its version: `delete(db, id:, version:)` with a guessed
/// version conflicts. A process that forks after opening a connection must not use that
/// connection (or its generator) in both processes.
public final class VersionGenerator {
    /// The largest version: 2^53 − 1, JavaScript's `Number.MAX_SAFE_INTEGER`.
    public static let maximum: Int64 = (1 << 53) - 1

    @usableFromInline static let mask: UInt64 = (1 << 53) - 1

    /// The number of Feistel rounds (even: the halves end where they began).
    @usableFromInline static let rounds = 4

    /// The counter's step and the round keys (`state[0]` is unused), in memory of their own so
    /// that issuing a token needs no exclusivity check.
    @usableFromInline let state: UnsafeMutablePointer<UInt64>
    /// The counter, advanced atomically: a connection misused from two threads at once still
    /// never issues one token twice (each call takes a counter value of its own).
    @usableFromInline let counter: Atomic<UInt64>

    /// A generator keyed from the system's secure random source.
    public init() {
        state = .allocate(capacity: 2 + Self.rounds)
        var random = SystemRandomNumberGenerator()
        for index in 0..<(2 + Self.rounds) { state[index] = random.next() }
        state[1] |= 1
        counter = Atomic(random.next())
    }

    /// A generator with a given seed, for tests that need to replay (or to provoke) a sequence:
    /// two generators with the same seed issue the same tokens.
    @_spi(Testing)
    public convenience init(counter: UInt64, key: UInt64) {
        self.init()
        reseed(counter: counter, key: key)
    }

    deinit {
        state.deallocate()
    }

    /// Starts the generator over from a seed, so that tests can make connections issue the same
    /// tokens and show that the checks notice. Never call it in an application.
    @_spi(Testing)
    public func reseed(counter: UInt64, key: UInt64) {
        // The step and round keys are expanded from `key` (SplitMix64), so that a seed is two numbers.
        var expanding = key
        func next() -> UInt64 {
            expanding &+= 0x9E37_79B9_7F4A_7C15
            var z = expanding
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        self.counter.store(counter, ordering: .relaxed)
        state[1] = next() | 1
        for round in 0..<Self.rounds { state[2 + round] = next() }
    }

    /// A new token in `1...maximum`.
    @inlinable
    public func next() -> Int64 {
        while true {
            let counter = counter.wrappingAdd(state[1], ordering: .relaxed).newValue & Self.mask
            let token = Self.permute(counter, keys: state + 2)
            if _fastPath(token != 0) { return Int64(bitPattern: token) }
        }
    }

    /// The keyed permutation of `0..<2^53`: Feistel rounds over a 26-bit and a 27-bit half, which
    /// swap widths every round.
    @inlinable @inline(__always)
    static func permute(_ value: UInt64, keys: UnsafeMutablePointer<UInt64>) -> UInt64 {
        var left = value >> 27
        var right = value & ((1 << 27) - 1)
        var leftBits: UInt64 = 26
        for round in 0..<rounds {
            let mixed = mix(right ^ keys[round]) & ((1 << leftBits) - 1)
            (left, right) = (right, left ^ mixed)
            leftBits = 53 - leftBits
        }
        return left << 27 | right
    }

    /// A 64-bit mixer with full avalanche (every input bit flips each output bit with probability
    /// about 1/2): two rounds of xorshift and odd multiplication.
    @inlinable @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 32)) &* 0xD6E8_FEB8_6659_FD93
        z = (z ^ (z >> 32)) &* 0xD6E8_FEB8_6659_FD93
        return z ^ (z >> 32)
    }

    /// True for a value a stored row may carry as its version: `1...maximum`.
    @inlinable
    public static func isValid(_ version: Int64) -> Bool {
        version > 0 && version <= maximum
    }
}
