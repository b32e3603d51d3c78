@testable import KVCore
import KVTestKit
import Testing

/// `ListObject`: its 8 KiB nodes, its payload, clones, and the edits the list commands log.
@Suite struct ListObjectTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func contents(_ list: ListObject) -> [[UInt8]] {
        var elements: [[UInt8]] = []
        list.forEach { elements.append(Array($0)); return true }
        return elements
    }

    /// Every node non-empty and within 8 KiB unless it holds one larger element; counts and
    /// footprint agreeing with the nodes.
    static func checkNodes(_ list: ListObject, sourceLocation: SourceLocation = #_sourceLocation) {
        var total = 0
        var nodeFootprints = 0
        for position in 0..<list.nodeCount {
            let node = list.node(position)
            #expect(node.count > 0, "node \(position) is empty", sourceLocation: sourceLocation)
            #expect(node.count <= ListObject.maximumNodeCount)
            #expect(node.byteCount <= ListObject.maximumNodeBytes || node.count == 1,
                    "node \(position) has \(node.byteCount) bytes in \(node.count) elements", sourceLocation: sourceLocation)
            total += node.count
            nodeFootprints += node.footprint
        }
        #expect(total == list.count, sourceLocation: sourceLocation)
        let rest = list.footprint - nodeFootprints - 48
        #expect(rest >= 16 * list.nodeCount && rest % 16 == 0, "footprint \(list.footprint) disagrees with the nodes", sourceLocation: sourceLocation)
    }

    static func list(_ elements: [[UInt8]]) -> ListObject {
        let list = ListObject()
        for element in elements { element.withUnsafeBytes { list.pushTail($0) } }
        return list
    }

    @Test func nodesSplitAt8KiBAtBothEnds() {
        let list = ListObject()
        let element = [UInt8](repeating: 0x61, count: 100)  // 101 bytes packed: 81 a node
        for _ in 0..<1000 { element.withUnsafeBytes { list.pushTail($0) } }
        #expect(list.nodeCount == 13)
        #expect(list.node(0).count == 81)
        for _ in 0..<1000 { element.withUnsafeBytes { list.pushHead($0) } }
        #expect(list.count == 2000)
        #expect(list.nodeCount == 26)
        Self.checkNodes(list)
        #expect(list.encodingName == "quicklist")
        #expect(list.kind == .list)

        // An element over 8 KiB takes a node of its own, at either end.
        let huge = [UInt8](repeating: 0x62, count: 10_000)
        huge.withUnsafeBytes { list.pushTail($0) }
        huge.withUnsafeBytes { list.pushHead($0) }
        #expect(list.nodeCount == 28)
        #expect(list.node(0).count == 1 && list.node(27).count == 1)
        Self.checkNodes(list)
        // Inserting into, or replacing in, a full node splits it.
        let nodes = list.nodeCount
        let inserted = [UInt8](repeating: 0x63, count: 50)
        inserted.withUnsafeBytes { list.insert($0, at: 500) }
        #expect(list.nodeCount == nodes + 1)
        huge.withUnsafeBytes { list.replace(at: 1200, with: $0) }
        Self.checkNodes(list)
        #expect(list.element(at: 500) == inserted)
        #expect(list.element(at: 1200) == huge)
        #expect(list.element(at: 2003) == nil)
    }

    /// Removals in the middle leave nodes that fit together: they are merged.
    @Test func removalsMergeNeighbouringNodes() {
        let list = Self.list((0..<3000).map { Self.bytes("v\($0)") })
        #expect(list.nodeCount == 24)  // 128 elements a node
        list.remove(atPositions: Array(stride(from: 1, to: 3000, by: 2)))
        #expect(list.count == 1500)
        #expect(list.nodeCount == 12)
        #expect(Self.contents(list) == stride(from: 0, to: 3000, by: 2).map { Self.bytes("v\($0)") })
        Self.checkNodes(list)
        list.remove(atPositions: Array(0..<1499))
        #expect(list.nodeCount == 1)
        #expect(Self.contents(list) == [Self.bytes("v2998")])
    }

    @Test func smallListIsOnePackedNode() {
        let list = Self.list([Self.bytes("a"), Self.bytes("bb"), Self.bytes("")])
        #expect(list.nodeCount == 1)
        #expect(list.footprint < 200)
        #expect(Self.contents(list) == [Self.bytes("a"), Self.bytes("bb"), []])
    }

    /// Random operations against an array model: contents and node invariants after each.
    @Test(arguments: [11, 12, 13]) func randomOperationsMatchAnArray(seed: UInt64) {
        var random = SplitMix(seed: seed)
        let list = ListObject()
        var model: [[UInt8]] = []
        func below(_ bound: Int) -> Int { Int(random.next(upperBound: UInt64(bound))) }
        func element() -> [UInt8] {
            let length = below(20) == 0 ? 9000 : below(400)
            return [UInt8](repeating: UInt8(truncatingIfNeeded: below(256)), count: length)
        }
        for step in 0..<3000 {
            switch below(10) {
            case 0, 1:
                let e = element()
                e.withUnsafeBytes { list.pushTail($0) }
                model.append(e)
            case 2, 3:
                let e = element()
                e.withUnsafeBytes { list.pushHead($0) }
                model.insert(e, at: 0)
            case 4:
                let n = below(40)
                var popped: [[UInt8]] = []
                list.removeHead(n) { popped.append(Array($0)) }
                #expect(popped == Array(model.prefix(n)))
                model.removeFirst(min(n, model.count))
            case 5:
                let n = below(40)
                var popped: [[UInt8]] = []
                list.removeTail(n) { popped.append(Array($0)) }
                #expect(popped == Array(model.suffix(n).reversed()))
                model.removeLast(min(n, model.count))
            case 6:
                let index = below(model.count + 1)
                let e = element()
                e.withUnsafeBytes { list.insert($0, at: index) }
                model.insert(e, at: index)
            case 7 where !model.isEmpty:
                let index = below(model.count)
                let e = element()
                e.withUnsafeBytes { list.replace(at: index, with: $0) }
                model[index] = e
            case 8 where !model.isEmpty:
                var positions = Set<Int>()
                for _ in 0..<(1 + below(30)) { positions.insert(below(model.count)) }
                let sorted = positions.sorted()
                list.remove(atPositions: sorted)
                for position in sorted.reversed() { model.remove(at: position) }
            case 9 where model.count > 2:
                let start = below(model.count / 4 + 1)
                let stop = model.count - 1 - below(model.count / 4 + 1)
                if start <= stop {
                    list.trim(start: start, stop: stop)
                    model = Array(model[start...stop])
                }
            default:
                break
            }
            #expect(list.count == model.count, "step \(step)")
            if step % 50 == 0 || list.count < 30 {
                #expect(Self.contents(list) == model, "step \(step)")
                Self.checkNodes(list)
                if !model.isEmpty {
                    let index = below(model.count)
                    #expect(list.element(at: index) == model[index])
                    #expect(list.elements(from: index, to: model.count - 1) == Array(model[index...]))
                }
                var reversed: [[UInt8]] = []
                list.forEachReversed { reversed.append(Array($0)); return true }
                #expect(reversed == model.reversed())
            }
        }
    }

    /// A million elements pushed and popped at both ends: each push and pop touches one end
    /// node, so this takes about as long as a million array appends, not a million memmoves
    /// of the whole list.
    @Test func aMillionElementsAtBothEnds() {
        let list = ListObject()
        for index in 0..<500_000 {
            withUnsafeBytes(of: index) { list.pushTail($0) }
            withUnsafeBytes(of: -index) { list.pushHead($0) }
        }
        #expect(list.count == 1_000_000)
        #expect(list.element(at: 500_000) == withUnsafeBytes(of: 0) { Array($0) })
        #expect(list.element(at: 499_999) == withUnsafeBytes(of: 0) { Array($0) })
        #expect(list.element(at: 999_999) == withUnsafeBytes(of: 499_999) { Array($0) })
        let copy = list.clone() as! ListObject
        var popped = 0
        while list.count > 0 {
            list.removeHead(1) { _ in popped += 1 }
            list.removeTail(1) { _ in popped += 1 }
        }
        #expect(popped == 1_000_000)
        #expect(list.nodeCount == 0)
        #expect(list.footprint == 48, "a drained list keeps \(list.footprint) bytes")
        #expect(copy.count == 1_000_000)
        Self.checkNodes(copy)
    }

    @Test func payloadRoundTrips() throws {
        for elements in [
            [Self.bytes("one")],
            [[], Self.bytes("a"), [UInt8](repeating: 7, count: 300), Self.bytes("z")],
            (0..<5000).map { Self.bytes("element:\($0)") },
            [[UInt8](repeating: 1, count: 20_000), Self.bytes("after")],
        ] {
            let list = Self.list(elements)
            let payload = ValuePayload.encode(list)
            // u32 count | (u32 length | element)… head to tail
            var expected = withUnsafeBytes(of: UInt32(elements.count).littleEndian) { Array($0) }
            for element in elements {
                expected += withUnsafeBytes(of: UInt32(element.count).littleEndian) { Array($0) } + element
            }
            #expect(payload == expected)
            let decoded = try payload.withUnsafeBytes { try ValuePayload.decode(.list, $0) }
            let decodedList = try #require(decoded as? ListObject)
            #expect(Self.contents(decodedList) == elements)
            Self.checkNodes(decodedList)
        }
    }

    @Test(arguments: [
        ("empty payload", [UInt8]()),
        ("empty list", [0, 0, 0, 0]),
        ("count beyond the bytes", [9, 0, 0, 0, 1, 0, 0, 0, 0x61]),
        ("truncated length", [1, 0, 0, 0, 1, 0]),
        ("element past the end", [1, 0, 0, 0, 5, 0, 0, 0, 0x61, 0x62]),
        ("trailing bytes", [1, 0, 0, 0, 1, 0, 0, 0, 0x61, 0xFF]),
        ("huge count", [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]),
    ] as [(String, [UInt8])])
    func malformedPayloadsAreRefused(reason: String, payload: [UInt8]) {
        #expect(throws: ValuePayload.Malformed.self, "\(reason)") {
            try payload.withUnsafeBytes { _ = try ValuePayload.decode(.list, $0) }
        }
    }

    @Test func clonesAreIndependent() {
        let original = Self.list((0..<3000).map { Self.bytes("v\($0)") })
        let before = Self.contents(original)
        let copy = original.clone() as! ListObject
        Array("head".utf8).withUnsafeBytes { copy.pushHead($0) }
        Array("tail".utf8).withUnsafeBytes { copy.pushTail($0) }
        Array("mid".utf8).withUnsafeBytes { copy.replace(at: 1500, with: $0) }
        copy.remove(atPositions: [10, 11, 2000])
        copy.removeHead(100)
        #expect(Self.contents(original) == before)
        // And the other way round.
        let second = original.clone() as! ListObject
        original.trim(start: 5, stop: 10)
        Array("x".utf8).withUnsafeBytes { original.insert($0, at: 2) }
        #expect(Self.contents(second) == before)
        #expect(copy.count == 3000 + 2 - 3 - 100)
        Self.checkNodes(copy)
        Self.checkNodes(original)
        Self.checkNodes(second)
    }

    /// Each script runs on one keyspace; its effects, applied to another, give the same
    /// digest after every command.
    @Test(arguments: [
        [["RPUSH", "l", "a", "b", "c"], ["LPUSH", "l", "x", "y"], ["LPUSHX", "l", "p"], ["RPUSHX", "l", "q"], ["LPOP", "l"],
         ["RPOP", "l", "2"], ["LSET", "l", "-1", "last"], ["LINSERT", "l", "AFTER", "x", "after-x"], ["LINSERT", "l", "BEFORE", "x", "b"],
         ["LREM", "l", "-1", "b"], ["LPUSH", "l", "b", "b", "b"], ["LREM", "l", "2", "b"], ["LREM", "l", "0", "b"], ["LTRIM", "l", "1", "-1"],
         ["LTRIM", "l", "0", "-1"], ["LTRIM", "l", "5", "1"]],
        [["RPUSH", "s", "1", "2", "3"], ["LMOVE", "s", "s", "LEFT", "RIGHT"], ["LMOVE", "s", "d", "RIGHT", "LEFT"],
         ["RPOPLPUSH", "s", "d"], ["RPOPLPUSH", "s", "d"], ["RPOPLPUSH", "d", "d"], ["LMOVE", "d", "s", "LEFT", "LEFT"],
         ["RPUSH", "one", "x"], ["LMOVE", "one", "one", "RIGHT", "LEFT"], ["LMPOP", "3", "none", "d", "s", "RIGHT", "COUNT", "5"],
         ["LMPOP", "1", "s", "LEFT"], ["LPOP", "one", "3"]],
        [["SET", "k", "v", "PX", "5000"], ["RPUSH", "big"] + (0..<3000).map { "e\($0 % 97)" }, ["LREM", "big", "7", "e3"],
         ["LREM", "big", "-7", "e5"], ["LSET", "big", "1500", String(repeating: "z", count: 9000)],
         ["LINSERT", "big", "BEFORE", "e50", String(repeating: "w", count: 5000)], ["LTRIM", "big", "100", "-100"],
         ["LPOP", "big", "1000"], ["RPOP", "big", "1000"], ["LREM", "big", "0", "e1"], ["LTRIM", "big", "-10", "-1"]],
        // A one-element list moved onto itself keeps its expiry where the effects are applied
        // (a pop then a push would have deleted and recreated it without one).
        [["RPUSH", "ttl", "only"], ["PEXPIRE", "ttl", "100000"], ["LMOVE", "ttl", "ttl", "LEFT", "RIGHT"],
         ["RPOPLPUSH", "ttl", "ttl"], ["RPUSH", "ttl", "second"], ["LMOVE", "ttl", "ttl", "RIGHT", "LEFT"]],
    ] as [[[String]]])
    func appliedEffectsReproduceTheCommands(script: [[String]]) {
        var primary = Keyspace(hashSeed: 5)
        var replica = Keyspace(hashSeed: 6)
        for command in script {
            let outcome = primary.run(command, now: UnixMillis(T0))
            if case let .error(error) = outcome.reply { Issue.record("\(command[0]) failed: \(error)") }
            for effect in outcome.effects { replica.apply(effect) }
            #expect(primary.digest() == replica.digest(), "after \(command.prefix(4).joined(separator: " "))")
        }
        #expect(primary.count == replica.count)
    }

    /// A list nobody else holds is edited in place, command after command; one a snapshot
    /// holds is cloned once, and the snapshot keeps what it saw.
    @Test func listsAreEditedInPlaceUnlessShared() throws {
        var keyspace = Keyspace(hashSeed: 8)
        func objectID() -> ObjectIdentifier? {
            Array("l".utf8).withUnsafeBytes { keyspace.lookup($0)?.object.map(ObjectIdentifier.init) }
        }
        keyspace.run(["RPUSH", "l", "a", "b"], now: UnixMillis(T0))
        let first = try #require(objectID())
        keyspace.run(["LPUSH", "l", "c"], now: UnixMillis(T0))
        keyspace.run(["RPOP", "l"], now: UnixMillis(T0))
        #expect(objectID() == first)
        let snapshot = keyspace.snapshot()
        keyspace.run(["RPUSH", "l", "d"], now: UnixMillis(T0))
        let second = try #require(objectID())
        #expect(second != first)
        keyspace.run(["RPUSH", "l", "e"], now: UnixMillis(T0))
        #expect(objectID() == second)
        let seen = try #require(snapshot.first { $0.key == Self.bytes("l") }?.object as? ListObject)
        #expect(Self.contents(seen) == [Self.bytes("c"), Self.bytes("a")])
        #expect(keyspace.run(["LRANGE", "l", "0", "-1"], now: UnixMillis(T0)).reply
            == .array(["c", "a", "d", "e"].map { .bulk($0) }))
    }

    @Test func commandsLogTheirEdits() {
        let cases: [CommandCase] = [
            CommandCase("RPUSH l a b", .integer(2), effects: ["listPushTail l a b"]),
            CommandCase("LPUSH l a b", setup: ["RPUSH l z"], .integer(3), effects: ["listPushHead l a b"]),
            CommandCase("LPUSHX nokey a", .integer(0)),
            CommandCase("LPOP l 5", setup: ["RPUSH l a b c"], .array([.bulk("a"), .bulk("b"), .bulk("c")]), effects: ["listPopHead l 3"]),
            CommandCase("RPOP l", setup: ["RPUSH l a b c"], .bulk("c"), effects: ["listPopTail l 1"]),
            CommandCase("LPOP l 0", setup: ["RPUSH l a"], .array([])),
            CommandCase("LPOP nokey 2", .nullArray),
            CommandCase("LSET l -1 z", setup: ["RPUSH l a b c"], .ok, effects: ["listSet l 2 z"]),
            CommandCase("LINSERT l AFTER b x", setup: ["RPUSH l a b c"], .integer(4), effects: ["listInsert l 2 x"]),
            CommandCase("LREM l -2 a", setup: ["RPUSH l a b a c a"], .integer(2), effects: ["listRemoveAt l 2 4"]),
            CommandCase("LTRIM l 1 -2", setup: ["RPUSH l a b c d"], .ok, effects: ["listTrim l 1 2"]),
            CommandCase("LTRIM l 0 -1", setup: ["RPUSH l a b c d"], .ok),
            CommandCase("LTRIM l 3 1", setup: ["RPUSH l a b"], .ok, effects: ["delete l"]),
            // One element onto its own list: nothing changes, nothing is logged (see lmove).
            CommandCase("LMOVE l l LEFT RIGHT", setup: ["RPUSH l a"], .bulk("a")),
            CommandCase("LMOVE l l LEFT RIGHT", setup: ["RPUSH l a b"], .bulk("a"), effects: ["listPopHead l 1", "listPushTail l a"]),
            CommandCase("RPOPLPUSH l m", setup: ["RPUSH l a b"], .bulk("b"), effects: ["listPopTail l 1", "listPushHead m b"]),
            CommandCase("LMPOP 2 x l RIGHT COUNT 2", setup: ["RPUSH l a b c"],
                        .array([.bulk("l"), .array([.bulk("c"), .bulk("b")])]), effects: ["listPopTail l 2"]),
            CommandCase("LSET nokey 0 v", err("ERR no such key")),
            CommandCase("LSET l 5 v", setup: ["RPUSH l a"], err("ERR index out of range")),
            CommandCase("LPOS l a RANK 0", err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")),
            CommandCase("LMPOP 0 l LEFT", err("ERR numkeys should be greater than 0")),
            CommandCase("LPOP l -1", err("ERR value is out of range, must be positive")),
        ]
        for item in cases { item.check() }
    }
}
