import Foundation

/// Finds and reads schema files.
public enum SchemaFiles {
    /// An input path that could not be used.
    public struct InputError: Error, CustomStringConvertible {
        /// What went wrong, with the path.
        public let description: String

        /// Creates the error.
        public init(description: String) {
            self.description = description
        }
    }

    /// The `.schema` files among `paths`: files as given, folders searched recursively, each folder's files sorted.
    public static func collect(_ paths: [String]) throws -> [String] {
        var result: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw InputError(description: "\(path): error: no such file or directory")
            }
            guard isDirectory.boolValue else {
                result.append(path)
                continue
            }
            guard access(path, R_OK | X_OK) == 0, let enumerator = manager.enumerator(atPath: path) else {
                throw InputError(description: "\(path): error: cannot read directory")
            }
            var found: [String] = []
            while let relative = enumerator.nextObject() as? String {
                let full = path.hasSuffix("/") ? path + relative : path + "/" + relative
                // The enumerator skips a folder it cannot open without a word: its schemas would be
                // silently missing from the output.
                if enumerator.fileAttributes?[.type] as? FileAttributeType == .typeDirectory, access(full, R_OK | X_OK) != 0 {
                    throw InputError(description: "\(full): error: cannot read directory")
                }
                if relative.hasSuffix(".schema") { found.append(full) }
            }
            result += found.sorted()
        }
        // One file given twice (`a/Post.schema ./a/Post.schema`, or through a symbolic link) is read once.
        var seen = Set<String>()
        return result.filter { seen.insert(URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path).inserted }
    }

    /// Reads each file's bytes.
    public static func read(_ paths: [String]) throws -> [SourceFile] {
        try paths.map { path in
            guard let data = FileManager.default.contents(atPath: path) else {
                throw InputError(description: "\(path): error: cannot read file")
            }
            return SourceFile(path: path, bytes: [UInt8](data))
        }
    }
}
