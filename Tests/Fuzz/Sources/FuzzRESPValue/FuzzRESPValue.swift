import FuzzSupport
import KVWire
import NIOCore

// RESPValueDecoder: the replies kv-cli and a replica's peer requests read from a server.
// Checks that the decoder fed the payload in chunks (with its "needed" shortcut) decodes the
// same replies, and fails the same way, as when fed the whole payload at once.
// Flags bit 0: small limits (depth 4, 64-byte blobs, 8 elements, 32-byte lines).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRESPValue(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = ChunkedInput(data, size)
    let limits = input.flags & 1 != 0
        ? RESPValueDecoder.Limits(maxDepth: 4, maxBulkLength: 64, maxElementCount: 8, maxLineLength: 32)
        : RESPValueDecoder.Limits()
    let whole = decode([input.payload], limits: limits)
    let chunked = decode(input.chunks, limits: limits)
    fuzzCheck(whole.values == chunked.values, "whole: \(whole.values), chunked: \(chunked.values)")
    fuzzCheck(whole.error == chunked.error, "whole: \(String(describing: whole.error)), chunked: \(String(describing: chunked.error))")
    // After an error the chunked decoder stopped early, before later chunks arrived.
    if whole.error == nil {
        fuzzCheck(whole.left == chunked.left, "whole left \(whole.left) bytes, chunked \(chunked.left)")
    }
    return 0
}

/// The replies decoded, the error that stopped decoding, and the bytes left undecoded.
func decode(_ chunks: [UnsafeRawBufferPointer], limits: RESPValueDecoder.Limits)
    -> (values: [RESPValue], error: String?, left: Int)
{
    var decoder = RESPValueDecoder(limits: limits)
    var buffer = ByteBuffer()
    var values: [RESPValue] = []
    for chunk in chunks {
        buffer.writeBytes(chunk)
        do {
            while let value = try decoder.decode(buffer: &buffer) { values.append(value) }
        } catch {
            return (values, "\(error)", buffer.readableBytes)
        }
    }
    return (values, nil, buffer.readableBytes)
}
