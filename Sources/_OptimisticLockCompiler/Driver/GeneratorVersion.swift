/// The generator's version: named in every generated file's header and printed by `--version`, so
/// a generated file says which generator wrote it (and which runtime it was written for).
public enum GeneratorVersion {
    /// The version, e.g. `0.1.0`.
    public static let current = "0.1.0"
}
