import Testing

@_spi(Testing) @testable import OptimisticLock

/// Version tokens never repeat within a generator and cannot be guessed from the ones a client has
/// seen: a client that never read a record cannot name its version (so cannot delete it with
/// `delete(db, id:, version:)`).
@Suite("Version tokens")
struct VersionTokenTests {
    /// The inverse of `VersionGenerator.permute`, written from the round structure: undoing the
    /// rounds from the last.
    static func invert(_ token: UInt64, keys: UnsafeMutablePointer<UInt64>) -> UInt64 {
        var left = token >> 27
        var right = token & ((1 << 27) - 1)
        // After an even number of rounds the halves are 26 and 27 bits wide again; the last round
        // produced a right half of 27 bits from a left of 27.
        var leftBits: UInt64 = VersionGenerator.rounds % 2 == 0 ? 27 : 26
        for round in (0..<VersionGenerator.rounds).reversed() {
            let mixed = VersionGenerator.mix(left ^ keys[round]) & ((1 << leftBits) - 1)
            (left, right) = (right ^ mixed, left)
            leftBits = 53 - leftBits
        }
        return left << 27 | right
    }

    @Test("The permutation is a bijection of the 53-bit space: every token maps back to its counter")
    func bijection() {
        let generator = VersionGenerator()
        var random = SystemRandomNumberGenerator()
        for _ in 0..<200_000 {
            let counter = random.next() & VersionGenerator.mask
            let token = VersionGenerator.permute(counter, keys: generator.state + 2)
            #expect(token <= VersionGenerator.mask)
            if Self.invert(token, keys: generator.state + 2) != counter {
                Issue.record("\(counter) -> \(token) does not map back")
                return
            }
        }
    }

    @Test("A generator's tokens never repeat and stay within 1...2^53 - 1; a seed replays them")
    func neverRepeat() {
        let generator = VersionGenerator()
        var seen = Set<Int64>(minimumCapacity: 1_000_000)
        for _ in 0..<1_000_000 {
            let token = generator.next()
            #expect(VersionGenerator.isValid(token))
            if !seen.insert(token).inserted {
                Issue.record("token \(token) issued twice")
                return
            }
        }
        let first = VersionGenerator(counter: 7, key: 42)
        let second = VersionGenerator(counter: 7, key: 42)
        #expect((0..<1_000).map { _ in first.next() } == (0..<1_000).map { _ in second.next() })
    }

    @Test("Tokens seen do not tell the next one: simple guesses never hit, no bit follows the last token's")
    func unpredictable() {
        // Guesses a client could make from the tokens it has seen (the previous design's tokens
        // fell to the first: from one token, the next was the first guess in half the runs).
        var hits = 0
        var near = 0
        var pairs = 0
        var sameBit = [Int](repeating: 0, count: 53)
        for _ in 0..<200 {
            let generator = VersionGenerator()
            var older = generator.next()
            var last = generator.next()
            for _ in 0..<1_000 {
                let next = generator.next()
                let step = last &- older
                let guesses = [last &+ 1, last &- 1, last &+ step, last ^ (last ^ older), last &+ (last ^ older)]
                if guesses.contains(next) { hits += 1 }
                if abs((last &+ step) &- next) <= 1 << 20 { near += 1 }
                for bit in 0..<53 where (next >> bit) & 1 == (last >> bit) & 1 { sameBit[bit] += 1 }
                pairs += 1
                (older, last) = (last, next)
            }
        }
        #expect(hits == 0, "\(hits) of \(pairs) next tokens guessed")
        // Within 2^20 of the extrapolated token by chance: 2^21 / 2^53 per guess.
        #expect(near == 0, "\(near) of \(pairs) next tokens near the extrapolated one")
        // Each bit equals the previous token's with probability 1/2: 6 standard deviations.
        let deviation = 6 * Double(pairs).squareRoot() / 2
        for (bit, count) in sameBit.enumerated() {
            #expect(abs(Double(count) - Double(pairs) / 2) < deviation, "bit \(bit): \(count) of \(pairs) equal")
        }
    }

