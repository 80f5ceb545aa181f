/// The JSON body of a note's create or edit: `version` is the version the client read, for clients
/// that send it in the body rather than in `If-Match`.
struct NoteInput: Decodable, Sendable {
    var title: String
    var body: String?
    var folderID: Int64?
    var version: Int64?
}

/// The JSON body of a folder's create.
struct FolderInput: Decodable, Sendable {
    var name: String
}
