/// The PostgreSQL type OIDs the backend binds and reads (`pg_type.oid`, fixed for built-in types).
enum PostgresType {
    static let bool: UInt32 = 16
    static let bytea: UInt32 = 17
    static let char: UInt32 = 18
    static let name: UInt32 = 19
    static let int8: UInt32 = 20
    static let int2: UInt32 = 21
    static let int4: UInt32 = 23
    static let text: UInt32 = 25
    static let oid: UInt32 = 26
    static let json: UInt32 = 114
    static let float4: UInt32 = 700
    static let float8: UInt32 = 701
    static let bpchar: UInt32 = 1042
    static let varchar: UInt32 = 1043
    static let date: UInt32 = 1082
    static let timestamp: UInt32 = 1114
    static let timestamptz: UInt32 = 1184
    static let numeric: UInt32 = 1700
    static let void: UInt32 = 2278
    static let uuid: UInt32 = 2950
    static let jsonb: UInt32 = 3802

    /// A type's name for error messages.
    static func describe(_ type: UInt32) -> String {
        switch type {
        case bool: "boolean"
        case bytea: "bytea"
        case char: "\"char\""
        case oid: "oid"
        case json: "json"
        case jsonb: "jsonb"
        case date: "date"
        case name: "name"
        case int8: "bigint"
        case int2: "smallint"
        case int4: "integer"
        case text: "text"
        case float4: "real"
        case float8: "double precision"
        case bpchar: "character"
        case varchar: "character varying"
        case timestamp: "timestamp without time zone"
        case timestamptz: "timestamp with time zone"
        case numeric: "numeric"
        case uuid: "uuid"
        case void: "void"
        default: "type \(type)"
        }
    }
}
