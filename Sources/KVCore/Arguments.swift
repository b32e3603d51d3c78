/// Where one argument lies in a command's input bytes.
public struct ArgumentBounds: Sendable, Equatable {
    public var offset: Int
    public var count: Int

    public init(offset: Int, count: Int) {
        self.offset = offset
        self.count = count
    }
}

/// The arguments of one command (the command name is argument 0), borrowed from the bytes
/// the connection received.
///
/// The bytes stay where the network put them: a command reads its arguments in place and
/// copies only what it keeps (a new entry's key and value). An `Arguments` is valid only
/// during the call it is passed to; `OwnedArguments` keeps a command for later (MULTI).
public struct Arguments {
    @usableFromInline let base: UnsafeRawPointer?
    @usableFromInline let bounds: UnsafeBufferPointer<ArgumentBounds>

    /// Arguments at `bounds` relative to `base`.
    @inlinable public init(base: UnsafeRawPointer?, bounds: UnsafeBufferPointer<ArgumentBounds>) {
        self.base = base
        self.bounds = bounds
    }

    /// The number of arguments, the command name included.
    @inlinable public var count: Int { bounds.count }

    /// The bytes of every argument together.
    @inlinable public var byteCount: Int { bounds.reduce(0) { $0 + $1.count } }

    /// The bytes of argument `index`.
    @inlinable public subscript(index: Int) -> UnsafeRawBufferPointer {
        let bound = bounds[index]
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + bound.offset, count: bound.count)
    }

    /// Argument `index` as a string (invalid UTF-8 is repaired).
    public func string(_ index: Int) -> String {
        String(decoding: self[index], as: UTF8.self)
    }

    /// A copy of argument `index`.
    public func bytes(_ index: Int) -> [UInt8] { Array(self[index]) }

    /// True when argument `index` equals `word`, ignoring ASCII case (`word` is given in
    /// lowercase or uppercase ASCII).
    @inlinable public func matches(_ index: Int, _ word: StaticString) -> Bool {
        let argument = self[index]
        guard argument.count == word.utf8CodeUnitCount else { return false }
        let pointer = word.utf8Start
        for i in 0..<argument.count where argument[i] | 0x20 != pointer[i] | 0x20 {
            return false
        }
        return true
    }

    /// Argument `index` in lowercase ASCII, as commands are named in errors and tables.
    public func lowercased(_ index: Int) -> String {
        String(decoding: self[index].lazy.map { ($0 >= 65 && $0 <= 90) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}

/// A command whose bytes it owns: for commands kept beyond the read that brought them
/// (queued in MULTI), and for tests.
public struct OwnedArguments: Sendable, Equatable {
    public private(set) var storage: [UInt8]
    public private(set) var bounds: [ArgumentBounds]

    public init(_ arguments: Arguments) {
        var storage: [UInt8] = []
        var bounds: [ArgumentBounds] = []
        bounds.reserveCapacity(arguments.count)
        for index in 0..<arguments.count {
            let argument = arguments[index]
            bounds.append(ArgumentBounds(offset: storage.count, count: argument.count))
            storage.append(contentsOf: argument)
        }
        self.storage = storage
        self.bounds = bounds
    }

    public init(_ parts: [[UInt8]]) {
        var storage: [UInt8] = []
        var bounds: [ArgumentBounds] = []
        for part in parts {
            bounds.append(ArgumentBounds(offset: storage.count, count: part.count))
            storage.append(contentsOf: part)
        }
        self.storage = storage
        self.bounds = bounds
    }

    public init(_ parts: [String]) {
        self.init(parts.map { Array($0.utf8) })
    }

    public var count: Int { bounds.count }

    /// Calls `body` with borrowed `Arguments` over the owned bytes.
    public func withArguments<R>(_ body: (Arguments) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { raw in
            try bounds.withUnsafeBufferPointer { bounds in
                try body(Arguments(base: raw.baseAddress, bounds: bounds))
            }
        }
    }
}
