import FuzzSupport
import KVCore
import KVReplicationWire

// What a primary reads from a replica on its stream: `KV.ACK <lsn>` and nothing else
// (`KVReplicationWire.AckReader`, used by StreamSender). Checks that the reader fed the payload in chunks finds
// the same acks and the same refusal as when fed it whole.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStreamAck(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = ChunkedInput(data, size)
    let whole = read([input.payload])
    let chunked = read(input.chunks)
    fuzzCheck(whole == chunked, "whole: \(whole), chunked: \(chunked)")
    return 0
}

/// The steps other than `.incomplete`, with the bytes kept between reads as StreamSender does.
func read(_ chunks: [UnsafeRawBufferPointer]) -> [AckReader.Step] {
    var reader = AckReader()
    var buffered: [UInt8] = []
    var steps: [AckReader.Step] = []
    for chunk in chunks {
        buffered.append(contentsOf: chunk)
        while !buffered.isEmpty {
            let step = buffered.withUnsafeBytes { reader.read($0) }
            switch step {
            case let .ack(_, consumed), let .skip(consumed):
                fuzzCheck(consumed > 0 && consumed <= buffered.count, "consumed \(consumed) of \(buffered.count)")
                steps.append(step)
                buffered.removeFirst(consumed)
            case .incomplete:
                break
            case .invalid:
                steps.append(step)
                return steps
            }
            if case .incomplete = step { break }
        }
    }
    return steps
}
