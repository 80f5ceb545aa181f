import Foundation
import OptimisticLock
import TestModels
import Testing

@testable import OptimisticLockPostgres

/// `Decimal` fields: stored exactly (canonical text on SQLite, `numeric` on PostgreSQL), compared as
/// numbers, and never rounded or coerced on the way back.
@Suite("Decimal")
struct DecimalTests {
    static func sample(_ decimal: Decimal, optional: Decimal? = nil) -> Sample {
        Sample(
            id: UUID(), data: Data(), date: Date(timeIntervalSince1970: 0), uuid: UUID(), decimal: decimal,
            optionalDecimal: optional)
    }

    static func decimal(_ text: String) -> Decimal { DecimalText.parse(text)! }

    static let extremes: [Decimal] = [
        0, 1, -1, decimal("0.1"), decimal("-0.001"), decimal("12.5"),
        decimal("12345678901234567890123456789012345678"), decimal("-0.12345678901234567890123456789012345678"),
        decimal("99999999999999999999.999999999999999999"), Decimal(sign: .plus, exponent: 100, significand: 7),
        Decimal(sign: .minus, exponent: -100, significand: 3), .greatestFiniteMagnitude, .leastNonzeroMagnitude,
    ]

    @Test("Every value round-trips exactly, required and optional; the schema's default is 12.5", arguments: Backend.available)
    func roundTrips(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        for value in Self.extremes {
            var sample = Self.sample(value, optional: -value)
            try sample.insert(db)
            let stored = try #require(try Sample.find(db, id: sample.id))
            #expect(stored.decimal == value, "\(value)")
            #expect(stored.optionalDecimal == -value, "\(value)")
            #expect(stored == sample)
        }
        var plain = Sample(id: UUID(), data: Data(), date: Date(), uuid: UUID())
        #expect(plain.decimal == Self.decimal("12.5") && plain.optionalDecimal == nil)
        try plain.insert(db)
        #expect(try Sample.find(db, id: plain.id)?.optionalDecimal == nil)
    }

