import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A TCP proxy in front of the test PostgreSQL server (its Unix socket) that reads the protocol
/// messages clients send and, once armed, injects one network fault at a chosen message: the
/// connection dropped after the server got it, the connection blackholed, or answers delayed. It
/// can also hold every cancel request open without an answer (a cancel path that stalls, as behind
/// an overloaded postmaster or a load balancer).
///
/// What a fault does to the server is exact, which is what lets the tests check what the database
/// holds against what the errors claim: the triggering message — a `COMMIT`, or the `Sync` that ends
/// an extended-protocol statement and so commits it when no transaction is open — always reaches
/// the server in full before the fault.
final class FaultProxy: @unchecked Sendable {
    /// The message a fault waits for.
    enum Trigger: Sendable {
        /// A simple-protocol query whose text starts with this (case-insensitive): `COMMIT`, say.
        case query(String)
        /// The next `Sync`: the end of an extended-protocol statement (`Bind`, `Execute`, `Sync`).
        case sync
    }

    /// What happens at the triggering message.
    enum Fault: Sendable {
        /// The message reaches the server, then both sides see the connection close: the server
        /// runs it (and commits, for a `COMMIT`), the client never gets the answer.
        case drop
        /// The message reaches the server, then nothing more crosses in either direction and
        /// nothing is closed: the client waits for an answer that never comes, the server for a
        /// client that never speaks (or leaves), until the proxy closes.
        case blackhole
        /// Answers from then on reach the client this much later.
        case delay(Duration)
    }

    let port: Int
    private let listener: SilentServer
    /// The servers, taken in turn by new connections (one, or several: a load balancer).
    private let upstreams: [String]
    private var nextUpstream = 0
    private let holdCancels: Bool
    private let lock = NSLock()
    private var open: [Int32] = []
    private var armed: (fault: Fault, trigger: Trigger)?
    private var firedCount = 0
    private var heldCount = 0

    /// A proxy to the Unix socket `socketPath`; with `holdCancels`, cancel requests are held open
    /// and never forwarded.
    convenience init(socketPath: String, holdCancels: Bool = false) throws {
        try self.init(socketPaths: [socketPath], holdCancels: holdCancels)
    }

