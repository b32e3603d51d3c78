import KVCore
import KVStorage
import KVWire
import NIOCore

/// A history whose text shows its byte order: `0123456789abcdeffedcba9876543210`.
let history = HistoryID(high: 0x0123_4567_89ab_cdef, low: 0xfedc_ba98_7654_3210)
let historyText = "0123456789abcdeffedcba9876543210"
/// Another history, for `-KVRESYNC history`.
let otherHistory = HistoryID(high: 1, low: 2)

/// The bytes of `text`.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// What `encode(into:)` appends.
func encoded(_ encode: (inout ByteBuffer) -> Void) -> [UInt8] {
    var buffer = ByteBuffer()
    encode(&buffer)
    return Array(buffer.readableBytesView)
}

/// A request as a client sends it: a RESP array of bulk strings.
func command(_ arguments: String...) -> [UInt8] {
    var buffer = ByteBuffer()
    buffer.writeCommand(arguments)
    return Array(buffer.readableBytesView)
}

/// `put key value`, as a command's effect.
func put(_ key: String, _ value: String, expiresAt: Int64? = nil) -> WriteOperation {
    .put(Entry.make(key: bytes(key), value: bytes(value), expiresAt: expiresAt.map { UnixMillis($0) }))
}

/// A record of every operation kind, at `lsn`.
func record(_ lsn: UInt64) -> LogRecord {
    LogRecord(lsn: LSN(lsn), timestamp: UnixMillis(1_700_000_000_000 + Int64(lsn)), operations: [
        put("key:\(lsn)", "value-\(lsn)"), put("ttl", "x", expiresAt: 1_800_000_000_000),
        .expire(key: bytes("ttl"), at: nil), .delete(key: bytes("gone")), .flushAll,
    ])
}
