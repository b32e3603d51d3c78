import NIOCore

extension ByteBuffer {
    /// Writes a request as a client sends it: a RESP array of bulk strings.
    public mutating func writeCommand(_ arguments: [[UInt8]]) {
        reserveCapacity(minimumWritableBytes: arguments.reduce(23) { $0 + 25 + $1.count })
        writeInteger(UInt8(ascii: "*"))
        writeDecimal(Int64(arguments.count))
        writeCRLF()
        for argument in arguments {
            writeInteger(UInt8(ascii: "$"))
            writeDecimal(Int64(argument.count))
            writeCRLF()
            writeBytes(argument)
            writeCRLF()
        }
    }

    /// Writes a request given as text: `buffer.writeCommand(["SET", "k", "v"])`.
    public mutating func writeCommand(_ arguments: [String]) {
        writeCommand(arguments.map { Array($0.utf8) })
    }
}