    @Test("The table's default is the exact decimal, in the backend's form", arguments: Backend.available)
    func tableDefault(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var sample = Self.sample(1)
        try sample.insert(db)
        // A row inserted without the column: the new row's key is the first row's `uuid`.
        try Fixture.execute(
            db,
            #"INSERT INTO "sample" ("id", "version", "data", "date", "uuid") SELECT "uuid", 7, "data", "date", "uuid" FROM "sample""#
        )
        #expect(try Sample.find(db, id: sample.uuid)?.decimal == Self.decimal("12.5"))
        let stored = try Fixture.column(db, #"SELECT "decimal" FROM "sample" WHERE "version" = 7"#)
        #expect(stored == .text("12.5"), "SQLite keeps the canonical text; PostgreSQL's numeric reads as its text")
    }

    @Test("Equality finds by exact value; <, BETWEEN and ORDER BY compare numbers, not text", arguments: Backend.available)
    func comparisons(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        for text in ["9", "10", "100.5", "-2", "9.50"] {
            var sample = Self.sample(Self.decimal(text))
            try sample.insert(db)
        }
        let ascending = try Sample.fetchAll(db, orderBy: [.ascending(.decimal)]).map(\.decimal)
        #expect(ascending == ["-2", "9", "9.5", "10", "100.5"].map(Self.decimal))
        let greater = try Sample.fetchAll(db, where: .greater(.decimal, Self.decimal("9.5")), orderBy: [.descending(.decimal)])
        #expect(greater.map(\.decimal) == ["100.5", "10"].map(Self.decimal))
        #expect(try Sample.count(db, where: .between(.decimal, Decimal(9), Decimal(10))) == 3)
        #expect(try Sample.count(db, where: .equal(.decimal, Self.decimal("9.500"))) == 1)
        #expect(try Sample.count(db, where: .isIn(.decimal, [Decimal(10), Decimal(-2)])) == 2)
    }

    @Test("NaN cannot be stored: an .invalidValue error and nothing written", arguments: Backend.available)
    func notANumber(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var sample = Self.sample(.nan)
        let error = #expect(throws: DatabaseError.self) { try sample.insert(db) }
        #expect(error?.kind == .invalidValue)
        var optional = Self.sample(1, optional: .nan)
        #expect(throws: DatabaseError.self) { try optional.insert(db) }
        #expect(try Sample.count(db) == 0)
        #expect(sample.version == 0)
    }

    @Test("Stored values that are not an exact Decimal are errors, never rounded or truncated", arguments: Backend.available)
    func strictReads(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var sample = Self.sample(1)
        try sample.insert(db)
        let bad =
            switch backend {
            case .sqlite: ["'12abc'", "'1e5'", "' 1'", "''", "'1.2.3'", "x'01'", "'340282366920938463463374607431768211456'"]
            case .postgres: ["'NaN'", "'Infinity'", "340282366920938463463374607431768211456.5"]
            }
        for literal in bad {
            try Fixture.execute(db, #"UPDATE "sample" SET "decimal" = "# + literal)
            let error = #expect(throws: DatabaseError.self, "\(literal)") { try Sample.find(db, id: sample.id) }
            #expect(error?.kind == .invalidStoredValue, "\(literal)")
            #expect(error?.table == "sample" && error?.column == "decimal", "where it was read is kept in fields")
            #expect(error?.primaryKey?.lowercased() == sample.id.uuidString.lowercased(), "\(error?.primaryKey ?? "nil")")
            #expect(error?.message.contains("decimal") == true, "\(error?.message ?? "")")
        }
    }

    @Test("Rows of your own SQL decode decimals with the same rules", arguments: Backend.available)
    func rows(backend: Backend) throws {
        let database = TestDatabase(backend)
        let db = try database.connectWithSchema()
        var sample = Self.sample(Self.decimal("-0.125"), optional: nil)
        try sample.insert(db)
        let row = try #require(try db.query(#"SELECT "decimal", "optional_decimal", "int64" FROM "sample""#, []).first)
        #expect(try row.decode(Decimal.self, "decimal") == Self.decimal("-0.125"))
        #expect(try row.decode(Decimal?.self, "optional_decimal") == nil)
        #expect(try row.decode(Decimal.self, "int64") == 0, "an integer is an exact decimal")
        #expect(throws: DatabaseError.self) { try row.decode(Decimal.self, "optional_decimal") }
        #expect(throws: DatabaseError.self) { try Row(columns: ["x"], values: [.real(0.1)]).decode(Decimal.self, "x") }
    }

    @Test("DecimalText: canonical text, and a parser that accepts only exact decimal notation")
    func text() {
        #expect(DecimalText.text(Self.decimal("0012.5000")) == "12.5")
        #expect(DecimalText.text(Self.decimal("-0.0")) == "0")
        #expect(DecimalText.text(.nan) == nil)
        for good in [
            "0", "-0", "+1", "007", "1.50", "0.001", "12345678901234567890123456789012345678",
            "340282366920938463463374607431768211455",
        ] {
            #expect(DecimalText.parse(good) != nil, "\(good)")
        }
        for bad in [
            "", "-", ".5", "5.", "1e5", " 1", "1 ", "1,5", "NaN", "0x10", "1.2.3", "١٢",
            "340282366920938463463374607431768211456", "3402823669209384634633746074317682114551",
        ] {
            #expect(DecimalText.parse(bad) == nil, "\(bad)")
        }
        #expect(DecimalText.parse("1000000000000000000000000000000000000000") != nil, "trailing zeros are an exponent")
    }
}

/// Hostile or unusual bytes and text never crash a read and never pass for another value.
@Suite("Decimal: hostile storage")
struct DecimalHostileStorageTests {
    @Test("Binary numeric with a digit over 9999 or a wrapped digit count is malformed, not a crash")
    func malformedNumeric() {
        // Two digits, the second 12345 (base-10000 digits stop at 9999).
        let overDigit: [UInt8] = [0, 2, 0, 1, 0, 0, 0, 0, 0, 1, 0x30, 0x39]
        #expect(overDigit.withUnsafeBytes { NumericText.decode($0) } == nil)
        let negativeDigit: [UInt8] = [0, 1, 0, 0, 0, 0, 0, 0, 0x80, 0]
        #expect(negativeDigit.withUnsafeBytes { NumericText.decode($0) } == nil)
        // 40,000 base-10000 digits of 9999 (a count PostgreSQL sends as 16 unsigned bits): 32,768
        // before the point (weight 32,767), 7,232 after it (scale 28,928).
        var large: [UInt8] = [0x9C, 0x40, 0x7F, 0xFF, 0, 0, 0x71, 0x00]
        for _ in 0..<40_000 { large += [0x27, 0x0F] }
        let text = large.withUnsafeBytes { NumericText.decode($0) }
        #expect(text == String(repeating: "9", count: 131_072) + "." + String(repeating: "9", count: 28_928))
    }

    @Test("PostgreSQL: a numeric of 131,072 digits is a value for Row and an error for a Decimal")
    func hugeNumeric() throws {
        guard Backend.available.contains(.postgres) else { return }
        let database = TestDatabase(.postgres)
        let db = try database.connect()
        let row = try #require(try db.query("SELECT repeat('9', 131072)::numeric AS n", []).first)
        #expect(row["n"] == .text(String(repeating: "9", count: 131_072)))
        #expect(throws: DatabaseError.self) { try row.decode(Decimal.self, "n") }
    }

    @Test("SQLite: decimal text that is not canonical is refused, since equality compares the text")
    func nonCanonicalText() throws {
        let database = TestDatabase(.sqlite)
        let db = try database.connectWithSchema()
        var sample = DecimalTests.sample(DecimalTests.decimal("0.1"))
        try sample.insert(db)
        for literal in ["'0.10'", "'+1'", "'0001'", "'1.50'", "'-0'", "'00.5'"] {
            try Fixture.execute(db, #"UPDATE "sample" SET "decimal" = "# + literal)
            let error = #expect(throws: DatabaseError.self, "\(literal)") { try Sample.find(db, id: sample.id) }
            #expect(error?.kind == .invalidStoredValue)
            #expect(error?.message.contains("canonical") == true, "\(error?.message ?? "")")
        }
        try Fixture.execute(db, #"UPDATE "sample" SET "decimal" = '0.1'"#)
        #expect(try Sample.count(db, where: .equal(.decimal, DecimalTests.decimal("0.10"))) == 1)
    }
}
