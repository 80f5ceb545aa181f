import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Catches a connection used from two threads at once (it is not `Sendable`, but
/// `nonisolated(unsafe)` or an unchecked wrapper can force it across): the thread that takes a
/// statement owns the connection until the statement is reset or stepped to its end, and the
/// thread that opens a transaction owns it until the transaction ends; another thread that takes
/// one meanwhile gets a `.misuse` error instead of corrupting the connection's state — two rows
/// with one version, a statement bound by one thread and run by the other, a write reported as
/// done that ran inside another thread's transaction and rolled back with it. The owning thread
/// may nest statements (a query's loop that writes). GRDB checks the same with its dispatch queues.
package final class ConnectionOwner: @unchecked Sendable {
    private let owner = Atomic<UInt>(0)
    /// Statements the owner has taken and not reset (touched by the owner only).
    private let depth: UnsafeMutablePointer<Int>

    package init() {
        depth = .allocate(capacity: 1)
        depth.initialize(to: 0)
    }

    deinit {
        depth.deallocate()
    }

    private static var currentThread: UInt {
        #if canImport(Darwin)
            UInt(bitPattern: pthread_self())
        #else
            UInt(pthread_self())
        #endif
    }

    /// The calling thread takes the connection, or throws `.misuse` when another thread has it.
    @inline(__always)
    package func enter(sql: String?) throws {
        let me = Self.currentThread
        if owner.load(ordering: .relaxed) == me {
            depth.pointee += 1
            return
        }
        guard owner.compareExchange(expected: 0, desired: me, ordering: .acquiring).exchanged else {
            throw DatabaseError.misuse(
                "the connection is in use by another thread (a connection serves one thread at a time: give each its own, or use a pool); nothing ran",
                sql: sql)
        }
        depth.pointee = 1
    }

    /// The owner is done with one statement.
    @inline(__always)
    package func exit() {
        depth.pointee -= 1
        if depth.pointee == 0 { owner.store(0, ordering: .releasing) }
    }
}
