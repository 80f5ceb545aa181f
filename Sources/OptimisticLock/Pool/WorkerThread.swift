#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// Threads of the pools' own, outside Swift's cooperative thread pool: blocking database calls run
/// here, so a request that waits on the database never holds a thread other tasks need.
package enum WorkerThread {
    /// Runs `body` on a new detached thread.
    package static func detach(name: String, _ body: @escaping @Sendable () -> Void) {
        final class Start: Sendable {
            let name: String
            let body: @Sendable () -> Void
            init(name: String, body: @escaping @Sendable () -> Void) {
                self.name = name
                self.body = body
            }
        }
        let start = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        defer { pthread_attr_destroy(&attributes) }
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let created = pthread_create(&thread, &attributes, { context in
            let start = Unmanaged<Start>.fromOpaque(context!).takeRetainedValue()
            #if canImport(Darwin)
            pthread_setname_np(String(start.name.prefix(15)))
            #endif
            start.body()
            return nil
        }, start)
        precondition(created == 0, "cannot start a thread: error \(created)")
    }
}

/// A queue of messages for one thread: `send` from anywhere, `receive` blocks the receiving thread.
package final class Mailbox<Message: Sendable>: Sendable {
    private let messages = Mutex<[Message]>([])
    private let available = DispatchSemaphore(value: 0)

    package init() {}

    package func send(_ message: Message) {
        messages.withLock { $0.append(message) }
        available.signal()
    }

    package func receive() -> Message {
        available.wait()
        return messages.withLock { $0.removeFirst() }
    }
}
