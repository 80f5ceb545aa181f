import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

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
        let created = pthread_create(
            &thread, &attributes,
            { context in
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
///
/// A receiver that has just finished a job polls for the next one for a few microseconds before it
/// sleeps, yielding the core to any other runnable thread between polls: a server sends requests
/// back to back, and catching the next one without a futex wake-up saves much of a round trip's
/// latency. A sender wakes the receiver only when it sleeps.
package final class Mailbox<Message: Sendable>: Sendable {
    private struct State {
        var messages: [Message] = []
        var sleeping = false
    }

    private let state = ThreadLock(State())
    private let wake = DispatchSemaphore(value: 0)
    /// How long `receive` polls before it sleeps.
    private let spin: Duration

    /// A mailbox whose receiver polls for `spin` before sleeping.
    package init(spin: Duration = .microseconds(50)) {
        self.spin = spin
    }

    package func send(_ message: Message) {
        let sleeping = state.withLock { state -> Bool in
            state.messages.append(message)
            defer { state.sleeping = false }
            return state.sleeping
        }
        if sleeping { wake.signal() }
    }

    package func receive() -> Message {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: spin)
        repeat {
            if let message = state.withLock({ $0.messages.isEmpty ? nil : $0.messages.removeFirst() }) { return message }
            // Let any other runnable thread have the core: polling must not slow the work it waits for.
            sched_yield()
        } while clock.now < deadline
        while true {
            let message = state.withLock { state -> Message? in
                if state.messages.isEmpty {
                    state.sleeping = true
                    return nil
                }
                return state.messages.removeFirst()
            }
            if let message { return message }
            wake.wait()
        }
    }
}
