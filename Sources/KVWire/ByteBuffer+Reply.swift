import KVCore
import NIOCore

extension ByteBuffer {
    /// Writes `reply` as RESP `version` bytes.
    ///
    /// The frequent replies are static bytes (`+OK`, `$-1`, `:0`, `:1`); a stored value is
    /// copied once, straight from its entry into the buffer; numbers are written without
    /// `String`; and room for the whole reply is reserved up front, so a large array grows the
    /// buffer once rather than many times.
    public mutating func writeReply(_ reply: Reply, version: RESPVersion) {
        switch reply {
        case .ok:
            writeStaticString("+OK\r\n")
        case .null:
            writeStaticString(version == .resp3 ? "_\r\n" : "$-1\r\n")
        case .integer(0):
            writeStaticString(":0\r\n")
        case .integer(1):
            writeStaticString(":1\r\n")
        case let .value(entry):
            reserveCapacity(minimumWritableBytes: 25 + entry.valueCount)
            writeEntryValue(entry)
        default:
            reserveCapacity(minimumWritableBytes: reply.encodedLengthBound)
            writeReplyElement(reply, version: version)
        }
    }

    /// Writes one reply, recursively, once room is reserved.
    private mutating func writeReplyElement(_ reply: Reply, version: RESPVersion) {
        switch reply {
        case .ok:
            writeStaticString("+OK\r\n")
        case let .simple(text):
            writeLine(prefix: "+", text)
        case let .error(error):
            writeLine(prefix: "-", error.message)
        case let .integer(value):
            writeHeader(":", value)
        case let .bulk(bytes):
            writeHeader("$", Int64(bytes.count))
            writeBytes(bytes)
            writeCRLF()
        case let .value(entry):
            writeEntryValue(entry)
        case .null:
            writeStaticString(version == .resp3 ? "_\r\n" : "$-1\r\n")
        case .nullArray:
            writeStaticString(version == .resp3 ? "_\r\n" : "*-1\r\n")
        case let .double(value):
            let text = RESPDouble.text(value)
            if version == .resp3 {
                writeInteger(UInt8(ascii: ","))
            } else {
                writeHeader("$", Int64(text.utf8.count))
            }
            writeString(text)
            writeCRLF()
        case let .array(items):
            writeHeader("*", Int64(items.count))
            for item in items { writeReplyElement(item, version: version) }
        case let .set(items):
            // RESP2 has no set: an array.
            writeHeader(version == .resp3 ? "~" : "*", Int64(items.count))
            for item in items { writeReplyElement(item, version: version) }
        case let .map(pairs):
            // RESP2 has no map: a flat array of key, value, key, value…
            if version == .resp3 {
                writeHeader("%", Int64(pairs.count))
            } else {
                writeHeader("*", Int64(pairs.count * 2))
            }
            for (key, value) in pairs {
                writeReplyElement(key, version: version)
                writeReplyElement(value, version: version)
            }
        case let .pairs(pairs):
            // RESP3: an array of two-element arrays; RESP2: flat.
            writeHeader("*", Int64(version == .resp3 ? pairs.count : pairs.count * 2))
            for (first, second) in pairs {
                if version == .resp3 { writeHeader("*", 2) }
                writeReplyElement(first, version: version)
                writeReplyElement(second, version: version)
            }
        case let .push(items):
            // RESP2 has no push: an array (a subscriber's messages).
            writeHeader(version == .resp3 ? ">" : "*", Int64(items.count))
            for item in items { writeReplyElement(item, version: version) }
        case let .frames(items):
            for item in items { writeReplyElement(item, version: version) }
        case let .boolean(value):
            if version == .resp3 {
                writeStaticString(value ? "#t\r\n" : "#f\r\n")
            } else {
                writeStaticString(value ? ":1\r\n" : ":0\r\n")
            }
        case let .bigNumber(text):
            if version == .resp3 {
                writeLine(prefix: "(", text)
            } else {
                writeHeader("$", Int64(text.utf8.count))
                writeString(text)
                writeCRLF()
            }
        case let .verbatim(text):
            if version == .resp3 {
                writeHeader("=", Int64(text.utf8.count + 4))
                writeStaticString("txt:")
            } else {
                writeHeader("$", Int64(text.utf8.count))
            }
            writeString(text)
            writeCRLF()
        case let .bulks(bulks):
            switch (bulks.shape, version) {
            case (.array, _), (_, .resp2): writeHeader("*", Int64(bulks.count))
            case (.set, .resp3): writeHeader("~", Int64(bulks.count))
            case (.map, .resp3): writeHeader("%", Int64(bulks.count / 2))
            }
            writeBytes(bulks.body)
        }
    }

    /// `$<count>\r\n<value>\r\n`, the value copied once from the entry.
    private mutating func writeEntryValue(_ entry: Entry) {
        writeHeader("$", Int64(entry.valueCount))
        entry.withValue { _ = writeBytes($0) }
        writeCRLF()
    }

    /// `<type><number>\r\n`, the first line of integers and of every sized type.
    private mutating func writeHeader(_ type: Unicode.Scalar, _ number: Int64) {
        writeInteger(UInt8(ascii: type))
        writeDecimal(number)
        writeCRLF()
    }

    /// `+text\r\n` or `-text\r\n`. A line cannot carry CR or LF; like Redis, they become spaces
    /// rather than let a stray line end desynchronise the client.
    private mutating func writeLine(prefix: Unicode.Scalar, _ text: String) {
        writeInteger(UInt8(ascii: prefix))
        if text.utf8.contains(where: { $0 == ASCII.cr || $0 == ASCII.lf }) {
            writeBytes(text.utf8.lazy.map { $0 == ASCII.cr || $0 == ASCII.lf ? UInt8(ascii: " ") : $0 })
        } else {
            writeString(text)
        }
        writeCRLF()
    }
}

extension Reply {
    /// At least the number of bytes the reply encodes to in either version, for reserving
    /// room once.
    var encodedLengthBound: Int {
        // 23 covers a type byte, a 20-character Int64 and CRLF.
        switch self {
        case .ok, .null, .nullArray: 5
        case let .simple(text): 3 + text.utf8.count
        case let .error(error): 3 + error.message.utf8.count
        case .integer: 23
        case let .bulk(bytes): 25 + bytes.count
        case let .value(entry): 25 + entry.valueCount
        case .double: 64
        case let .frames(items): items.reduce(0) { $0 + $1.encodedLengthBound }
        case let .array(items), let .set(items), let .push(items): items.reduce(23) { $0 + $1.encodedLengthBound }
        case .boolean: 5
        case let .bigNumber(text): 25 + text.utf8.count
        case let .map(pairs): pairs.reduce(23) { $0 + $1.0.encodedLengthBound + $1.1.encodedLengthBound }
        case let .pairs(pairs): pairs.reduce(23) { $0 + 23 + $1.0.encodedLengthBound + $1.1.encodedLengthBound }
        case let .verbatim(text): 29 + text.utf8.count
        case let .bulks(bulks): 23 + bulks.body.count
        }
    }
}