    @Test("A table learned from a million of a generator's tokens predicts its next ones no better than chance")
    func learnedPredictor() {
        // The low byte of the next token, predicted from the low byte of the last one by the
        // commonest successor seen in training: chance is 1 in 256.
        let generator = VersionGenerator()
        var counts = [[Int]](repeating: [Int](repeating: 0, count: 256), count: 256)
        var last = generator.next()
        for _ in 0..<1_000_000 {
            let next = generator.next()
            counts[Int(last & 0xFF)][Int(next & 0xFF)] += 1
            last = next
        }
        let predict = counts.map { row in row.indices.max { row[$0] < row[$1] }! }
        var hits = 0
        let trials = 200_000
        for _ in 0..<trials {
            let next = generator.next()
            if predict[Int(last & 0xFF)] == Int(next & 0xFF) { hits += 1 }
            last = next
        }
        let expected = Double(trials) / 256
        let deviation = (Double(trials) * (1.0 / 256) * (255.0 / 256)).squareRoot()
        #expect(Double(hits) < expected + 6 * deviation, "\(hits) of \(trials) low bytes predicted (chance: \(Int(expected)))")

        // Keys one bit apart give unrelated tokens.
        let one = VersionGenerator(counter: 1, key: 0x1234)
        let other = VersionGenerator(counter: 1, key: 0x1235)
        var equalBits = 0
        for _ in 0..<10_000 { equalBits += 53 - ((one.next() ^ other.next()).nonzeroBitCount) }
        let bits = 10_000.0 * 53
        #expect(abs(Double(equalBits) - bits / 2) < 6 * bits.squareRoot() / 2, "\(equalBits) of \(Int(bits)) bits equal")
    }

    // MARK: The reported attack

    /// The previous design's token: a public bijection of `counter ^ key` (kept here as the control
    /// that shows the attack below works).
    static func previousToken(_ counter: UInt64, key: UInt64) -> UInt64 {
        let mask = VersionGenerator.mask
        var x = (counter ^ key) & mask
        x = (x &* 0x1FE6_A2B5_6F0D_BD55) & mask
        x ^= x >> 29
        x = (x &* 0x0F1B_B6D8_8E6A_7B3D) & mask
        x ^= x >> 26
        x = (x &* 0x13C6_EF37_2FE9_4F83) & mask
        x ^= x >> 27
        return x
    }

    /// The inverse of an odd number modulo 2^53 (Newton's iteration).
    static func inverse(_ odd: UInt64) -> UInt64 {
        var inverse = odd
        for _ in 0..<6 { inverse = inverse &* (2 &- odd &* inverse) }
        return inverse & VersionGenerator.mask
    }

    /// The attack the review found: undo the public rounds of a token to get `counter ^ key`, flip
    /// the low bit (the next counter's, whenever the counter is even) and apply the rounds again.
    static func guessNext(_ token: UInt64) -> UInt64 {
        let mask = VersionGenerator.mask
        var x = token
        x ^= x >> 27
        x = (x &* inverse(0x13C6_EF37_2FE9_4F83)) & mask
        x ^= (x >> 26) ^ (x >> 52)
        x = (x &* inverse(0x0F1B_B6D8_8E6A_7B3D)) & mask
        x ^= x >> 29
        x = (x &* inverse(0x1FE6_A2B5_6F0D_BD55)) & mask
        return previousToken(x ^ 1, key: 0)
    }

    @Test("The reported attack: it guesses half of the previous design's next tokens and none of the generator's")
    func reportedAttack() {
        var random = SystemRandomNumberGenerator()
        var previousHits = 0
        var hits = 0
        let runs = 2_000
        for _ in 0..<runs {
            let counter = random.next() & VersionGenerator.mask
            let key = random.next()
            let token = Self.previousToken(counter, key: key)
            if Self.guessNext(token) == Self.previousToken(counter &+ 1, key: key) { previousHits += 1 }

            let generator = VersionGenerator()
            let seen = generator.next()
            if Int64(bitPattern: Self.guessNext(UInt64(seen))) == generator.next() { hits += 1 }
        }
        #expect(previousHits > runs / 3, "the control: the attack should break the previous design (\(previousHits) of \(runs))")
        #expect(hits == 0, "\(hits) of \(runs) next tokens guessed")
    }
}
