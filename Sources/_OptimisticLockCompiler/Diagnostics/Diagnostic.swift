/// How serious a diagnostic is; the word printed after the location.
public enum Severity: String, Sendable, Comparable {
    case error
    case warning
    case note

    private var rank: Int {
        switch self {
        case .error: 0
        case .warning: 1
        case .note: 2
        }
    }

    /// Errors sort before warnings before notes.
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// A message about a place in a schema file, with notes that belong to it.
public struct Diagnostic: Sendable {
    /// Error, warning or note.
    public var severity: Severity
    /// What is wrong, in one sentence without a trailing period.
    public var message: String
    /// Where it is.
    public var range: SourceRange
    /// Follow-up notes (a fix, the first declaration of a duplicate), printed right after this diagnostic.
    public var notes: [Diagnostic]

    /// Creates a diagnostic.
    public init(_ severity: Severity, _ message: String, at range: SourceRange, notes: [Diagnostic] = []) {
        self.severity = severity
        self.message = message
        self.range = range
        self.notes = notes
    }
}

/// Collects the diagnostics of one compilation and renders them.
public struct DiagnosticEngine: Sendable {
    /// Every diagnostic reported so far, in report order.
    public private(set) var diagnostics: [Diagnostic] = []

    /// Creates an empty engine.
    public init() {}

    /// True when at least one error was reported.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Reports a diagnostic.
    public mutating func report(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
    }

    /// Reports an error, with optional notes.
    public mutating func error(_ message: String, at range: SourceRange, notes: [Diagnostic] = []) {
        report(Diagnostic(.error, message, at: range, notes: notes))
    }

    /// The diagnostics sorted by file (in the order given), then position; notes stay after their diagnostic.
    public func sorted(files: [SourceFile]) -> [Diagnostic] {
        let order = files.indices.sorted { files[$0].path < files[$1].path }
        var rank = [Int](repeating: 0, count: files.count)
        for (position, index) in order.enumerated() {
            rank[index] = position
        }
        return diagnostics.enumerated().sorted { a, b in
            let ra = a.element.range
            let rb = b.element.range
            if rank[ra.file] != rank[rb.file] { return rank[ra.file] < rank[rb.file] }
            if ra.start != rb.start { return ra.start < rb.start }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// Renders every diagnostic as `path:line:column: severity: message`, one per line, sorted.
    public func render(files: [SourceFile]) -> String {
        var out = ""
        for diagnostic in sorted(files: files) {
            out += Self.render(diagnostic, files: files)
            for note in diagnostic.notes {
                out += Self.render(note, files: files)
            }
        }
        return out
    }

    private static func render(_ diagnostic: Diagnostic, files: [SourceFile]) -> String {
        let file = files[diagnostic.range.file]
        let (line, column) = file.location(of: diagnostic.range.start)
        return "\(file.path):\(line):\(column): \(diagnostic.severity.rawValue): \(diagnostic.message)\n"
    }
}
