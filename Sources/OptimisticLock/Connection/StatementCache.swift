/// The prepared statements of one connection: those of static SQL found by the address of the text,
/// those of SQL given as a `String` by the text itself.
///
/// Generated code asks for the same few static statements millions of times, so that lookup is the
/// hot path: an open-addressing table keyed by pointer, with a multiplicative hash and linear probing,
/// kept in manually allocated memory (no hashing of the SQL, no copy-on-write checks). Statements
/// are retained while they are in the cache.
package final class StatementCache<Statement: AnyObject> {
    private struct Table {
        var keys: UnsafeMutablePointer<UnsafeRawPointer?>
        var values: UnsafeMutablePointer<Unmanaged<Statement>?>
        var mask: Int
        var count: Int
    }

    private let table: UnsafeMutablePointer<Table>
    private var textStatements: [ExactText: Statement] = [:]
    /// How many runtime-spelled statements the table holds.
    private var spelledCount = 0

    /// The most statements kept for SQL given as text; past it that part of the cache starts over.
    private static var textLimit: Int { 512 }

    /// Creates an empty cache.
    package init() {
        table = .allocate(capacity: 1)
        table.initialize(to: Self.makeTable(capacity: 64))
    }

    deinit {
        removeAll()
        table.pointee.keys.deallocate()
        table.pointee.values.deallocate()
        table.deinitialize(count: 1)
        table.deallocate()
    }

    private static func makeTable(capacity: Int) -> Table {
        let keys = UnsafeMutablePointer<UnsafeRawPointer?>.allocate(capacity: capacity)
        keys.initialize(repeating: nil, count: capacity)
        let values = UnsafeMutablePointer<Unmanaged<Statement>?>.allocate(capacity: capacity)
        values.initialize(repeating: nil, count: capacity)
        return Table(keys: keys, values: values, mask: capacity - 1, count: 0)
    }

    @inline(__always)
    private static func slot(_ key: UnsafeRawPointer, _ mask: Int) -> Int {
        let bits = UInt(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: bits >> 32) & mask
    }

    /// The statement for static SQL: the cached one, or the one `prepare` makes (then cached).
    /// `prepare` receives the SQL's UTF-8 bytes.
    @inline(__always)
    package func statement(
        _ text: StaticString, orPrepare prepare: (UnsafeBufferPointer<UInt8>) throws -> Statement
    ) rethrows -> Statement {
        guard text.hasPointerRepresentation else {
            return try statement(text.description) { sql in
                var sql = sql
                return try sql.withUTF8(prepare)
            }
        }
        let key = UnsafeRawPointer(text.utf8Start)
        if let cached = statement(for: key) { return cached }
        let prepared = try prepare(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        insert(prepared, for: key)
        return prepared
    }

    /// The statement for a statement's spelling in `dialect`: a static spelling by its address, a
    /// runtime one by its storage's address (never freed, so the address is never another
    /// statement's).
    @inline(__always)
    package func statement(
        _ statement: SQLStatement, dialect: SQLDialect,
        orPrepare prepare: (UnsafeBufferPointer<UInt8>) throws -> Statement
    ) rethrows -> Statement {
        switch statement.storage {
        case .literal(let sqlite, let postgres):
            return try self.statement(dialect.choose(sqlite: sqlite, postgres: postgres), orPrepare: prepare)
        case .spelled(let box):
            let key = UnsafeRawPointer(box.toOpaque())
            if let cached = self.statement(for: key) { return cached }
            // Spelled statements belong in `static let`s; a program that spells one per request
            // would keep a prepared statement for each: past the limit the cache starts over, as
            // for text.
            if spelledCount >= Self.textLimit { removeAll() }
            let spelling = box.takeUnretainedValue()
            var text = dialect.choose(sqlite: spelling.sqlite, postgres: spelling.postgres)
            let prepared = try text.withUTF8(prepare)
            insert(prepared, for: key)
            spelledCount += 1
            return prepared
        }
    }

    /// The statement for SQL text: the cached one, or the one `prepare` makes (then cached).
    package func statement(_ sql: String, orPrepare prepare: (String) throws -> Statement) rethrows -> Statement {
        let key = ExactText(sql)
        if let cached = textStatements[key] { return cached }
        let prepared = try prepare(sql)
        if textStatements.count >= Self.textLimit { textStatements.removeAll() }
        textStatements[key] = prepared
        return prepared
    }

    /// The statement stored for `key`, or nil.
    @inline(__always)
    package func statement(for key: UnsafeRawPointer) -> Statement? {
        let current = table.pointee
        var index = Self.slot(key, current.mask)
        while let stored = current.keys[index] {
            if stored == key { return current.values[index]?.takeUnretainedValue() }
            index = (index + 1) & current.mask
        }
        return nil
    }

    /// Stores `statement` for `key` (a key is stored once).
    package func insert(_ statement: Statement, for key: UnsafeRawPointer) {
        if (table.pointee.count + 1) * 2 > table.pointee.mask + 1 { grow() }
        let current = table.pointee
        var index = Self.slot(key, current.mask)
        while let stored = current.keys[index] {
            if stored == key { return }
            index = (index + 1) & current.mask
        }
        current.keys[index] = key
        current.values[index] = .passRetained(statement)
        table.pointee.count += 1
    }

    private func grow() {
        let old = table.pointee
        var bigger = Self.makeTable(capacity: (old.mask + 1) * 2)
        for index in 0...old.mask {
            guard let key = old.keys[index] else { continue }
            var slot = Self.slot(key, bigger.mask)
            while bigger.keys[slot] != nil { slot = (slot + 1) & bigger.mask }
            bigger.keys[slot] = key
            bigger.values[slot] = old.values[index]
            bigger.count += 1
        }
        old.keys.deallocate()
        old.values.deallocate()
        table.pointee = bigger
    }

    /// Releases every statement.
    package func removeAll() {
        textStatements.removeAll()
        spelledCount = 0
        let current = table.pointee
        for index in 0...current.mask {
            current.values[index]?.release()
            current.values[index] = nil
            current.keys[index] = nil
        }
        table.pointee.count = 0
    }
}

/// SQL text as a dictionary key compared byte for byte. `String`'s own equality is canonical
/// equivalence (`"é"` equals `"e\u{301}"`), but the database compares bytes: two such texts are
/// two statements, and must never share a prepared one.
struct ExactText: Hashable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (lhs: ExactText, rhs: ExactText) -> Bool {
        lhs.text.utf8.elementsEqual(rhs.text.utf8)
    }

    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
