import Foundation
import NIOHTTP1
import WikiClient

/// Headless Chromium driven over WebDriver (its HTTP protocol) through `chromedriver`: what the
/// browser test clicks and types with. Chromium and chromedriver are Debian's `chromium` and
/// `chromium-driver` (`.ci/run` installs them); `CHROMIUM` and `CHROMEDRIVER` name others.
final class WebDriver: Sendable {
    static let chromium = ProcessInfo.processInfo.environment["CHROMIUM"] ?? "/usr/bin/chromium"
    static let chromedriver = ProcessInfo.processInfo.environment["CHROMEDRIVER"] ?? "/usr/bin/chromedriver"

    /// Whether both are installed.
    static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: chromium) && FileManager.default.isExecutableFile(atPath: chromedriver)
    }

    /// Why the browser test cannot run here.
    static let unavailable = "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"

    private let process: Process
    let client: WikiClient

    /// Starts chromedriver on a free port and waits until it is ready.
    init() async throws {
        let port = try freePort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.chromedriver)
        process.arguments = ["--port=\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        client = WikiClient(baseURL: "http://127.0.0.1:\(port)", connections: 4)
        for _ in 0..<300 {
            if let status = try? await client.send(.GET, "/status"), status.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WebDriverError(message: "chromedriver did not start")
    }

    /// Stops chromedriver (`Process.waitUntilExit` spins a run loop, which never ends on a task's
    /// thread: the process is polled instead).
    func stop() async {
        try? await client.shutdown()
        process.terminate()
        for _ in 0..<100 where process.isRunning {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// A new browser (its own profile: its own cookies and history).
    func session() async throws -> BrowserSession {
        let capabilities: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": Self.chromium,
                        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
                    ],
                ]
            ]
        ]
        let value = try await command(.POST, "/session", capabilities)
        guard let object = value as? [String: Any], let id = object["sessionId"] as? String else {
            throw WebDriverError(message: "no session in \(String(describing: value))")
        }
        return BrowserSession(driver: self, id: id)
    }

    /// Sends a command; its `value`.
    @discardableResult
    func command(_ method: HTTPMethod, _ path: String, _ parameters: [String: Any]? = nil) async throws -> Any? {
        let body = try parameters.map { try JSONSerialization.data(withJSONObject: $0) }
        let reply = try await client.send(method, path, body: method == .POST ? (body ?? Data("{}".utf8)) : nil)
        let json = try JSONSerialization.jsonObject(with: reply.body, options: [.fragmentsAllowed]) as? [String: Any]
        guard reply.status == 200 else {
            let error = (json?["value"] as? [String: Any])?["message"] as? String ?? reply.text
            throw WebDriverError(message: "\(method) \(path): \(reply.status) \(error)")
        }
        return json?["value"]
    }
}

/// A WebDriver failure.
struct WebDriverError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// One browser.
struct BrowserSession: Sendable {
    let driver: WebDriver
    let id: String
    private static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    func open(_ url: String) async throws {
        try await driver.command(.POST, "/session/\(id)/url", ["url": url])
    }

    /// The page's address now.
    func url() async throws -> String {
        try await driver.command(.GET, "/session/\(id)/url") as? String ?? ""
    }

    /// The element `css` selects, waiting up to 30 s for it (a page may still be loading, slowly on a
    /// busy machine).
    func element(_ css: String) async throws -> String {
        var lastError: any Error = WebDriverError(message: "no element \(css)")
        for _ in 0..<300 {
            do {
                let value = try await driver.command(.POST, "/session/\(id)/element", ["using": "css selector", "value": css])
                if let element = (value as? [String: Any])?[Self.elementKey] as? String { return element }
            } catch {
                lastError = error
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw lastError
    }

    /// Waits until the page's address ends with `suffix`.
    func waitForURL(endingWith suffix: String) async throws {
        for _ in 0..<300 {
            if try await url().hasSuffix(suffix) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WebDriverError(message: "the browser is at \(try await url()), not …\(suffix)")
    }

    /// Types `text` at the end of the field `css` (a newline is the Enter key).
    func type(_ text: String, into css: String) async throws {
        let element = try await element(css)
        try await driver.command(.POST, "/session/\(id)/element/\(element)/value", ["text": text])
    }

    /// Empties the field `css`.
    func clear(_ css: String) async throws {
        let element = try await element(css)
        try await driver.command(.POST, "/session/\(id)/element/\(element)/clear", [:])
    }

    func click(_ css: String) async throws {
        let element = try await element(css)
        try await driver.command(.POST, "/session/\(id)/element/\(element)/click", [:])
    }

    /// The rendered text of the element `css`.
    func text(_ css: String) async throws -> String {
        let element = try await element(css)
        return try await driver.command(.GET, "/session/\(id)/element/\(element)/text") as? String ?? ""
    }

    /// The current value of the form field `css`.
    func value(_ css: String) async throws -> String {
        let element = try await element(css)
        return try await driver.command(.GET, "/session/\(id)/element/\(element)/property/value") as? String ?? ""
    }

    func close() async {
        _ = try? await driver.command(.DELETE, "/session/\(id)")
    }
}

/// A TCP port nobody listens on now.
func freePort() throws -> Int {
    let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(server) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw WebDriverError(message: "no free port") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(server, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
