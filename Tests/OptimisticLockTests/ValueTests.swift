import Foundation
import OptimisticLock
import TestModels
import Testing

/// Every schema type stores and reads back exactly (dates to the microsecond).
@Suite("Values")
struct ValueTests {
    static let awkwardStrings = [
        "", "'", "\"", "''; DROP TABLE \"sample\"; --", "a\0b", "\0", "tab\there\nnewline", "Grüße, 世界, 🚀🇫🇷",
        String(repeating: "x", count: 100_000), "\u{FEFF}BOM", "ends with backslash \\",
    ]

    @Test("Extreme and awkward values round-trip", arguments: Backend.available)
    func extremes(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let date = Date(timeIntervalSince1970: 1_767_225_599.123456)
        var sample = Sample(
            id: UUID(), int64: .min, int32: .max, int: .max, double: -0.1, bool: true,
            string: backend.keepsNUL ? "'\0\"" : "'\"",
            data: Data(), date: date, uuid: UUID(), status: .archived,
            optionalInt64: .max, optionalInt32: .min, optionalInt: .min, optionalDouble: .greatestFiniteMagnitude,
            optionalBool: false, optionalString: "", optionalData: Data([0, 255, 0]),
            optionalDate: Date(timeIntervalSince1970: -1.5),
            optionalUUID: UUID(), optionalStatus: .published
        )
        try sample.insert(db)
        let stored = try #require(try Sample.find(db, id: sample.id))
        #expect(stored == sample)
        #expect(stored.optionalString == "", "an empty string is not NULL")
        #expect(stored.data == Data(), "empty bytes are not NULL")
        #expect(stored.optionalData != nil)
    }

    @Test("NULLs round-trip as nil", arguments: Backend.available)
    func nulls(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var sample = Sample(id: UUID(), data: Data([1]), date: Date(timeIntervalSince1970: 0), uuid: UUID())
        try sample.insert(db)
        let stored = try #require(try Sample.find(db, id: sample.id))
        #expect(stored == sample)
        #expect(stored.optionalInt64 == nil && stored.optionalString == nil && stored.optionalData == nil)
        #expect(stored.optionalDate == nil && stored.optionalUUID == nil && stored.optionalStatus == nil)
        #expect(stored.optionalBool == nil && stored.optionalDouble == nil && stored.optionalInt == nil)
        #expect(try Fixture.column(db, #"SELECT COUNT(*) FROM "sample" WHERE "optional_string" IS NULL"#) == .integer(1))
    }

    @Test("Strings with quotes, NUL and any Unicode round-trip unchanged", arguments: Backend.available)
    func strings(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let strings = Self.awkwardStrings.filter { backend.keepsNUL || !$0.contains("\0") }
        for text in strings {
            var sample = Sample(
                id: UUID(), string: text, data: Data(text.utf8), date: Date(), uuid: UUID(),
                optionalString: text)
            try sample.insert(db)
            let stored = try #require(try Sample.find(db, id: sample.id))
            #expect(stored.string == text)
            #expect(stored.optionalString == text)
            #expect(stored.data == Data(text.utf8))
        }
        #expect(try Sample.count(db) == strings.count)
    }

    @Test("Dates keep the microsecond; they read back as integer microseconds since 1970", arguments: Backend.available)
    func dates(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        let dates = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_700_000_000.000001),
            Date(timeIntervalSince1970: -86_400.999999), Date(timeIntervalSinceReferenceDate: 0.5),
            Date(timeIntervalSince1970: 4_102_444_800.654321),
        ]
        for date in dates {
            var sample = Sample(id: UUID(), data: Data(), date: date, uuid: UUID())
            try sample.insert(db)
            let stored = try #require(try Sample.find(db, id: sample.id))
            let expectedMicros = (date.timeIntervalSince1970 * 1_000_000).rounded()
            #expect(abs(stored.date.timeIntervalSince1970 * 1_000_000 - expectedMicros) < 0.5)
        }
        var epoch = Sample(id: UUID(), int64: 424_242, data: Data(), date: Date(timeIntervalSince1970: 1.000001), uuid: UUID())
        try epoch.insert(db)
        #expect(try Fixture.column(db, #"SELECT "date" FROM "sample" WHERE "int64" = ?"#, [424_242]) == .integer(1_000_001))
    }

    @Test("A stored value that is not an enum case is a DatabaseError, not a crash", arguments: Backend.available)
    func invalidEnum(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var sample = Sample(id: UUID(), data: Data(), date: Date(), uuid: UUID())
        try sample.insert(db)
        try Fixture.execute(db, #"UPDATE "sample" SET "status" = 'deleted'"#)
        let error = #expect(throws: DatabaseError.self) { try Sample.fetchAll(db) }
        #expect(error?.kind == .invalidStoredValue)
        #expect(try Sample.count(db) == 1, "the statement was reset and the connection still works")
    }
}

@Suite("UTF-8 validation")
struct UTF8ValidationTests {
    @Test("UTF8Text agrees with the standard library on edge cases and 200,000 random byte strings")
    func agreesWithStandardLibrary() {
        var random = SeededGenerator(state: 42)
        var inputs: [[UInt8]] = [
            [], [0], [0x7F], [0x80], [0xC0, 0x80], [0xC1, 0xBF], [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0x9F, 0x80],
            [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF],
            [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
            [0xFF], [0xF0, 0x9F, 0x98, 0x41], Array("héllo wörld, 世界 🚀".utf8), Array(repeating: 0x41, count: 17) + [0xC3],
        ]
        for _ in 0..<200_000 {
            let length = Int.random(in: 0...24, using: &random)
            let alphabet: [UInt8] = [
                0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0,
                0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF,
            ]
            inputs.append(
                (0..<length).map { _ in
                    Bool.random(using: &random)
                        ? UInt8.random(in: 0...255, using: &random) : alphabet.randomElement(using: &random)!
                })
        }
        for bytes in inputs {
            let expected = String(validating: bytes, as: UTF8.self)
            let actual = bytes.withUnsafeBufferPointer { UTF8Text.validated($0) }
            #expect(actual == expected, "\(bytes)")
        }
    }
}
