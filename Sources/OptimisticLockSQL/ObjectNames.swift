/// Names of database objects (indexes, constraints) that must fit PostgreSQL's 63 bytes, shortened
/// the same way by the compiler and by `migrate`.
public enum ObjectNames {
    /// `name` when it fits 63 bytes; otherwise as many of its first characters as fit before
    /// `_<FNV-1a hash of the whole name>_<suffix>`, so that two long names stay apart and the name
    /// still ends as its kind (`idx`, `key`).
    public static func fitted(_ name: String, suffix: String) -> String {
        guard name.utf8.count > 63 else { return name }
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        let tail = "_" + String(hash, radix: 16) + "_" + suffix
        var prefix = ""
        for character in name where prefix.utf8.count + character.utf8.count + tail.utf8.count <= 63 {
            prefix.append(character)
        }
        return prefix + tail
    }
}
