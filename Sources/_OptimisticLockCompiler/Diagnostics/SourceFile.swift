/// One schema file as bytes, with the table that turns byte offsets into line and column numbers.
public struct SourceFile: Sendable {
    /// The path as it is printed in diagnostics (as given on the command line).
    public let path: String
    /// The file's raw bytes.
    public let bytes: [UInt8]
    /// Byte offset of the first byte of every line; a line ends at LF, CRLF or a lone CR.
    private let lineStarts: [Int]

    /// Wraps the bytes of the file at `path`.
    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
        var starts = [0]
        for (offset, byte) in bytes.enumerated() {
            let endsLine =
                byte == UInt8(ascii: "\n")
                || (byte == UInt8(ascii: "\r") && (offset + 1 == bytes.count || bytes[offset + 1] != UInt8(ascii: "\n")))
            if endsLine { starts.append(offset + 1) }
        }
        self.lineStarts = starts
    }

    /// Wraps a string, for tests and generated schemas.
    public init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    /// The 1-based line and column (in UTF-8 bytes, as compilers count) of a byte offset.
    public func location(of offset: Int) -> (line: Int, column: Int) {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset {
                low = mid
            } else {
                high = mid - 1
            }
        }
        return (low + 1, offset - lineStarts[low] + 1)
    }
}

/// A half-open range of byte offsets in one source file.
public struct SourceRange: Sendable, Hashable {
    /// Index of the file in the compilation's file list.
    public var file: Int
    /// First byte.
    public var start: Int
    /// One past the last byte.
    public var end: Int

    /// Creates a range.
    public init(file: Int, start: Int, end: Int) {
        self.file = file
        self.start = start
        self.end = end
    }
}
