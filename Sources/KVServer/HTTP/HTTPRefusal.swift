import NIOHTTP1

/// A request the HTTP connection refuses before any route sees it. Each one ends the
/// connection: the bytes that follow cannot be trusted to start a request (a head that
/// did not parse, a body that was not read), so after the reply the connection closes
/// (see `HTTPLingeringClose`).
enum HTTPRefusal: Error, Equatable {
    /// NIO's decoder could not parse the request (not HTTP/1.x, a bad request line,
    /// header or chunk size, …).
    case malformed(HTTPParserError)
    /// The head — request line and headers — is over `HTTPLimits` (see there).
    case headTooLarge
    /// The body is over `--max-value-size`: declared so by `Content-Length`, or counted so
    /// while a chunked body arrives.
    case bodyTooLarge(limit: Int)
    /// The request did not arrive whole within `--request-timeout` of its first byte.
    case timedOut

    /// What NIO's decoder reported, as kv's refusal.
    init(_ error: HTTPParserError) {
        self = error == .headerOverflow ? .headTooLarge : .malformed(error)
    }

    /// The reply, a JSON error like every other (`HTTPResponse.error`).
    var response: HTTPResponse {
        switch self {
        case let .malformed(error):
            return .error(.badRequest, "not a valid HTTP/1.1 request (\(error))")
        case .headTooLarge:
            return .error(.requestHeaderFieldsTooLarge, "the request head is too large: at most \(HTTPLimits.headBytes / 1024) KiB of URL and headers, \(HTTPLimits.headerFields) header fields")
        case let .bodyTooLarge(limit):
            return .error(.payloadTooLarge, "the request body is larger than --max-value-size (\(limit) bytes)")
        case .timedOut:
            return .error(.requestTimeout, "the request did not arrive whole within --request-timeout")
        }
    }
}

/// The bounds on a request head, set here rather than left to NIO's defaults (which
/// changed between releases: 80 KiB, then 2 MiB and 256 fields, then 80 KiB again).
/// A head over them gets `431`.
enum HTTPLimits {
    /// The URL, each header line, and all of them together: at most 80 KiB (NIO's
    /// historical limit, from nginx's http_parser).
    static let headBytes = 80 * 1024
    /// Header fields in one request (trailers included).
    static let headerFields = 256

    /// NIO's decoder configured with these limits.
    static var decoder: NIOHTTPDecoderLimitConfiguration {
        var configuration = NIOHTTPDecoderLimitConfiguration()
        configuration.maxHeaderFieldSize = headBytes
        configuration.maxHeaderListSize = headBytes
        configuration.maxHeaderFieldCount = headerFields
        return configuration
    }

    /// True when a declared `Content-Length` is over `limit` (a length too large for an
    /// `Int` is over any limit).
    static func declaredLength(_ head: HTTPRequestHead, isOver limit: Int) -> Bool {
        guard let text = head.headers.first(name: "Content-Length") else { return false }
        guard let length = Int(text) else { return true }
        return length > limit
    }
}
