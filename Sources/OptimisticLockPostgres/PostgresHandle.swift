import CLibPQ

/// Owns a libpq connection; statements keep it alive as long as they exist.
final class PostgresHandle {
    let connection: OpaquePointer
    private var nextStatement = 0
    /// Server-side statements no longer used, deallocated when the connection is next idle.
    private var retired: [String] = []

    init(_ connection: OpaquePointer) {
        self.connection = connection
    }

    deinit {
        PQfinish(connection)
    }

    /// A new server-side statement name, unique on this connection.
    func statementName() -> String {
        nextStatement += 1
        return "optimistic_lock_\(nextStatement)"
    }

    /// True when no transaction is open (nor aborted) on the server.
    var isIdle: Bool { PQtransactionStatus(connection) == PQTRANS_IDLE }

    /// Forgets a server-side statement (deallocated later, outside any transaction).
    func retire(_ name: String) {
        retired.append(name)
    }

    /// Deallocates retired statements when the connection is idle (a failed DEALLOCATE is harmless).
    func deallocateRetired() {
        guard !retired.isEmpty, isIdle else { return }
        for name in retired {
            PQclear(PQexec(connection, "DEALLOCATE \"\(name)\""))
        }
        retired.removeAll()
    }
}
