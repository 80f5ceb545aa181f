/// Text read from a database: valid UTF-8 or nothing. Invalid bytes are never repaired into U+FFFD,
/// which a later write would store in place of what was there.
public enum UTF8Text {
    /// The string the bytes spell, or nil when they are not valid UTF-8.
    @inlinable
    public static func validated(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if #available(macOS 15, iOS 18, tvOS 18, watchOS 11, visionOS 2, *) {
            return String(validating: bytes, as: UTF8.self)
        }
        let repaired = String(decoding: bytes, as: UTF8.self)
        return repaired.utf8.elementsEqual(bytes) ? repaired : nil
    }
}
