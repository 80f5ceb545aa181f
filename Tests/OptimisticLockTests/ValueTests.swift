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
            optionalBool: false, optionalString: "", optionalData: Data([0, 255, 0]), optionalDate: Date(timeIntervalSince1970: -1.5),
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
            var sample = Sample(id: UUID(), string: text, data: Data(text.utf8), date: Date(), uuid: UUID(),
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
        #expect(error?.kind == .invalidValue)
        #expect(try Sample.count(db) == 1, "the statement was reset and the connection still works")
    }
}
