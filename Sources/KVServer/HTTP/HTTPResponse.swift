import NIOHTTP1

/// A whole HTTP response, built by the routes and written by `HTTPConnectionHandler`.
struct HTTPResponse {
    var status: HTTPResponseStatus
    var headers: [(String, String)] = []
    var body: [UInt8] = []

    init(status: HTTPResponseStatus, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    init(status: HTTPResponseStatus, text: String, contentType: String = "text/plain; charset=utf-8") {
        self.init(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    /// An error as JSON: `{"error":"…"}`.
    static func error(_ status: HTTPResponseStatus, _ message: String, headers: [(String, String)] = []) -> HTTPResponse {
        var response = HTTPResponse(status: status, text: JSONText.object([("error", .string(message))]) + "\n", contentType: "application/json")
        response.headers += headers
        return response
    }

    /// The head the response is written with: its own headers after `KV-Pod` (every reply
    /// names the pod that answered), then `Content-Length` and `Connection`.
    func head(version: HTTPVersion, podName: String, keepAlive: Bool) -> HTTPResponseHead {
        var fields = HTTPHeaders()
        fields.add(name: "KV-Pod", value: podName)
        for (name, value) in headers { fields.add(name: name, value: value) }
        fields.add(name: "Content-Length", value: String(body.count))
        fields.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        return HTTPResponseHead(version: version, status: status, headers: fields)
    }

    /// The whole response as HTTP/1.1 bytes with `Connection: close`, for a handler that
    /// answers in front of NIO's HTTP encoder (a request that never finished arriving has
    /// no place in the encoder's request/response order).
    func encoded(podName: String) -> [UInt8] {
        let head = head(version: .http1_1, podName: podName, keepAlive: false)
        var text = "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n"
        for (name, value) in head.headers { text += "\(name): \(value)\r\n" }
        return Array((text + "\r\n").utf8) + body
    }
}

/// A small JSON writer (status documents and errors are all the JSON kv writes).
indirect enum JSONText {
    case string(String)
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONText])
    case object([(String, JSONText)])
    /// Text that is JSON already (a peer's `/status`, passed through by `/v1/cluster`).
    case raw(String)

    static func object(_ fields: [(String, JSONText)]) -> String { JSONText.object(fields).rendered }

    var rendered: String {
        switch self {
        case let .string(text): return Self.quote(text)
        case let .integer(value): return String(value)
        case let .number(value): return value.isFinite ? String(value) : "null"
        case let .bool(value): return value ? "true" : "false"
        case .null: return "null"
        case let .raw(text): return text
        case let .array(items): return "[" + items.map(\.rendered).joined(separator: ",") + "]"
        case let .object(fields): return "{" + fields.map { Self.quote($0.0) + ":" + $0.1.rendered }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