    /// A proxy that sends each new connection to the next of `socketPaths` in turn, as a load
    /// balancer or DNS round robin in front of several servers does.
    init(socketPaths: [String], holdCancels: Bool = false) throws {
        upstreams = socketPaths
        self.holdCancels = holdCancels
        listener = try SilentServer()
        port = listener.port
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// A proxy to the test server of `OPTIMISTIC_LOCK_POSTGRES_URL`, and the URL `base` rewritten
    /// to go through it; nil (with a printed note) when the URL names no Unix socket.
    static func make(for base: String, holdCancels: Bool = false, test: String) throws -> (FaultProxy, String)? {
        guard let parts = URLComponents(string: base),
            let host = parts.queryItems?.first(where: { $0.name == "host" })?.value, host.hasPrefix("/"),
            let port = parts.queryItems?.first(where: { $0.name == "port" })?.value
        else {
            print("skipped: \(test) needs OPTIMISTIC_LOCK_POSTGRES_URL with a Unix socket host=/... and port=")
            return nil
        }
        let proxy = try FaultProxy(socketPath: "\(host)/.s.PGSQL.\(port)", holdCancels: holdCancels)
        return (proxy, base + "&host=127.0.0.1&port=\(proxy.port)")
    }

    /// Injects `fault` at the next `trigger` message on any connection (once).
    func arm(_ fault: Fault, at trigger: Trigger) {
        lock.lock()
        armed = (fault, trigger)
        lock.unlock()
    }

    /// How many faults were injected so far.
    var fired: Int {
        lock.lock()
        defer { lock.unlock() }
        return firedCount
    }

    /// Cancel requests held so far.
    var held: Int {
        lock.lock()
        defer { lock.unlock() }
        return heldCount
    }

    /// The count of held cancels once it has stopped changing for 300 ms (a cancel sent at the end
    /// of a request reaches the proxy's thread a moment later; at most 10 s).
    func settledHeld() async throws -> Int {
        var last = held
        for _ in 0..<33 {
            try await Task.sleep(for: .milliseconds(300))
            let now = held
            if now == last { return now }
            last = now
        }
        return last
    }

    /// Closes the listener and every connection: blackholed servers see their clients leave.
    func close() {
        lock.lock()
        let descriptors = open
        open.removeAll()
        lock.unlock()
        listener.close()
        for descriptor in descriptors {
            shutdown(descriptor, Int32(SHUT_RDWR))
            _ = Self.closeDescriptor(descriptor)
        }
    }

    // MARK: Forwarding

    /// One proxied connection: what its server-to-client direction does now.
    private final class Link: @unchecked Sendable {
        let client: Int32
        let server: Int32
        private let lock = NSLock()
        private var mode = Mode.forward
        enum Mode {
            case forward, discard
            case delay(Duration)
        }

        init(client: Int32, server: Int32) {
            self.client = client
            self.server = server
        }

        var current: Mode {
            lock.lock()
            defer { lock.unlock() }
            return mode
        }

        func set(_ mode: Mode) {
            lock.lock()
            self.mode = mode
            lock.unlock()
        }
    }

    private func track(_ descriptor: Int32) {
        lock.lock()
        open.append(descriptor)
        lock.unlock()
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener.socketDescriptor, nil, nil)
            guard client >= 0 else { return }
            track(client)
            Thread.detachNewThread { [self] in serve(client) }
        }
    }

    private func serve(_ client: Int32) {
        // Untyped messages first (SSL and GSS requests, then the startup message; or a cancel).
        var server: Int32 = -1
        var link: Link?
        while true {
            guard let length = readLength(client), let body = readExactly(client, count: Int(length) - 4), body.count >= 4
            else { return }
            let code = body[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            if code == 80_877_102 && holdCancels {
                lock.lock()
                heldCount += 1
                lock.unlock()
                return  // held open, never answered, until close()
            }
            if server < 0 {
                server = connectUpstream()
                guard server >= 0 else { return }
                track(server)
                let created = Link(client: client, server: server)
                link = created
                Thread.detachNewThread { Self.pumpAnswers(created) }
            }
            guard Self.sendAll(server, Self.bigEndian(length) + body) else { return }
            // The protocol 3.0 startup message: typed messages follow.
            if code == 196_608 { break }
            // A cancel request: the server answers by closing.
            if code == 80_877_102 { return }
        }
        guard let link else { return }
        while true {
            guard let type = readExactly(client, count: 1), let length = readLength(client),
                let body = readExactly(client, count: Int(length) - 4)
            else {
                if case .discard = link.current { return }  // a blackhole passes no goodbye
                shutdown(server, Int32(SHUT_WR))
                return
            }
            if case .discard = link.current { continue }
            let fault = takeFault(type: type[0], body: body)
            // The answers' direction changes before the message leaves: its answer must not slip through.
            switch fault {
            case nil: break
            case .drop?, .blackhole?: link.set(.discard)
            case .delay(let duration)?: link.set(.delay(duration))
            }
            guard Self.sendAll(server, type + Self.bigEndian(length) + body) else { return }
            if case .drop? = fault {
                shutdown(client, Int32(SHUT_RDWR))
                shutdown(server, Int32(SHUT_WR))
                return
            }
        }
    }

    /// The armed fault, taken, when this message triggers it.
    private func takeFault(type: UInt8, body: [UInt8]) -> Fault? {
        lock.lock()
        defer { lock.unlock() }
        guard let (fault, trigger) = armed else { return nil }
        let matches: Bool
        switch trigger {
        case .sync:
            matches = type == UInt8(ascii: "S")
        case .query(let prefix):
            let text = String(decoding: body.prefix { $0 != 0 }, as: UTF8.self)
            matches =
                type == UInt8(ascii: "Q")
                && text.trimmingCharacters(in: .whitespacesAndNewlines).uppercased().hasPrefix(prefix.uppercased())
        }
        guard matches else { return nil }
        armed = nil
        firedCount += 1
        return fault
    }

    private static func pumpAnswers(_ link: Link) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(link.server, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            switch link.current {
            case .discard:
                continue
            case .delay(let duration):
                Thread.sleep(
                    forTimeInterval: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
            case .forward:
                break
            }
            guard sendAll(link.client, Array(buffer[0..<count])) else { break }
        }
        if case .discard = link.current { return }
        shutdown(link.client, Int32(SHUT_WR))
    }

    private func connectUpstream() -> Int32 {
        lock.lock()
        let upstream = upstreams[nextUpstream % upstreams.count]
        nextUpstream += 1
        lock.unlock()
        #if canImport(Glibc)
            let server = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let server = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { bytes in
            for (index, byte) in upstream.utf8.prefix(bytes.count - 1).enumerated() { bytes[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(server, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            _ = Self.closeDescriptor(server)
            return -1
        }
        return server
    }

    private func readLength(_ descriptor: Int32) -> UInt32? {
        guard let bytes = readExactly(descriptor, count: 4) else { return nil }
        let length = bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return length >= 4 && length < 1 << 30 ? length : nil
    }

    private func readExactly(_ descriptor: Int32, count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let read = bytes.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress! + done, count - done, 0) }
            guard read > 0 else { return nil }
            done += read
        }
        return bytes
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    private static func sendAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let sent = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return false }
            done += sent
        }
        return true
    }

    private static func closeDescriptor(_ descriptor: Int32) -> Int32 {
        #if canImport(Glibc)
            Glibc.close(descriptor)
        #else
            Darwin.close(descriptor)
        #endif
    }
}
