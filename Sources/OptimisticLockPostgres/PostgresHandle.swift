import CLibPQ
import OptimisticLock

/// Owns a libpq connection; statements keep it alive as long as they exist.
final class PostgresHandle {
    let connection: OpaquePointer
    private var nextStatement = 0
    /// Server-side statements no longer used, deallocated when the connection is next idle.
    private var retired: [String] = []
    /// Whether `retired` holds any, read before every statement without an exclusivity check.
    private let hasRetired: UnsafeMutablePointer<Bool> = {
        let flag = UnsafeMutablePointer<Bool>.allocate(capacity: 1)
        flag.initialize(to: false)
        return flag
    }()
    /// A pool's interrupt for the running job: statements refuse to start once it is requested, and
    /// the statement in flight is cancelled with `PQcancel` (which may block, so on a thread of its own).
    let interruption = ConnectionInterruption(nativeBlocks: true)
    /// Set (to 1) by the notice receiver when the server sent a FATAL error outside a statement.
    let fatalNotice: UnsafeMutablePointer<Int32> = {
        let flag = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        flag.initialize(to: 0)
        return flag
    }()

    init(_ connection: OpaquePointer) {
        self.connection = connection
        optimistic_lock_watch_notices(connection, fatalNotice)
        if let cancel = PQgetCancel(connection) {
            let canceller = PostgresCanceller(cancel)
            interruption.setNative { canceller.cancel() }
        }
    }

    deinit {
        interruption.setNative(nil)
        PQfinish(connection)
        hasRetired.deallocate()
        fatalNotice.deallocate()
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
        hasRetired.pointee = true
    }

    /// Deallocates retired statements when the connection is idle (a failed DEALLOCATE is harmless).
    func deallocateRetired() {
        guard _slowPath(hasRetired.pointee), isIdle else { return }
        for name in retired {
            PQclear(PQexec(connection, "DEALLOCATE \"\(name)\""))
        }
        retired.removeAll()
        hasRetired.pointee = false
    }
}

/// libpq's cancel object for one connection: `PQcancel` may be called from any thread, even after
/// the connection closed (it opens a connection of its own to the server). The pointer travels as an
/// address so that the object can be `Sendable`; it is freed when the last reference goes.
final class PostgresCanceller: Sendable {
    private let address: UInt

    init(_ cancel: OpaquePointer) {
        address = UInt(bitPattern: cancel)
    }

    deinit {
        PQfreeCancel(OpaquePointer(bitPattern: address))
    }

    /// Asks the server to cancel the connection's running statement (nothing happens when none runs).
    func cancel() {
        var message = [CChar](repeating: 0, count: 256)
        _ = PQcancel(OpaquePointer(bitPattern: address), &message, Int32(message.count))
    }
}
