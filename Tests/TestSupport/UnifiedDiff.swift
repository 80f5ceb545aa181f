/// A unified diff of two texts, line by line (longest common subsequence), for test failures that
/// compare whole files: the lines that differ with three lines of context, not two long strings.
public enum UnifiedDiff {
    /// `--- expected` / `+++ actual` and the hunks; empty when the texts are equal.
    public static func between(expected: String, actual: String, context: Int = 3) -> String {
        let old = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let new = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if old == new { return "" }
        // LCS table (texts of a few thousand lines: fine for a test).
        var lengths = [[Int]](repeating: [Int](repeating: 0, count: new.count + 1), count: old.count + 1)
        for i in stride(from: old.count - 1, through: 0, by: -1) {
            for j in stride(from: new.count - 1, through: 0, by: -1) {
                lengths[i][j] = old[i] == new[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        enum Edit {
            case same(String)
            case removed(String)
            case added(String)
        }
        var edits: [Edit] = []
        var i = 0
        var j = 0
        while i < old.count || j < new.count {
            if i < old.count, j < new.count, old[i] == new[j] {
                edits.append(.same(old[i]))
                i += 1
                j += 1
            } else if i < old.count, j == new.count || lengths[i + 1][j] >= lengths[i][j + 1] {
                edits.append(.removed(old[i]))
                i += 1
            } else {
                edits.append(.added(new[j]))
                j += 1
            }
        }
        var out = ["--- expected", "+++ actual"]
        var index = 0
        while index < edits.count {
            guard case .same = edits[index] else {
                // A hunk: from `context` lines before the change to `context` lines after the last one near it.
                let start = max(0, index - context)
                var end = index
                var quiet = 0
                while end < edits.count && quiet <= 2 * context {
                    if case .same = edits[end] { quiet += 1 } else { quiet = 0 }
                    end += 1
                }
                end = min(edits.count, end - max(0, quiet - context))
                var oldLine = 1
                var newLine = 1
                for edit in edits[..<start] {
                    switch edit {
                    case .same:
                        oldLine += 1
                        newLine += 1
                    case .removed: oldLine += 1
                    case .added: newLine += 1
                    }
                }
                let slice = edits[start..<end]
                let oldCount = slice.filter { if case .added = $0 { return false } else { return true } }.count
                let newCount = slice.filter { if case .removed = $0 { return false } else { return true } }.count
                out.append("@@ -\(oldLine),\(oldCount) +\(newLine),\(newCount) @@")
                for edit in slice {
                    switch edit {
                    case .same(let line): out.append(" " + line)
                    case .removed(let line): out.append("-" + line)
                    case .added(let line): out.append("+" + line)
                    }
                }
                index = end
                continue
            }
            index += 1
        }
        return out.joined(separator: "\n")
    }
}
