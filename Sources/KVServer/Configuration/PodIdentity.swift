/// Who this process is in its StatefulSet: the pod name split into set name and ordinal.
///
/// `kv-0` is the primary of set `kv`; `orders-12` is replica 12 of set `orders`.
public struct PodIdentity: Sendable, Equatable, CustomStringConvertible {
    /// The whole pod name, e.g. `kv-2`.
    public var podName: String
    /// The part before the last `-`, e.g. `kv`.
    public var setName: String
    /// The number after the last `-`.
    public var ordinal: Int

    /// The role the ordinal implies.
    public var role: Role { ordinal == 0 ? .primary : .replica }

    public enum Role: String, Sendable {
        case primary
        case replica
    }

    /// Parses a pod name; nil when it does not end in `-<ordinal>` after a non-empty set name.
    public init?(podName: String) {
        // A hostname may be fully qualified (kv-0.kv.default.svc.cluster.local): the pod name
        // is its first label.
        let name = String(podName.prefix { $0 != "." })
        guard let dash = name.lastIndex(of: "-") else { return nil }
        let set = name[..<dash]
        let digits = name[name.index(after: dash)...]
        guard !set.isEmpty, !set.hasSuffix("-"), !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
              digits.count <= 9, let ordinal = Int(digits),
              digits == "0" || !digits.hasPrefix("0")
        else { return nil }
        self.podName = name
        self.setName = String(set)
        self.ordinal = ordinal
    }

    public var description: String { "\(podName) (set \(setName), ordinal \(ordinal), \(role.rawValue))" }

    /// The name of pod `ordinal` of the same set.
    public func podName(ordinal: Int) -> String { "\(setName)-\(ordinal)" }
}
